package ai.skinlesion.quality;

import ai.skinlesion.config.ServiceConfig;
import ai.skinlesion.modelspec.ModelSpec;

/**
 * Where the image-quality check draws its lines (docs/MODEL_SPEC.md, "quality"): the service's configuration
 * (melanoma.quality.*), each overridable by the model's spec, since the figures are measured on the model's
 * input square and so depend on its size.
 *
 * @param minSharpness variance of the luminance Laplacian below which the photo is blurry
 * @param minBrightness mean luminance (0..255) below which it is too dark
 * @param maxBrightness mean luminance above which it is too bright
 * @param maxDarkShare share of pixels at luminance 10 or less above which it is too dark
 * @param maxBrightShare share of pixels at luminance 245 or more above which it is too bright
 * @param minContrast standard deviation of the luminance over its mean below which the square is uniform (no lesion
 *        in view)
 */
public record QualityThresholds(double minSharpness, double minBrightness, double maxBrightness, double maxDarkShare,
        double maxBrightShare, double minContrast) {

    public static QualityThresholds of(ServiceConfig.Quality config, ModelSpec.Quality spec) {
        QualityThresholds configured = new QualityThresholds(config.minSharpness(), config.minBrightness(),
                config.maxBrightness(), config.maxDarkShare(), config.maxBrightShare(), config.minContrast());
        return spec == null ? configured : configured.overriddenBy(spec);
    }

    /** These thresholds with every field the spec sets replaced by the spec's value. */
    public QualityThresholds overriddenBy(ModelSpec.Quality spec) {
        return new QualityThresholds(or(spec.minSharpness(), minSharpness), or(spec.minBrightness(), minBrightness),
                or(spec.maxBrightness(), maxBrightness), or(spec.maxDarkShare(), maxDarkShare),
                or(spec.maxBrightShare(), maxBrightShare), or(spec.minContrast(), minContrast));
    }

    private static double or(Double value, double fallback) {
        return value == null ? fallback : value;
    }
}
