package ai.skinlesion.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** {@code quantize: uint8}: the resized pixels as the 8-bit JPEG crops that training read would hold them. */
class QuantizeTest {

    @Test
    void roundsHalfToEvenAsNumpyAndTensorFlowDo() {
        // np.rint / tf.round: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 254.5 -> 254; not Math.round's half-up (0.5 -> 1)
        float[] pixels = { 0.5f, 1.5f, 2.5f, 254.5f, 127.49f, 127.51f };
        Quantize.toUint8(pixels);
        assertArrayEquals(new float[] { 0f, 2f, 2f, 254f, 127f, 128f }, pixels);
    }

    @Test
    void clipsToTheEightBitRange() {
        // a resize kernel with negative lobes (bicubic, lanczos) overshoots at edges
        float[] pixels = { -3.2f, -0.4f, 255.4f, 255.6f, 300f };
        Quantize.toUint8(pixels);
        assertArrayEquals(new float[] { 0f, 0f, 255f, 255f, 255f }, pixels);
    }

    @Test
    void wholeValuesInRangeAreKept() {
        float[] pixels = { 0f, 1f, 128f, 255f };
        Quantize.toUint8(pixels);
        assertArrayEquals(new float[] { 0f, 1f, 128f, 255f }, pixels);
    }
}
