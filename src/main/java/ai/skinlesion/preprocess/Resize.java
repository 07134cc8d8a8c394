package ai.skinlesion.preprocess;

import ai.skinlesion.decode.RgbImage;
import ai.skinlesion.modelspec.ModelSpec;

/**
 * A resize as one library does it, chosen by model.json's {@code input.preprocessing.resize}: the model saw the
 * pixels its training script's library made, so each library's arithmetic is reproduced, rounding included.
 */
public interface Resize {

    /**
     * Returns outHeight × outWidth × 3 values, row by row: floats for TensorFlow (rounded later, as training
     * did), whole numbers 0..255 for OpenCV and Pillow, which resize 8-bit images to 8-bit images.
     */
    float[] apply(RgbImage image, int outWidth, int outHeight);

    /** The resize {@code spec} names; the spec was validated, so an unknown choice is a programming error. */
    static Resize of(ModelSpec.Resize spec) {
        String library = spec.library() == null ? "tensorflow" : spec.library();
        return switch (library) {
            case "tensorflow" -> new TensorFlowResize(ResizeKernel.forMethod(spec.method()),
                    Boolean.TRUE.equals(spec.antialias()));
            case "opencv" -> new OpenCvResize(OpenCvResize.Method.forName(spec.method()));
            case "pillow" -> new PillowResize(PillowResize.Filter.forName(spec.method()));
            default -> throw new IllegalArgumentException("unsupported resize library " + library);
        };
    }
}
