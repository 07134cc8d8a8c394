package ai.skinlesion.preprocess;

import java.util.Arrays;

import ai.skinlesion.decode.RgbImage;

/**
 * Resizes an 8-bit image as OpenCV's {@code cv2.resize} does on uint8 (imgproc/src/resize.cpp), step for step:
 * <ul>
 * <li>{@code INTER_LINEAR} and {@code INTER_CUBIC}: coefficients in 11-bit fixed point
 * ({@code INTER_RESIZE_COEF_BITS}), a horizontal pass into ints, then a vertical pass: linear in integer
 * arithmetic, cubic in float for the vectorised bulk of each row and in fixed point for its tail, as OpenCV's
 * own code splits it.</li>
 * <li>{@code INTER_AREA} when shrinking: by a whole factor, the mean of each block in integers; by any other
 * factor, each source pixel weighted by the share of it a destination pixel covers, in float.
 * When enlarging, a bilinear variant with area-derived coefficients.</li>
 * <li>A linear halving is OpenCV's area halving, as OpenCV itself substitutes it.</li>
 * </ul>
 * Intel IPP, where OpenCV is built with it, replaces OpenCV's own code for cubic on uint8; IPP's result differs
 * from it by a level in some pixels (docs/DESIGN.md states the measured difference).
 */
public final class OpenCvResize implements Resize {

    /** cv2's interpolation flags this service reproduces. */
    public enum Method {
        AREA, LINEAR, CUBIC;

        public static Method forName(String name) {
            return switch (name) {
                case "area" -> AREA;
                case "linear" -> LINEAR;
                case "cubic" -> CUBIC;
                default -> throw new IllegalArgumentException("unsupported OpenCV resize method " + name);
            };
        }
    }

    private static final int COEF_BITS = 11;
    private static final int COEF_SCALE = 1 << COEF_BITS;
    /** The vertical cubic pass's vector width in bytes (128-bit SIMD, OpenCV's x86-64 baseline). */
    private static final int CUBIC_VECTOR_LANES = 8;
    private static final double DBL_EPSILON = Math.ulp(1.0);

    private final Method method;

    public OpenCvResize(Method method) {
        this.method = method;
    }

    @Override
    public float[] apply(RgbImage image, int outWidth, int outHeight) {
        int inWidth = image.width();
        int inHeight = image.height();
        if (inWidth == outWidth && inHeight == outHeight) {
            return copy(image.rgb());
        }
        // as cv::resize and hal::resize derive them
        double invScaleX = (double) outWidth / inWidth;
        double invScaleY = (double) outHeight / inHeight;
        double scaleX = 1.0 / invScaleX;
        double scaleY = 1.0 / invScaleY;
        int wholeX = (int) Math.rint(scaleX);
        int wholeY = (int) Math.rint(scaleY);
        boolean wholeFactor = Math.abs(scaleX - wholeX) < DBL_EPSILON && Math.abs(scaleY - wholeY) < DBL_EPSILON;
        Method m = method;
        if (m == Method.LINEAR && wholeFactor && wholeX == 2 && wholeY == 2) {
            m = Method.AREA;
        }
        if (m == Method.AREA && scaleX >= 1 && scaleY >= 1) {
            return wholeFactor ? areaByWholeFactor(image, outWidth, outHeight, wholeX, wholeY)
                    : area(image, outWidth, outHeight, scaleX, scaleY);
        }
        return separable(image, outWidth, outHeight, m, scaleX, scaleY, invScaleX, invScaleY);
    }

    private static float[] copy(byte[] rgb) {
        float[] out = new float[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            out[i] = rgb[i] & 0xFF;
        }
        return out;
    }

