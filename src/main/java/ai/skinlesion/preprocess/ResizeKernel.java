package ai.skinlesion.preprocess;

/** The interpolation kernels of TensorFlow's {@code tf.image.resize} (sampling_kernels.h). */
public enum ResizeKernel {
    /** method "bilinear". */
    TRIANGLE(1.0f),
    /** method "bicubic": Keys' cubic with a = −0.5. */
    KEYS_CUBIC(2.0f);

    private final float radius;

    ResizeKernel(float radius) {
        this.radius = radius;
    }

    public float radius() {
        return radius;
    }

    public static ResizeKernel forMethod(String method) {
        return switch (method) {
            case "bilinear" -> TRIANGLE;
            case "bicubic" -> KEYS_CUBIC;
            default -> throw new IllegalArgumentException("unsupported resize method " + method);
        };
    }

    float weight(float x) {
        x = Math.abs(x);
        return switch (this) {
            case TRIANGLE -> x < 1.0f ? 1.0f - x : 0.0f;
            case KEYS_CUBIC -> x >= 2.0f ? 0.0f
                    : x >= 1.0f ? ((-0.5f * x + 2.5f) * x - 4.0f) * x + 2.0f
                            : ((1.5f * x - 2.5f) * x) * x + 1.0f;
        };
    }
}
