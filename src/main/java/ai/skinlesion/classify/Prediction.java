package ai.skinlesion.classify;

import ai.skinlesion.decode.ImageFormat;
import ai.skinlesion.decode.Region;

/**
 * One photo's result: the probability (calibrated when model.json has a calibration), the label at the model's
 * threshold, what was seen of the photo, and how long each stage took.
 *
 * @param uncalibratedProbability the model's own output, before calibration (equal to malignantProbability when
 *        {@code calibrated} is false)
 */
public record Prediction(
        double malignantProbability,
        boolean calibrated,
        double uncalibratedProbability,
        String label,
        double threshold,
        ImageFormat format,
        int width,
        int height,
        int exifOrientation,
        Region crop,
        Timings timings) {
}
