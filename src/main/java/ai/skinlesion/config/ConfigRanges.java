package ai.skinlesion.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The ranges of {@link ServiceConfig}'s numbers, checked in one place at start-up. The mapping itself checks only
 * types (SmallRye Config validates ranges through Hibernate Validator, a dependency this service does without for
 * the native image's size and start-up); a value out of range would otherwise show up later, as a confusing
 * failure on some request. Every value out of range is named, with its property, in one message.
 */
public final class ConfigRanges {

    /** Above this a photo's RGB pixels (3 bytes each) could not be held in one Java array, whatever the heap. */
    static final long MAX_PIXELS_CEILING = Integer.MAX_VALUE / 3;

    private ConfigRanges() {
    }

    /** @throws IllegalArgumentException naming every property whose value is out of range */
    public static void check(ServiceConfig config) {
        List<String> wrong = new ArrayList<>();
        ServiceConfig.Model model = config.model();
        ServiceConfig.Limits limits = config.limits();
        atLeast(wrong, "melanoma.model.intra-op-threads", model.intraOpThreads(), 0, "0 lets ONNX Runtime use one per core");
        atLeast(wrong, "melanoma.limits.max-image-bytes", limits.maxImageBytes(), 1, null);
        atLeast(wrong, "melanoma.limits.min-side", limits.minSide(), 1, null);
        long smallest = (long) Math.max(1, limits.minSide()) * Math.max(1, limits.minSide());
        if (limits.maxPixels() < smallest || limits.maxPixels() > MAX_PIXELS_CEILING) {
            wrong.add("melanoma.limits.max-pixels must be between min-side² (" + smallest + ") and " + MAX_PIXELS_CEILING
                    + ", not " + limits.maxPixels());
        }
        Duration timeout = limits.requestTimeout();
        if (timeout.isNegative() || timeout.isZero()) {
            wrong.add("melanoma.limits.request-timeout must be longer than zero, not " + timeout);
        }
        atLeast(wrong, "melanoma.limits.max-concurrent-decodes", limits.maxConcurrentDecodes(), 1, null);
        atLeast(wrong, "melanoma.limits.max-queued-decodes", limits.maxQueuedDecodes(), 0, null);
        ServiceConfig.Quality quality = config.quality();
        between(wrong, "melanoma.quality.min-sharpness", quality.minSharpness(), 0, Double.MAX_VALUE);
        between(wrong, "melanoma.quality.min-brightness", quality.minBrightness(), 0, 255);
        between(wrong, "melanoma.quality.max-brightness", quality.maxBrightness(), 0, 255);
        if (quality.minBrightness() > quality.maxBrightness()) {
            wrong.add("melanoma.quality.min-brightness (" + quality.minBrightness() + ") must not exceed max-brightness ("
                    + quality.maxBrightness() + "): every photo would be too dark or too bright");
        }
        between(wrong, "melanoma.quality.max-dark-share", quality.maxDarkShare(), 0, 1);
        between(wrong, "melanoma.quality.max-bright-share", quality.maxBrightShare(), 0, 1);
        between(wrong, "melanoma.quality.min-contrast", quality.minContrast(), 0, Double.MAX_VALUE);
        between(wrong, "melanoma.review.band", config.review().band(), 0, 1);
        between(wrong, "melanoma.review.max-spread", config.review().maxSpread(), 0, 1);
        between(wrong, "melanoma.ensemble.adaptive-band", config.ensemble().adaptiveBand(), 0, 1);
        if (!wrong.isEmpty()) {
            throw new IllegalArgumentException("configuration out of range: " + String.join("; ", wrong));
        }
    }

    private static void between(List<String> wrong, String property, double value, double min, double max) {
        if (!(value >= min && value <= max)) { // also refuses NaN
            wrong.add(property + " must be between " + min + " and " + (max == Double.MAX_VALUE ? "any number" : max)
                    + ", not " + value);
        }
    }

    private static void atLeast(List<String> wrong, String property, long value, long min, String why) {
        if (value < min) {
            wrong.add(property + " must be at least " + min + (why == null ? "" : " (" + why + ")") + ", not " + value);
        }
    }
}
