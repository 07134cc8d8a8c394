package ai.skinlesion.preprocess;

import ai.skinlesion.decode.RgbImage;

/**
 * Resizes as TensorFlow's {@code tf.image.resize(..., antialias=True)} does (its ScaleAndTranslate kernel):
 * when shrinking, the kernel widens by the scale so every source pixel contributes, which is what keeps a
 * 1500 px crop from aliasing on its way to 384 px. Rows first, then columns, in float, as TensorFlow does,
 * so that the two agree to the last bit.
 */
public final class Resize {

    private final ResizeKernel kernel;
    private final boolean antialias;
    private final int outWidth;
    private final int outHeight;

    public Resize(ResizeKernel kernel, boolean antialias, int outWidth, int outHeight) {
        this.kernel = kernel;
        this.antialias = antialias;
        this.outWidth = outWidth;
        this.outHeight = outHeight;
    }

    /** Returns outHeight × outWidth × 3 floats, row by row. */
    public float[] apply(RgbImage image) {
        Spans rows = spans(image.height(), outHeight);
        Spans columns = spans(image.width(), outWidth);
        float[] intermediate = resizeRows(image, rows);
        return resizeColumns(intermediate, image.width(), columns);
    }

    /**
     * The vertical pass first, as TensorFlow's ScaleAndTranslate does: an intermediate of outHeight × inWidth,
     * each row the weighted sum of whole input rows, tap by tap. Its inner loop runs along a row, which keeps it
     * simple enough for an ahead-of-time compiler too.
     */
    private float[] resizeRows(RgbImage image, Spans rows) {
        byte[] src = image.rgb();
        int rowLength = image.width() * 3;
        float[] out = new float[outHeight * rowLength];
        for (int y = 0; y < outHeight; y++) {
            int outRow = y * rowLength;
            int base = y * rows.size;
            for (int t = 0; t < rows.lengths[y]; t++) {
                float w = rows.weights[base + t];
                int inRow = (rows.starts[y] + t) * rowLength;
                for (int i = 0; i < rowLength; i++) {
                    out[outRow + i] += (src[inRow + i] & 0xFF) * w;
                }
            }
        }
        return out;
    }

    private float[] resizeColumns(float[] in, int inWidth, Spans columns) {
        float[] out = new float[outHeight * outWidth * 3];
        int o = 0;
        for (int y = 0; y < outHeight; y++) {
            int rowStart = y * inWidth * 3;
            for (int x = 0; x < outWidth; x++) {
                float r = 0;
                float g = 0;
                float b = 0;
                int start = columns.starts[x];
                int base = x * columns.size;
                for (int t = 0; t < columns.lengths[x]; t++) {
                    float w = columns.weights[base + t];
                    int s = rowStart + (start + t) * 3;
                    r += in[s] * w;
                    g += in[s + 1] * w;
                    b += in[s + 2] * w;
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
        float invScale = 1.0f / scale;
        float kernelScale = antialias ? Math.max(invScale, 1.0f) : 1.0f;
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
                float w = kernel.weight(position / kernelScale);
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