    /** resizeAreaFast_: a halving rounds (sum + 2) / 4 in integers; other factors round sum · (1 / area) in float. */
    private static float[] areaByWholeFactor(RgbImage image, int outWidth, int outHeight, int fx, int fy) {
        byte[] src = image.rgb();
        int stride = image.width() * 3;
        float[] out = new float[outWidth * outHeight * 3];
        float scale = 1.0f / (fx * fy);
        int o = 0;
        for (int dy = 0; dy < outHeight; dy++) {
            int top = dy * fy * stride;
            for (int dx = 0; dx < outWidth; dx++) {
                int left = dx * fx * 3;
                for (int c = 0; c < 3; c++) {
                    int sum = 0;
                    for (int y = 0; y < fy; y++) {
                        for (int x = 0; x < fx; x++) {
                            sum += src[top + y * stride + left + x * 3 + c] & 0xFF;
                        }
                    }
                    out[o++] = fx == 2 && fy == 2 ? (sum + 2) >> 2 : saturate(sum * scale);
                }
            }
        }
        return out;
    }

    /** One axis of computeResizeAreaTab: which source pixel adds to which destination pixel, with what weight. */
    private record AreaTable(int size, int[] source, int[] destination, float[] weight) {

        static AreaTable of(int inSize, int outSize, double scale) {
            int[] source = new int[inSize * 2];
            int[] destination = new int[inSize * 2];
            float[] weight = new float[inSize * 2];
            int k = 0;
            for (int dx = 0; dx < outSize; dx++) {
                double fsx1 = dx * scale;
                double fsx2 = fsx1 + scale;
                double cellWidth = Math.min(scale, inSize - fsx1);
                int sx2 = Math.min((int) Math.floor(fsx2), inSize - 1);
                int sx1 = Math.min((int) Math.ceil(fsx1), sx2);
                if (sx1 - fsx1 > 1e-3) {
                    destination[k] = dx;
                    source[k] = sx1 - 1;
                    weight[k++] = (float) ((sx1 - fsx1) / cellWidth);
                }
                for (int sx = sx1; sx < sx2; sx++) {
                    destination[k] = dx;
                    source[k] = sx;
                    weight[k++] = (float) (1.0 / cellWidth);
                }
                if (fsx2 - sx2 > 1e-3) {
                    destination[k] = dx;
                    source[k] = sx2;
                    weight[k++] = (float) (Math.min(Math.min(fsx2 - sx2, 1.0), cellWidth) / cellWidth);
                }
            }
            return new AreaTable(k, source, destination, weight);
        }
    }

    /** ResizeArea_Invoker: each source row spread over a row buffer, then added into its destination row, in float. */
    private static float[] area(RgbImage image, int outWidth, int outHeight, double scaleX, double scaleY) {
        AreaTable xs = AreaTable.of(image.width(), outWidth, scaleX);
        AreaTable ys = AreaTable.of(image.height(), outHeight, scaleY);
        byte[] src = image.rgb();
        int stride = image.width() * 3;
        int width = outWidth * 3;
        float[] buf = new float[width];
        float[] sum = new float[width];
        float[] out = new float[width * outHeight];
        int previous = ys.destination[0];
        for (int j = 0; j < ys.size; j++) {
            float beta = ys.weight[j];
            int dy = ys.destination[j];
            int row = ys.source[j] * stride;
            Arrays.fill(buf, 0f);
            for (int k = 0; k < xs.size; k++) {
                int d = xs.destination[k] * 3;
                int s = row + xs.source[k] * 3;
                float alpha = xs.weight[k];
                buf[d] = buf[d] + (src[s] & 0xFF) * alpha;
                buf[d + 1] = buf[d + 1] + (src[s + 1] & 0xFF) * alpha;
                buf[d + 2] = buf[d + 2] + (src[s + 2] & 0xFF) * alpha;
            }
            if (dy != previous) {
                store(sum, out, previous * width);
                for (int x = 0; x < width; x++) {
                    sum[x] = beta * buf[x];
                }
                previous = dy;
            } else {
                for (int x = 0; x < width; x++) {
                    sum[x] = sum[x] + beta * buf[x];
                }
            }
        }
        store(sum, out, previous * width);
        return out;
    }

    private static void store(float[] sum, float[] out, int offset) {
        for (int x = 0; x < sum.length; x++) {
            out[offset + x] = saturate(sum[x]);
        }
    }

    /** saturate_cast&lt;uchar&gt;(float): round half to even, clip to 0..255. */
    private static int saturate(float v) {
        return (int) Math.min(255, Math.max(0, Math.rint(v)));
    }

