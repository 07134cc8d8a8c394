package ai.skinlesion.preprocess;

import java.util.Arrays;

import ai.skinlesion.decode.RgbImage;

/**
 * Resizes as TensorFlow's {@code tf.image.resize} does, in float, so that the two agree to the last bit.
 * <ul>
 * <li>{@code antialias=True} (bilinear or bicubic): its ScaleAndTranslate kernel. When shrinking, the kernel widens
 * by the scale so every source pixel contributes, which is what keeps a 1500 px crop from aliasing on its way to
 * 384 px. Rows first, then columns, as TensorFlow does.</li>
 * <li>bilinear without antialias: its ResizeBilinear kernel (half-pixel centres), which reads only the two nearest
 * pixels on each axis, however much the image shrinks.</li>
 * </ul>
 */
public final class TensorFlowResize implements Resize {

    private final ResizeKernel kernel;
    private final boolean antialias;

    public TensorFlowResize(ResizeKernel kernel, boolean antialias) {
        if (!antialias && kernel != ResizeKernel.TRIANGLE) {
            // tf.image.resize then runs ResizeBicubic, whose edge handling differs: not reproduced
            throw new IllegalArgumentException("TensorFlow's bicubic resize is reproduced with antialias only");
        }
        this.kernel = kernel;
        this.antialias = antialias;
    }

    @Override
    public float[] apply(RgbImage image, int outWidth, int outHeight) {
        if (!antialias) {
            return resizeBilinear(image, outWidth, outHeight);
        }
        Spans rows = spans(image.height(), outHeight);
        Spans columns = spans(image.width(), outWidth);
        return scaleAndTranslate(image, rows, columns, outWidth, outHeight);
    }

    /**
     * ResizeBilinear (resize_bilinear_op.cc) with half-pixel centres: source position (i + 0.5) · in/out − 0.5 in
     * float, the two pixels either side clamped to the image, then top, bottom and their blend, each a float lerp.
     */
    private static float[] resizeBilinear(RgbImage image, int outWidth, int outHeight) {
        byte[] src = image.rgb();
        int inWidth = image.width();
        int[] xLower = new int[outWidth];
        int[] xUpper = new int[outWidth];
        float[] xLerp = new float[outWidth];
        lerpWeights(inWidth, outWidth, xLower, xUpper, xLerp);
        int[] yLower = new int[outHeight];
        int[] yUpper = new int[outHeight];
        float[] yLerp = new float[outHeight];
        lerpWeights(image.height(), outHeight, yLower, yUpper, yLerp);
        float[] out = new float[outHeight * outWidth * 3];
        int o = 0;
        for (int y = 0; y < outHeight; y++) {
            int top = yLower[y] * inWidth * 3;
            int bottom = yUpper[y] * inWidth * 3;
            float dy = yLerp[y];
            for (int x = 0; x < outWidth; x++) {
                int left = xLower[x] * 3;
                int right = xUpper[x] * 3;
                float dx = xLerp[x];
                for (int c = 0; c < 3; c++) {
                    float topLeft = src[top + left + c] & 0xFF;
                    float topRight = src[top + right + c] & 0xFF;
                    float bottomLeft = src[bottom + left + c] & 0xFF;
                    float bottomRight = src[bottom + right + c] & 0xFF;
                    float t = topLeft + (topRight - topLeft) * dx;
                    float b = bottomLeft + (bottomRight - bottomLeft) * dx;
                    out[o++] = t + (b - t) * dy;
                }
            }
        }
        return out;
    }

    private static void lerpWeights(int inSize, int outSize, int[] lower, int[] upper, float[] lerp) {
        float scale = (float) inSize / outSize;
        for (int i = 0; i < outSize; i++) {
            float in = (i + 0.5f) * scale - 0.5f;
            float floor = (float) Math.floor(in);
            lower[i] = Math.max((int) floor, 0);
            upper[i] = Math.min((int) Math.ceil(in), inSize - 1);
            lerp[i] = in - floor;
        }
    }

    /**
     * The vertical pass first, as TensorFlow's ScaleAndTranslate does (GatherRows, then GatherColumns): each row of
     * the intermediate is the weighted sum of whole input rows, tap by tap, and each output pixel the weighted sum of
     * that row's pixels. TensorFlow keeps the whole intermediate (output height × input width); one row of it at a
     * time gives the same sums in the same order, in a fraction of the memory.
     */
    private static float[] scaleAndTranslate(RgbImage image, Spans rows, Spans columns, int outWidth, int outHeight) {
        byte[] src = image.rgb();
        int rowLength = image.width() * 3;
        float[] row = new float[rowLength];
        float[] out = new float[outHeight * outWidth * 3];
        int o = 0;
        for (int y = 0; y < outHeight; y++) {
            Arrays.fill(row, 0f);
            int base = y * rows.size;
            for (int t = 0; t < rows.lengths[y]; t++) {
                float w = rows.weights[base + t];
                int inRow = (rows.starts[y] + t) * rowLength;
                for (int i = 0; i < rowLength; i++) {
                    row[i] += (src[inRow + i] & 0xFF) * w;
                }
            }
            for (int x = 0; x < outWidth; x++) {
                float r = 0;
                float g = 0;
                float b = 0;
                int start = columns.starts[x];
                int at = x * columns.size;
                for (int t = 0; t < columns.lengths[x]; t++) {
                    float w = columns.weights[at + t];
                    int s = (start + t) * 3;
                    r += row[s] * w;
                    g += row[s + 1] * w;
                    b += row[s + 2] * w;
                }
                out[o++] = r;
                out[o++] = g;
                out[o++] = b;
            }
        }
        return out;
    }

    /** For each output pixel: the first source pixel, how many follow, and their normalised weights. */
    private record Spans(int size, int[] starts, int[] lengths, float[] weights) {
    }

    private Spans spans(int inSize, int outSize) {
        float scale = (float) outSize / inSize;
        // as ComputeSpansCore writes them: 1.0 / scale in double, the kernel position times a float reciprocal
        float invScale = (float) (1.0 / scale);
        float kernelScale = Math.max(invScale, 1.0f);
        float oneOverKernelScale = 1.0f / kernelScale;
        float radius = kernel.radius() * kernelScale;
        int size = Math.min(2 * (int) Math.ceil(radius) + 1, inSize);
        int[] starts = new int[outSize];
        int[] lengths = new int[outSize];
        float[] weights = new float[outSize * size];
        for (int x = 0; x < outSize; x++) {
            float sample = (x + 0.5f) * invScale;
            int start = clamp((int) Math.ceil(sample - radius - 0.5f), 0, inSize - 1);
            int end = clamp((int) Math.floor(sample + radius - 0.5f), 0, inSize - 1) + 1;
            int length = Math.min(end - start, size);
            float total = 0;
            for (int t = 0; t < length; t++) {
                float position = start + t + 0.5f - sample;
                float w = kernel.weight(position * oneOverKernelScale);
                weights[x * size + t] = w;
                total += w;
            }
            if (Math.abs(total) >= 1000.0f * Float.MIN_NORMAL) {
                float inverse = 1.0f / total;
                for (int t = 0; t < length; t++) {
                    weights[x * size + t] *= inverse;
                }
            }
            starts[x] = start;
            lengths[x] = length;
        }
        return new Spans(size, starts, lengths, weights);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
