package ai.skinlesion.api;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonInclude;

import ai.skinlesion.classify.Prediction;
import ai.skinlesion.explain.Png;
import ai.skinlesion.quality.QualityProblem;
import ai.skinlesion.quality.QualityReport;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The JSON answer to one photo. Registered for reflection: the resource serialises it itself (see
 * PredictionResource#predict), so the framework does not see it as a return type, also in a native image.
 */
@RegisterForReflection(targets = { PredictionResponse.class, PredictionResponse.ModelInfo.class,
        PredictionResponse.ImageInfo.class, PredictionResponse.Crop.class, PredictionResponse.TimingsMs.class,
        PredictionResponse.QualityInfo.class, PredictionResponse.HeatmapInfo.class, PredictionResponse.ReviewInfo.class,
        PredictionResponse.MemberInfo.class, PredictionResponse.CombinationInfo.class,
        PredictionResponse.MetadataInfo.class })
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
        String input,
        @Schema(description = "True when the answer should not be relied on and a doctor should look at the lesion:"
                + " the probability is close to the threshold, or an ensemble's members disagree (see review)",
                example = "false")
        boolean requiresReview,
        ReviewInfo review,
        @Schema(description = "Ensembles only: each member's probability (null when it did not run)", nullable = true)
        @JsonInclude(JsonInclude.Include.NON_NULL)
        List<MemberInfo> members,
        @Schema(description = "Ensembles only: max − min of the probabilities of the members that ran; absent when"
                + " one ran", nullable = true, example = "0.12")
        @JsonInclude(JsonInclude.Include.NON_NULL)
        Double spread,
        @Schema(description = "Ensembles only: how the members' answers were combined", nullable = true)
        @JsonInclude(JsonInclude.Include.NON_NULL)
        CombinationInfo combination,
        @Schema(description = "The patient metadata as understood, and whether the model used it; absent when the"
                + " model takes none and none was sent", nullable = true)
        @JsonInclude(JsonInclude.Include.NON_NULL)
        MetadataInfo metadata) {

    static final String DISCLAIMER = "Not a diagnosis: this is a screening aid that can be wrong; a dermatologist"
            + " must examine any lesion that worries you.";
    static final String UNTRAINED_WARNING = "This model is UNTRAINED (a demo with random weights): its"
            + " probability means nothing about the lesion.";

    @Schema(name = "ModelInfo")
    public record ModelInfo(String name, String version,
            @Schema(description = "model.onnx's sha256; for an ensemble, its model.json's (which pins every member)")
            String sha256, boolean trained) {
        static ModelInfo of(Prediction.ModelIdentity model) {
            return new ModelInfo(model.name(), model.version(), model.sha256(), model.trained());
        }
    }

    @Schema(name = "Review", description = "Why requiresReview is true, and the configured limits")
    public record ReviewInfo(
            @Schema(description = "quality (the quality check found a problem), near-threshold (the probability is within"
                    + " band of the threshold), members-disagree"
                    + " (the spread is over maxSpread); empty when no review is needed", example = "[]")
            List<String> reasons,
            @Schema(description = "melanoma.review.band", example = "0.1") double band,
            @Schema(description = "melanoma.review.max-spread", example = "0.3") double maxSpread) {
    }

    @Schema(name = "Member", description = "One model of an ensemble")
    public record MemberInfo(@Schema(example = "b4-384-fold0") String name,
            @Schema(description = "Its own probability (the mean over its 8 views with dihedral8); null when it did not"
                    + " run", nullable = true, example = "0.41") Double probability,
            @Schema(description = "Its weight in the combination", example = "1.0") double weight,
            @Schema(description = "Whether it ran for this photo (adaptive mode may answer without it)") boolean ran) {
    }

    @Schema(name = "Combination")
    public record CombinationInfo(
            @Schema(description = "Test-time augmentation each member ran", enumeration = { "none", "dihedral8" }) String tta,
            @Schema(description = "melanoma.ensemble.mode", enumeration = { "full", "adaptive" }) String mode,
            @Schema(description = "Whether every member ran: always in full mode; in adaptive mode when the cheapest"
                    + " member's probability was close to the threshold") boolean escalated) {
    }

    @Schema(name = "Metadata", description = "The patient metadata as it was understood")
    public record MetadataInfo(
            @Schema(description = "Whether a model that ran was fed it") boolean used,
            @Schema(description = "Male or female, when sent", nullable = true, example = "female")
            @JsonInclude(JsonInclude.Include.NON_NULL) Object sex,
            @Schema(description = "Age in years, when sent", nullable = true, example = "55")
            @JsonInclude(JsonInclude.Include.NON_NULL) Object age,
            @Schema(description = "Anatomic site, when sent", nullable = true, example = "torso")
            @JsonInclude(JsonInclude.Include.NON_NULL) Object site,
            @Schema(description = "Fields the model takes that were not sent: encoded as missing") List<String> missing,
            String note) {
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

    static PredictionResponse of(Prediction p) {
        var t = p.timings();
        return new PredictionResponse(
                p.malignantProbability(),
                p.calibrated(),
                p.calibrated() ? p.uncalibratedProbability() : null,
                p.label(),
                p.threshold(),
                ModelInfo.of(p.model()),
                new ImageInfo(p.format().mediaType(), p.width(), p.height(), p.exifOrientation(),
                        new Crop(p.crop().left(), p.crop().top(), p.crop().width())),
                new TimingsMs(t.decode(), t.preprocess(), t.inference(), t.extras(), t.total()),
                DISCLAIMER,
                p.model().trained() ? null : UNTRAINED_WARNING,
                QualityInfo.of(p.quality()),
                p.heatmap() == null ? null : new HeatmapInfo(p.heatmap().grid(), Png.dataUrl(p.heatmap().png())),
                p.modelInputPng() == null ? null : Png.dataUrl(p.modelInputPng()),
                p.review().required(),
                new ReviewInfo(p.review().reasons(), p.review().band(), p.review().maxSpread()),
                p.members() == null ? null : p.members().stream()
                        .map(m -> new MemberInfo(m.name(), m.probability(), m.weight(), m.ran())).toList(),
                p.spread(),
                p.combination() == null ? null
                        : new CombinationInfo(p.combination().tta(), p.combination().mode(), p.combination().escalated()),
                p.metadata() == null ? null : new MetadataInfo(p.metadata().used(), p.metadata().values().get("sex"),
                        p.metadata().values().get("age"), p.metadata().values().get("site"), p.metadata().missing(),
                        p.metadata().note()));
    }
}
