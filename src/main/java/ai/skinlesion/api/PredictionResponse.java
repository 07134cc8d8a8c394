package ai.skinlesion.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonInclude;

import ai.skinlesion.classify.Prediction;
import ai.skinlesion.inference.ModelSpec;

/** The JSON answer to one photo. */
@Schema(name = "Prediction", description = "The model's answer for one photo. Not a diagnosis.")
public record PredictionResponse(
        @Schema(description = "Probability that the lesion is malignant (melanoma), 0..1; calibrated when"
                + " `calibrated` is true", example = "0.0734")
        double malignantProbability,
        @Schema(description = "Whether malignantProbability went through the calibration map of model.json (fitted on"
                + " labelled photos); false: it is the model's own output", example = "false")
        boolean calibrated,
        @Schema(description = "The model's own output before calibration; present only when calibrated is true",
                nullable = true, example = "0.2113")
        @JsonInclude(JsonInclude.Include.NON_NULL)
        Double uncalibratedProbability,
        @Schema(description = "The label at the model's threshold", enumeration = { "malignant", "benign" }, example = "benign")
        String label,
        @Schema(description = "Probabilities at or above it are labelled malignant (on the calibrated scale when"
                + " calibrated is true)", example = "0.5")
        double threshold,
        ModelInfo model,
        ImageInfo image,
        TimingsMs timingsMs,
        @Schema(description = "Shown with every answer")
        String disclaimer,
        @Schema(description = "Present when the model is untrained (a demo) or otherwise not fit for use")
        String warning) {

    static final String DISCLAIMER = "Not a diagnosis: this is a screening aid that can be wrong; a dermatologist"
            + " must examine any lesion that worries you.";
    static final String UNTRAINED_WARNING = "This model is UNTRAINED (a demo with random weights): its"
            + " probability means nothing about the lesion.";

    @Schema(name = "ModelInfo")
    public record ModelInfo(String name, String version, String sha256, boolean trained) {
        static ModelInfo of(ModelSpec spec) {
            return new ModelInfo(spec.name(), spec.version(), spec.model().sha256(), spec.trained());
        }
    }

    @Schema(name = "ImageInfo", description = "The photo as displayed (EXIF orientation applied) and the square the model saw")
    public record ImageInfo(
            @Schema(example = "image/jpeg") String format,
            @Schema(example = "4032") int width,
            @Schema(example = "3024") int height,
            @Schema(description = "EXIF Orientation found in the file, 1 when absent; it has been applied", example = "6")
            int exifOrientation,
            @Schema(description = "The centre crop fed to the model, in displayed pixels") Crop crop) {
    }

    @Schema(name = "Crop")
    public record Crop(int left, int top, int size) {
    }

    @Schema(name = "TimingsMs", description = "Milliseconds per stage on the server")
    public record TimingsMs(double decode, double preprocess, double inference, double total) {
    }

    static PredictionResponse of(Prediction p, ModelSpec spec) {
        var t = p.timings();
        return new PredictionResponse(
                p.malignantProbability(),
                p.calibrated(),
                p.calibrated() ? p.uncalibratedProbability() : null,
                p.label(),
                p.threshold(),
                ModelInfo.of(spec),
                new ImageInfo(p.format().mediaType(), p.width(), p.height(), p.exifOrientation(),
                        new Crop(p.crop().left(), p.crop().top(), p.crop().width())),
                new TimingsMs(t.decode(), t.preprocess(), t.inference(), t.total()),
                DISCLAIMER,
                spec.trained() ? null : UNTRAINED_WARNING);
    }
}
