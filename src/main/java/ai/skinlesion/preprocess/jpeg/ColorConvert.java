package ai.skinlesion.preprocess.jpeg;

/** libjpeg-turbo's colour conversions, in its 16-bit fixed point with its rounding (jccolor.c, jdcolor.c). */
final class ColorConvert {

    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int CBCR_OFFSET = 128 << SCALEBITS;

    private static final int[] R_Y = new int[256];
    private static final int[] G_Y = new int[256];
    private static final int[] B_Y = new int[256];
    private static final int[] R_CB = new int[256];
    private static final int[] G_CB = new int[256];
    /** Also R to Cr: both are 0.5 · x with the same rounding offset. */
    private static final int[] B_CB = new int[256];
    private static final int[] G_CR = new int[256];
    private static final int[] B_CR = new int[256];

    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            R_Y[i] = fix(0.29900) * i;
            G_Y[i] = fix(0.58700) * i;
            B_Y[i] = fix(0.11400) * i + ONE_HALF;
            R_CB[i] = -fix(0.16874) * i;
            G_CB[i] = -fix(0.33126) * i;
            // rounding with 0.5 − ε keeps the maximum at 255 (jccolor.c)
            B_CB[i] = fix(0.50000) * i + CBCR_OFFSET + ONE_HALF - 1;
            G_CR[i] = -fix(0.41869) * i;
            B_CR[i] = -fix(0.08131) * i;
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private ColorConvert() {
    }

    private static int fix(double x) {
        return (int) (x * (1L << SCALEBITS) + 0.5);
    }

    static void toYcc(float[] rgb, byte[] y, byte[] cb, byte[] cr) {
        for (int p = 0, i = 0; p < y.length; p++, i += 3) {
            int r = (int) rgb[i];
            int g = (int) rgb[i + 1];
            int b = (int) rgb[i + 2];
            y[p] = (byte) ((R_Y[r] + G_Y[g] + B_Y[b]) >> SCALEBITS);
            cb[p] = (byte) ((R_CB[r] + G_CB[g] + B_CB[b]) >> SCALEBITS);
            cr[p] = (byte) ((B_CB[r] + G_CR[g] + B_CR[b]) >> SCALEBITS);
        }
    }

    static void toRgb(byte[] y, byte[] cb, byte[] cr, float[] rgb) {
        for (int p = 0, i = 0; p < y.length; p++, i += 3) {
            int l = y[p] & 0xFF;
            int u = cb[p] & 0xFF;
            int v = cr[p] & 0xFF;
            rgb[i] = clamp(l + CR_R[v]);
            rgb[i + 1] = clamp(l + ((CB_G[u] + CR_G[v]) >> SCALEBITS));
            rgb[i + 2] = clamp(l + CB_B[u]);
        }
    }

    /** sample_range_limit: 0 below, 255 above. */
    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