    private static short saturateShort(float v) {
        return (short) Math.min(Short.MAX_VALUE, Math.max(Short.MIN_VALUE, Math.rint(v)));
    }

    /** The coefficients of one axis: first source pixel and the fixed-point weights of each destination pixel. */
    private record Taps(int[] first, short[] weights, int min, int max) {
    }

    private static Taps taps(int inSize, int outSize, Method m, int ksize, double scale, double invScale,
            boolean horizontal) {
        int[] first = new int[outSize];
        short[] weights = new short[outSize * ksize];
        int half = ksize / 2;
        int min = 0;
        int max = outSize;
        float[] cbuf = new float[ksize];
        for (int d = 0; d < outSize; d++) {
            float f;
            int s;
            if (m != Method.AREA) {
                f = (float) ((d + 0.5) * scale - 0.5);
                s = (int) Math.floor(f);
                f -= s;
            } else {
                s = (int) Math.floor(d * scale);
                f = (float) ((d + 1) - (s + 1) * invScale);
                f = f <= 0 ? 0f : f - (float) Math.floor(f);
            }
            // only the horizontal axis clamps its taps here; the vertical one clamps the rows it reads
            if (horizontal) {
                if (s < half - 1) {
                    min = d + 1;
                    if (s < 0 && m != Method.CUBIC) {
                        f = 0;
                        s = 0;
                    }
                }
                if (s + half >= inSize) {
                    max = Math.min(max, d);
                    if (s >= inSize - 1 && m != Method.CUBIC) {
                        f = 0;
                        s = inSize - 1;
                    }
                }
            }
            first[d] = s;
            if (m == Method.CUBIC) {
                cubicCoefficients(f, cbuf);
            } else {
                cbuf[0] = 1.0f - f;
                cbuf[1] = f;
            }
            for (int k = 0; k < ksize; k++) {
                weights[d * ksize + k] = saturateShort(cbuf[k] * COEF_SCALE);
            }
        }
        return new Taps(first, weights, min, max);
    }

    /** interpolateCubic: Keys' cubic with A = −0.75, in float, the last weight making the sum one. */
    private static void cubicCoefficients(float x, float[] c) {
        final float a = -0.75f;
        c[0] = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a;
        c[1] = ((a + 2) * x - (a + 3)) * x * x + 1;
        c[2] = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1;
        c[3] = 1.0f - c[0] - c[1] - c[2];
    }

    /** resizeGeneric_: horizontal pass of each needed source row into ints, then the vertical pass. */
    private static float[] separable(RgbImage image, int outWidth, int outHeight, Method m, double scaleX,
            double scaleY, double invScaleX, double invScaleY) {
        int ksize = m == Method.CUBIC ? 4 : 2;
        int inWidth = image.width();
        int inHeight = image.height();
        Taps xs = taps(inWidth, outWidth, m, ksize, scaleX, invScaleX, true);
        Taps ys = taps(inHeight, outHeight, m, ksize, scaleY, invScaleY, false);
        int width = outWidth * 3;
        // the rows a destination row reads are ksize consecutive ones: slot = row mod ksize never collides
        int[][] rows = new int[ksize][width];
        int[] rowOf = new int[ksize];
        Arrays.fill(rowOf, -1);
        int[][] read = new int[ksize][];
        float[] out = new float[width * outHeight];
        for (int dy = 0; dy < outHeight; dy++) {
            for (int k = 0; k < ksize; k++) {
                int sy = clip(ys.first[dy] - ksize / 2 + 1 + k, inHeight);
                int slot = sy % ksize;
                if (rowOf[slot] != sy) {
                    if (m == Method.CUBIC) {
                        horizontalCubic(image, sy, xs, rows[slot]);
                    } else {
                        horizontalLinear(image, sy, xs, rows[slot]);
                    }
                    rowOf[slot] = sy;
                }
                read[k] = rows[slot];
            }
            int o = dy * width;
            if (m == Method.CUBIC) {
                verticalCubic(read, ys.weights, dy * 4, out, o, width);
            } else {
                verticalLinear(read, ys.weights[dy * 2], ys.weights[dy * 2 + 1], out, o, width);
            }
        }
        return out;
    }

