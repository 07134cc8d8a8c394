package ai.skinlesion.preprocess;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * x = (pixel · scale − mean[c]) / std[c], written in the graph's layout straight into the buffer that
 * ONNX Runtime reads, so the tensor is never copied.
 */
public final class Normalize {

    private final float scale;
    private final float[] mean;
    private final float[] inverseStd;
    private final boolean channelsLast;

    public Normalize(double scale, List<Double> mean, List<Double> std, boolean channelsLast) {
        this.scale = (float) scale;
        this.mean = new float[3];
        this.inverseStd = new float[3];
        for (int c = 0; c < 3; c++) {
            this.mean[c] = mean.get(c).floatValue();
            this.inverseStd[c] = 1.0f / std.get(c).floatValue();
        }
        this.channelsLast = channelsLast;
    }

    /** {@code hwc}: height × width × 3 pixels, row by row. */
    public void write(float[] hwc, int height, int width, FloatBuffer out) {
        out.clear();
        if (channelsLast) {
            for (int i = 0; i < hwc.length; i++) {
                int c = i % 3;
                out.put((hwc[i] * scale - mean[c]) * inverseStd[c]);
            }
        } else {
            int plane = height * width;
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    out.put((hwc[p * 3 + c] * scale - mean[c]) * inverseStd[c]);
                }
            }
        }
        out.flip();
    }
}
