package ai.skinlesion.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import ai.skinlesion.classify.LesionClassifier;

/** The answer of POST /v1/quality: the check, and the photo as it was read. */
@Schema(name = "QualityCheck", description = "The image-quality check of one photo; the model was not run")
public record QualityResponse(
        PredictionResponse.QualityInfo quality,
        PredictionResponse.ImageInfo image,
        QualityTimingsMs timingsMs) {

    @Schema(name = "QualityTimingsMs", description = "Milliseconds per stage on the server")
    public record QualityTimingsMs(double decode, double preprocess, double total) {
    }

    static QualityResponse of(LesionClassifier.QualityCheckResult r) {
        return new QualityResponse(PredictionResponse.QualityInfo.of(r.quality()),
                new PredictionResponse.ImageInfo(r.format().mediaType(), r.width(), r.height(), r.exifOrientation(),
                        new PredictionResponse.Crop(r.crop().left(), r.crop().top(), r.crop().width())),
                new QualityTimingsMs(r.decodeMs(), r.preprocessMs(), r.totalMs()));
    }
}
