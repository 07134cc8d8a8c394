package ai.skinlesion.decode;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a WebP's RIFF chunk headers say before anything is decoded: its EXIF orientation (the "EXIF" chunk of the
 * extended format, wherever it lies, as Pillow, which the reference reads orientation with, takes it) and the
 * extended format's canvas size (the "VP8X" chunk), which libwebp allocates for and which may be larger than the
 * bitstream's own size that the reader reports.
 */
final class WebpChunks {

    private static final int RIFF_HEADER = 12; // "RIFF", size, "WEBP"
    private static final int EXIF = 0x45584946; // "EXIF", read big-endian
    private static final int VP8X = 0x56503858; // "VP8X"

    /** Width and height of the extended format's canvas. */
    record Canvas(int width, int height) {
    }

    private WebpChunks() {
    }

    static Orientation orientation(byte[] webp) {
        return chunk(webp, EXIF).map(range -> ExifOrientation.read(Arrays.copyOfRange(webp, range[0], range[1])))
                .orElse(Orientation.NORMAL); // none, or truncated: the orientation stays as stored
    }

    /** The VP8X chunk's canvas (24-bit width and height, each stored minus one), when the file has one. */
    static Optional<Canvas> canvas(byte[] webp) {
        return chunk(webp, VP8X).filter(range -> range[1] - range[0] >= 10)
                .map(range -> new Canvas(uint24(webp, range[0] + 4) + 1, uint24(webp, range[0] + 7) + 1));
    }

    /** The first chunk of that type: {start, end} of its payload, or empty if it is absent or cut off. */
    private static Optional<int[]> chunk(byte[] webp, int wanted) {
        int at = RIFF_HEADER;
        while (at + 8 <= webp.length) {
            int fourCc = (webp[at] & 0xFF) << 24 | (webp[at + 1] & 0xFF) << 16 | (webp[at + 2] & 0xFF) << 8
                    | (webp[at + 3] & 0xFF);
            long size = (webp[at + 4] & 0xFFL) | (webp[at + 5] & 0xFFL) << 8 | (webp[at + 6] & 0xFFL) << 16
                    | (webp[at + 7] & 0xFFL) << 24;
            long end = at + 8 + size;
            if (end > webp.length) {
                return Optional.empty();
            }
            if (fourCc == wanted) {
                return Optional.of(new int[] { at + 8, (int) end });
            }
            at = (int) (end + (size & 1)); // chunks are padded to an even size
        }
        return Optional.empty();
    }

    private static int uint24(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16;
    }
}
