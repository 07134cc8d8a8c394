package ai.skinlesion.classify;

import ai.skinlesion.decode.ImageFormat;
import ai.skinlesion.decode.Region;
import ai.skinlesion.explain.Heatmap;
import ai.skinlesion.quality.QualityReport;

/**
 * One photo's result: the probability (calibrated when model.json has a calibration), the label at the model's
 * threshold, what was seen of the photo, how long each stage took, the quality check's verdict, and the extras
 * asked for.
 *
 * @param uncalibratedProbability the model's own output, before calibration (equal to malignantProbability when
 *        {@code calibrated} is false)
 * @param heatmap null unless asked for
 * @param modelInputPng the model's input square as a PNG file; null unless asked for
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
        Timings timings,
        QualityReport quality,
        Heatmap heatmap,
        byte[] modelInputPng) {
}
