package ai.skinlesion.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.FloatBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The two layouts and a non-identity mean and std that model.json allows (docs/MODEL_SPEC.md) and the validator
 * accepts, on a 2 × 2 image whose expected tensors are worked out by hand: (pixel · scale − mean[c]) / std[c].
 */
class NormalizeTest {

    /** 2 × 2 pixels, row by row, R G B each: red, green / blue, grey. */
    private static final float[] HWC = {
            255, 0, 0, 0, 255, 0,
            0, 0, 255, 51, 102, 153 };

    private static final double SCALE = 1 / 255.0;
    private static final List<Double> MEAN = List.of(0.5, 0.4, 0.2);
    private static final List<Double> STD = List.of(0.25, 0.5, 0.1);

    @Test
    void channelsLastKeepsThePixelOrderAndNormalisesEachChannelByItsOwnMeanAndStd() {
        // red (1 − 0.5) / 0.25 = 2; green 0: (0 − 0.4) / 0.5 = −0.8; blue 0: (0 − 0.2) / 0.1 = −2 ...
        // grey (51, 102, 153) / 255 = (0.2, 0.4, 0.6): (−1.2, 0, 4)
        float[] expected = {
                2f, -0.8f, -2f, -2f, 1.2f, -2f,
                -2f, -0.8f, 8f, -1.2f, 0f, 4f };
        assertArrayEquals(expected, normalize(true), 1e-5f);
    }

    @Test
    void channelsFirstWritesOnePlanePerChannel() {
        // the same numbers as above, regrouped: all red values (row by row), then all green, then all blue
        float[] expected = {
                2f, -2f, -2f, -1.2f,
                -0.8f, 1.2f, -0.8f, 0f,
                -2f, -2f, 8f, 4f };
        assertArrayEquals(expected, normalize(false), 1e-5f);
    }

    @Test
    void identityMeanAndStdOnlyScale() {
        float[] out = new float[12];
        FloatBuffer buffer = FloatBuffer.allocate(12);
        new Normalize(1.0, List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0), true).write(HWC, 2, 2, buffer);
        buffer.get(out);
        assertArrayEquals(HWC, out);
    }

    @Test
    void theBufferIsRewrittenFromItsStartOnEveryCall() {
        FloatBuffer buffer = FloatBuffer.allocate(12);
        Normalize normalize = new Normalize(SCALE, MEAN, STD, false);
        normalize.write(HWC, 2, 2, buffer);
        normalize.write(HWC, 2, 2, buffer);
        float[] out = new float[12];
        buffer.get(out);
        assertArrayEquals(normalize(false), out, 0f);
    }

    private static float[] normalize(boolean channelsLast) {
        FloatBuffer buffer = FloatBuffer.allocate(12);
        new Normalize(SCALE, MEAN, STD, channelsLast).write(HWC, 2, 2, buffer);
        float[] out = new float[buffer.remaining()];
        buffer.get(out);
        return out;
    }
}
