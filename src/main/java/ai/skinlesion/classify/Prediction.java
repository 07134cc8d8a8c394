package ai.skinlesion.classify;

import java.util.List;

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
 * @param members each member's part; null for a single model
 * @param spread max − min of the probabilities of the members that ran; null for a single model or when one ran
 * @param combination how an ensemble's answer was made; null for a single model
 * @param metadata what became of the patient metadata; null when the model takes none and none was sent
 * @param model which model answered, so that the answer names it without asking the classifier again
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
        byte[] modelInputPng,
        List<MemberResult> members,
        Double spread,
        CombinationUse combination,
        Review review,
        MetadataUse metadata,
        ModelIdentity model) {

    /**
     * @param sha256  model.onnx's sha256; for an ensemble, its model.json's (which pins every member)
     * @param trained model.json's {@code trained}: false for the untrained demo, whose answers mean nothing
     */
    public record ModelIdentity(String name, String version, String sha256, boolean trained) {
    }

    /**
     * @param tta       the test-time augmentation each member ran: none or dihedral8
     * @param mode      full or adaptive (melanoma.ensemble.mode)
     * @param escalated whether every member ran (always in full mode)
     */
    public record CombinationUse(String tta, String mode, boolean escalated) {
    }
}
