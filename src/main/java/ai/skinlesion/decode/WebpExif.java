package ai.skinlesion.decode;

import java.util.Arrays;

/**
 * A WebP's EXIF orientation, from its "EXIF" chunk (extended format, VP8X), found by walking the RIFF chunk headers
 * without decoding anything. Pillow, which the reference reads orientation with, takes the chunk wherever it lies.
 */
final class WebpExif {

    private static final int RIFF_HEADER = 12; // "RIFF", size, "WEBP"
    private static final int EXIF = 0x45584946; // "EXIF", read big-endian

    private WebpExif() {
    }

    static Orientation orientation(byte[] webp) {
        int at = RIFF_HEADER;
        while (at + 8 <= webp.length) {
            int fourCc = (webp[at] & 0xFF) << 24 | (webp[at + 1] & 0xFF) << 16 | (webp[at + 2] & 0xFF) << 8
                    | (webp[at + 3] & 0xFF);
            long size = (webp[at + 4] & 0xFFL) | (webp[at + 5] & 0xFFL) << 8 | (webp[at + 6] & 0xFFL) << 16
                    | (webp[at + 7] & 0xFFL) << 24;
            long end = at + 8 + size;
            if (end > webp.length) {
                return Orientation.NORMAL; // truncated: the decoder says so, the orientation stays as stored
            }
            if (fourCc == EXIF) {
                return ExifOrientation.read(Arrays.copyOfRange(webp, at + 8, (int) end));
            }
            at = (int) (end + (size & 1)); // chunks are padded to an even size
        }
        return Orientation.NORMAL;
    }
}
