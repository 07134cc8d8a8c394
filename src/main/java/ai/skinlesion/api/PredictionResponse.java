package ai.skinlesion.api;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonInclude;

import ai.skinlesion.classify.Prediction;
import ai.skinlesion.explain.Png;
import ai.skinlesion.inference.ModelSpec;
import ai.skinlesion.quality.QualityProblem;
import ai.skinlesion.quality.QualityReport;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The JSON answer to one photo. Registered for reflection: the resource serialises it itself (see
 * PredictionResource#predict), so the framework does not see it as a return type, also in a native image.
 */
@RegisterForReflection(targets = { PredictionResponse.class, PredictionResponse.ModelInfo.class,
        PredictionResponse.ImageInfo.class, PredictionResponse.Crop.class, PredictionResponse.TimingsMs.class,
        PredictionResponse.QualityInfo.class, PredictionResponse.HeatmapInfo.class })
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
        String warning,
        QualityInfo quality,
        @Schema(description = "Only with include=heatmap: where the model looked")
        @JsonInclude(JsonInclude.Include.NON_NULL)
        HeatmapInfo heatmap,
        @Schema(description = "Only with include=input: the model's input square (after crop, resize and 8-bit rounding,"
                + " before normalisation) as a PNG data URL", example = "data:image/png;base64,iVBORw0KGgo...")
        @JsonInclude(JsonInclude.Include.NON_NULL)
        String input) {

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
    public record TimingsMs(double decode, double preprocess, double inference,
            @Schema(description = "Drawing the heatmap and encoding the PNGs that include asked for; absent without include")
            @JsonInclude(JsonInclude.Include.NON_NULL)
            Double extras,
            double total) {
    }

    @Schema(name = "Quality", description = "The image-quality check, on the model's input square. problems is empty"
            + " when the photo looks fit to classify.")
    public record QualityInfo(
            @Schema(description = "blurry, too-dark, too-bright, uniform", example = "[]") List<String> problems,
            @Schema(description = "How to retake the photo, one sentence per problem") List<String> advice,
            @Schema(description = "Variance of the luminance Laplacian (low: blurred)", example = "31.6") double sharpness,
            @Schema(description = "Mean luminance, 0..255", example = "120.4") double brightness,
            @Schema(description = "Share of pixels at luminance 10 or less", example = "0.0") double darkShare,
            @Schema(description = "Share of pixels at luminance 245 or more", example = "0.0") double brightShare,
            @Schema(description = "Standard deviation of the luminance over its mean (low: nothing in view)", example = "0.21") double contrast) {
        static QualityInfo of(QualityReport q) {
            return new QualityInfo(q.problems().stream().map(QualityProblem::id).toList(),
                    q.problems().stream().map(QualityProblem::advice).toList(), round(q.sharpness()),
                    round(q.brightness()), round(q.darkShare()), round(q.brightShare()), round(q.contrast()));
        }

        private static double round(double v) {
            return Math.round(v * 1e4) / 1e4;
        }
    }

    @Schema(name = "Heatmap", description = "Class activation map: the last convolution's feature map weighted by the"
            + " Dense layer, min-max scaled to [0, 1] (1 = what pushed the probability up most)")
    public record HeatmapInfo(
            @Schema(description = "Rows × columns at the last convolution's resolution (12 × 12 for a 384 input), rows"
                    + " top to bottom as in the model's input square") double[][] grid,
            @Schema(description = "PNG data URL: the map upsampled, coloured (Turbo) and blended over the model's input"
                    + " square", example = "data:image/png;base64,iVBORw0KGgo...") String png) {
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
                new TimingsMs(t.decode(), t.preprocess(), t.inference(), t.extras(), t.total()),
                DISCLAIMER,
                spec.trained() ? null : UNTRAINED_WARNING,
                QualityInfo.of(p.quality()),
                p.heatmap() == null ? null : new HeatmapInfo(p.heatmap().grid(), Png.dataUrl(p.heatmap().png())),
                p.modelInputPng() == null ? null : Png.dataUrl(p.modelInputPng()));
    }
}