    /** resize.cpp's clip(y, 0, height). */
    private static int clip(int y, int height) {
        return y >= 0 ? (y < height ? y : height - 1) : 0;
    }

    /** HResizeLinear on uint8: S[sx]·a0 + S[sx+1]·a1; right of the last full pair, S[sx]·2048. */
    private static void horizontalLinear(RgbImage image, int sy, Taps xs, int[] dst) {
        byte[] src = image.rgb();
        int row = sy * image.width() * 3;
        int outWidth = xs.first.length;
        for (int dx = 0; dx < outWidth; dx++) {
            int s = row + xs.first[dx] * 3;
            int d = dx * 3;
            if (dx < xs.max) {
                int a0 = xs.weights[dx * 2];
                int a1 = xs.weights[dx * 2 + 1];
                for (int c = 0; c < 3; c++) {
                    dst[d + c] = (src[s + c] & 0xFF) * a0 + (src[s + 3 + c] & 0xFF) * a1;
                }
            } else {
                for (int c = 0; c < 3; c++) {
                    dst[d + c] = (src[s + c] & 0xFF) * COEF_SCALE;
                }
            }
        }
    }

    /** HResizeCubic on uint8: four taps around sx, repeated edge pixels beyond the border, in ints. */
    private static void horizontalCubic(RgbImage image, int sy, Taps xs, int[] dst) {
        byte[] src = image.rgb();
        int inWidth = image.width();
        int row = sy * inWidth * 3;
        int outWidth = xs.first.length;
        for (int dx = 0; dx < outWidth; dx++) {
            int sx = xs.first[dx];
            for (int c = 0; c < 3; c++) {
                int v = 0;
                for (int j = 0; j < 4; j++) {
                    int x = Math.max(0, Math.min(inWidth - 1, sx - 1 + j));
                    v += (src[row + x * 3 + c] & 0xFF) * xs.weights[dx * 4 + j];
                }
                dst[dx * 3 + c] = v;
            }
        }
    }

    /**
     * VResizeLinear on uint8, whose scalar code is written to equal its SIMD code: each product of a row value
     * (shifted right by 4) and its 11-bit weight keeps its top 16 bits, then (sum + 2) &gt;&gt; 2, saturated.
     */
    private static void verticalLinear(int[][] rows, int b0, int b1, float[] out, int offset, int width) {
        int[] s0 = rows[0];
        int[] s1 = rows[1];
        for (int x = 0; x < width; x++) {
            int v = (((b0 * (s0[x] >> 4)) >> 16) + ((b1 * (s1[x] >> 4)) >> 16) + 2) >> 2;
            out[offset + x] = Math.min(255, Math.max(0, v));
        }
    }

    /**
     * VResizeCubic on uint8: the vectorised part (whole 8-byte groups) in float, the four row terms added from the
     * last to the first and rounded half to even; the tail in 22-bit fixed point, rounded half up.
     */
    private static void verticalCubic(int[][] rows, short[] beta, int at, float[] out, int offset, int width) {
        int b0 = beta[at];
        int b1 = beta[at + 1];
        int b2 = beta[at + 2];
        int b3 = beta[at + 3];
        float scale = 1.0f / (COEF_SCALE * COEF_SCALE);
        float f0 = b0 * scale;
        float f1 = b1 * scale;
        float f2 = b2 * scale;
        float f3 = b3 * scale;
        int[] s0 = rows[0];
        int[] s1 = rows[1];
        int[] s2 = rows[2];
        int[] s3 = rows[3];
        int vectorEnd = width - width % CUBIC_VECTOR_LANES;
        for (int x = 0; x < vectorEnd; x++) {
            float t = s3[x] * f3;
            t = s2[x] * f2 + t;
            t = s1[x] * f1 + t;
            t = s0[x] * f0 + t;
            out[offset + x] = saturate(t);
        }
        for (int x = vectorEnd; x < width; x++) {
            int v = (s0[x] * b0 + s1[x] * b1 + s2[x] * b2 + s3[x] * b3 + (1 << (2 * COEF_BITS - 1))) >> (2 * COEF_BITS);
            out[offset + x] = Math.min(255, Math.max(0, v));
        }
    }
}
