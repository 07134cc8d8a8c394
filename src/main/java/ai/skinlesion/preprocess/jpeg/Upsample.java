package ai.skinlesion.preprocess.jpeg;

/**
 * libjpeg-turbo's fancy upsampling (jdsample.c), the decompressor's default: each output sample a 3:1 blend of the
 * nearer and farther input samples on each subsampled axis, with the edge samples repeated.
 */
final class Upsample {

    private Upsample() {
    }

    /** Writes the width × height upsampled component into {@code out}. */
    static void fancy(byte[] in, int inWidth, int inHeight, int width, int height, int hFactor, int vFactor,
            byte[] out) {
        if (hFactor == 1 && vFactor == 1) {
            System.arraycopy(in, 0, out, 0, width * height);
            return;
        }
        int[] row = new int[inWidth * 2];
        for (int y = 0; y < height; y++) {
            int r = y / vFactor;
            if (vFactor == 1) {
                h2v1(in, r * inWidth, inWidth, row);
            } else {
                // the upper output row of a pair blends with the row above, the lower with the row below
                int neighbour = (y & 1) == 0 ? Math.max(r - 1, 0) : Math.min(r + 1, inHeight - 1);
                h2v2(in, r * inWidth, neighbour * inWidth, inWidth, row);
            }
            for (int x = 0; x < width; x++) {
                out[y * width + x] = (byte) row[x];
            }
        }
    }

    /** h2v1_fancy_upsample: (3 · nearer + farther + 1 or 2) / 4. */
    private static void h2v1(byte[] in, int at, int n, int[] out) {
        out[0] = in[at] & 0xFF;
        out[1] = ((in[at] & 0xFF) * 3 + (in[at + 1] & 0xFF) + 2) >> 2;
        for (int c = 1; c < n - 1; c++) {
            int v = (in[at + c] & 0xFF) * 3;
            out[2 * c] = (v + (in[at + c - 1] & 0xFF) + 1) >> 2;
            out[2 * c + 1] = (v + (in[at + c + 1] & 0xFF) + 2) >> 2;
        }
        int last = in[at + n - 1] & 0xFF;
        out[2 * n - 2] = (last * 3 + (in[at + n - 2] & 0xFF) + 1) >> 2;
        out[2 * n - 1] = last;
    }

    /** h2v2_fancy_upsample: column sums 3 · nearer row + farther row, then (3 · nearer + farther + 8 or 7) / 16. */
    private static void h2v2(byte[] in, int near, int far, int n, int[] out) {
        int thisSum = (in[near] & 0xFF) * 3 + (in[far] & 0xFF);
        int nextSum = (in[near + 1] & 0xFF) * 3 + (in[far + 1] & 0xFF);
        out[0] = (thisSum * 4 + 8) >> 4;
        out[1] = (thisSum * 3 + nextSum + 7) >> 4;
        int lastSum = thisSum;
        thisSum = nextSum;
        for (int c = 1; c < n - 1; c++) {
            nextSum = (in[near + c + 1] & 0xFF) * 3 + (in[far + c + 1] & 0xFF);
            out[2 * c] = (thisSum * 3 + lastSum + 8) >> 4;
            out[2 * c + 1] = (thisSum * 3 + nextSum + 7) >> 4;
            lastSum = thisSum;
            thisSum = nextSum;
        }
        out[2 * n - 2] = (thisSum * 3 + lastSum + 8) >> 4;
        out[2 * n - 1] = (thisSum * 4 + 7) >> 4;
    }
}
