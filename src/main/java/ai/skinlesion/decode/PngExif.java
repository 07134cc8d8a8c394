package ai.skinlesion.decode;

import java.util.Arrays;

/**
 * A PNG's EXIF orientation, from its eXIf chunk (PNG 1.5 extension), found by walking the chunk headers without
 * inflating anything. Pillow, which the reference reads orientation with, also takes an eXIf chunk that follows the
 * image data, so the walk goes to IEND.
 */
final class PngExif {

    private static final int SIGNATURE = 8;

    private PngExif() {
    }

    static Orientation orientation(byte[] png) {
        int at = SIGNATURE;
        while (at + 8 <= png.length) {
            long length = readInt(png, at) & 0xFFFFFFFFL;
            int type = readInt(png, at + 4);
            long end = at + 8 + length + 4;
            if (end > png.length) {
                return Orientation.NORMAL; // truncated: the decoder says so, the orientation stays as stored
            }
            if (type == 0x65584966) { // "eXIf"
                return ExifOrientation.read(Arrays.copyOfRange(png, at + 8, at + 8 + (int) length));
            }
            if (type == 0x49454E44) { // "IEND"
                break;
            }
            at = (int) end;
        }
        return Orientation.NORMAL;
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }
}
