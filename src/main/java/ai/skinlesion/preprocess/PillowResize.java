package ai.skinlesion.preprocess;

import java.util.Arrays;

import ai.skinlesion.decode.RgbImage;

/**
 * Resizes an 8-bit image as Pillow's {@code Image.resize} does (libImaging/Resample.c): the filter's support
 * widened by the downscale factor, weights computed in double and normalised per destination pixel, turned into
 * 22-bit fixed point ({@code PRECISION_BITS}), a horizontal pass into 8-bit values, then a vertical one, each
 * rounded half up and clipped. An axis whose size does not change is not resampled at all.
 */
public final class PillowResize implements Resize {

    /** Pillow's resampling filters this service reproduces, with their support. */
    public enum Filter {
        BILINEAR(1.0), BICUBIC(2.0), LANCZOS(3.0);

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        public static Filter forName(String name) {
            return switch (name) {
                case "bilinear" -> BILINEAR;
                case "bicubic" -> BICUBIC;
                case "lanczos" -> LANCZOS;
                default -> throw new IllegalArgumentException("unsupported Pillow resize filter " + name);
            };
        }

        double weight(double x) {
            return switch (this) {
                case BILINEAR -> {
                    double a = Math.abs(x);
                    yield a < 1.0 ? 1.0 - a : 0.0;
                }
                case BICUBIC -> bicubic(x);
                case LANCZOS -> -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
            };
        }

        /** Keys' cubic with a = −0.5, written as Resample.c writes it (the order of the operations matters). */
        private static double bicubic(double x) {
            final double a = -0.5;
            x = Math.abs(x);
            if (x < 1.0) {
                return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
            }
            if (x < 2.0) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0.0;
        }

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            x = x * Math.PI;
            return Math.sin(x) / x;
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private final Filter filter;

    public PillowResize(Filter filter) {
        this.filter = filter;
    }

    /** precompute_coeffs then normalize_coeffs_8bpc for one axis. */
    private record Coefficients(int ksize, int[] first, int[] count, int[] weights) {
    }

    private Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        double inverse = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double total = 0.0;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            for (int x = 0; x < xmax; x++) {
                double w = filter.weight((x + xmin - center + 0.5) * inverse);
                k[x] = w;
                total += w;
            }
            for (int x = 0; x < xmax; x++) {
                double w = total != 0.0 ? k[x] / total : k[x];
                double fixed = w * (1 << PRECISION_BITS);
                weights[xx * ksize + x] = (int) (w < 0 ? -0.5 + fixed : 0.5 + fixed);
            }
            first[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coefficients(ksize, first, count, weights);
    }

    /** clip8: the sum carries 0.5 in fixed point already; shift it down and clip to 0..255. */
    private static int clip8(int sum) {
        return Math.min(255, Math.max(0, sum >> PRECISION_BITS));
    }

    @Override
    public float[] apply(RgbImage image, int outWidth, int outHeight) {
        int inWidth = image.width();
        int inHeight = image.height();
        byte[] src = image.rgb();
        Coefficients vertical = coefficients(inHeight, outHeight);
        int firstRow = 0;
        int rows = inHeight;
        byte[] horizontal = src;
        int width = inWidth;
        if (outWidth != inWidth) {
            // only the rows the vertical pass reads, as Resample.c does
            firstRow = vertical.first[0];
            rows = vertical.first[outHeight - 1] + vertical.count[outHeight - 1] - firstRow;
            horizontal = resampleHorizontal(src, inWidth, firstRow, rows, outWidth);
            width = outWidth;
        }
        float[] out = new float[outWidth * outHeight * 3];
        if (outHeight != inHeight) {
            resampleVertical(horizontal, width, firstRow, vertical, outHeight, out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = horizontal[i] & 0xFF;
            }
        }
        return out;
    }

    private byte[] resampleHorizontal(byte[] src, int inWidth, int firstRow, int rows, int outWidth) {
        Coefficients c = coefficients(inWidth, outWidth);
        byte[] out = new byte[rows * outWidth * 3];
        int o = 0;
        for (int y = 0; y < rows; y++) {
            int row = (firstRow + y) * inWidth * 3;
            for (int xx = 0; xx < outWidth; xx++) {
                int base = xx * c.ksize;
                int s = row + c.first[xx] * 3;
                int r = 1 << (PRECISION_BITS - 1);
                int g = r;
                int b = r;
                for (int x = 0; x < c.count[xx]; x++) {
                    int w = c.weights[base + x];
                    r += (src[s] & 0xFF) * w;
                    g += (src[s + 1] & 0xFF) * w;
                    b += (src[s + 2] & 0xFF) * w;
                    s += 3;
                }
                out[o++] = (byte) clip8(r);
                out[o++] = (byte) clip8(g);
                out[o++] = (byte) clip8(b);
            }
        }
        return out;
    }

    private static void resampleVertical(byte[] src, int width, int firstRow, Coefficients c, int outHeight,
            float[] out) {
        int stride = width * 3;
        int[] sum = new int[stride];
        for (int yy = 0; yy < outHeight; yy++) {
            Arrays.fill(sum, 1 << (PRECISION_BITS - 1));
            int base = yy * c.ksize;
            for (int y = 0; y < c.count[yy]; y++) {
                int w = c.weights[base + y];
                int row = (c.first[yy] - firstRow + y) * stride;
                for (int i = 0; i < stride; i++) {
                    sum[i] += (src[row + i] & 0xFF) * w;
                }
            }
            int o = yy * stride;
            for (int i = 0; i < stride; i++) {
                out[o + i] = clip8(sum[i]);
            }
        }
    }
}
