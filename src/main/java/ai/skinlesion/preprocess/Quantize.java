package ai.skinlesion.preprocess;

/**
 * Rounds to 8-bit values, half to even, clipped to 0..255: training stored its crops as 8-bit JPEGs, so the
 * model never saw a fractional pixel.
 */
public final class Quantize {

    private Quantize() {
    }

    public static void toUint8(float[] pixels) {
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.min(255.0, Math.max(0.0, Math.rint(pixels[i])));
        }
    }
}
