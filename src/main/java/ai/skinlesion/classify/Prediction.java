package ai.skinlesion.classify;

import ai.skinlesion.decode.ImageFormat;
import ai.skinlesion.decode.Region;

/**
 * One photo's result: the probability, the label at the model's threshold, what was seen of the photo, and
 * how long each stage took.
 */
public record Prediction(
        double malignantProbability,
        String label,
        double threshold,
        ImageFormat format,
        int width,
        int height,
        int exifOrientation,
        Region crop,
        Timings timings) {
}
