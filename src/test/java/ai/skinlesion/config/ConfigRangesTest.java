package ai.skinlesion.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The real mapping, built by SmallRye Config from properties, as at start-up. */
class ConfigRangesTest {

    @Test
    void theDefaultsAreInRange() {
        assertDoesNotThrow(() -> ConfigRanges.check(config(Map.of())));
    }

    @Test
    void everyValueOutOfRangeIsNamedWithItsProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigRanges.check(config(Map.of(
                "melanoma.model.intra-op-threads", "-1",
                "melanoma.limits.max-image-bytes", "0",
                "melanoma.limits.min-side", "0",
                "melanoma.limits.max-pixels", "0",
                "melanoma.limits.request-timeout", "0s",
                "melanoma.limits.max-concurrent-decodes", "0",
                "melanoma.limits.max-queued-decodes", "-1"))));
        for (String property : new String[] { "intra-op-threads", "max-image-bytes", "min-side", "max-pixels",
                "request-timeout", "max-concurrent-decodes", "max-queued-decodes" }) {
            assertTrue(e.getMessage().contains(property + " must be"), () -> property + " not named in: " + e.getMessage());
        }
    }

    @Test
    void maxPixelsBelowTheSmallestAcceptedImageIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigRanges.check(config(Map.of(
                "melanoma.limits.min-side", "100", "melanoma.limits.max-pixels", "9999"))));
        assertTrue(e.getMessage().contains("melanoma.limits.max-pixels must be between min-side² (10000)"), e.getMessage());
        assertDoesNotThrow(() -> ConfigRanges.check(config(Map.of(
                "melanoma.limits.min-side", "100", "melanoma.limits.max-pixels", "10000"))));
    }

    @Test
    void qualityThresholdsOutOfRangeAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigRanges.check(config(Map.of(
                "melanoma.quality.min-sharpness", "-1",
                "melanoma.quality.max-brightness", "300",
                "melanoma.quality.max-dark-share", "1.5",
                "melanoma.quality.max-bright-share", "NaN",
                "melanoma.quality.min-contrast", "-0.1"))));
        for (String property : new String[] { "min-sharpness", "max-brightness", "max-dark-share", "max-bright-share",
                "min-contrast" }) {
            assertTrue(e.getMessage().contains("melanoma.quality." + property + " must be between"),
                    () -> property + " not named in: " + e.getMessage());
        }
        IllegalArgumentException crossed = assertThrows(IllegalArgumentException.class,
                () -> ConfigRanges.check(config(Map.of("melanoma.quality.min-brightness", "210")))); // max 200
        assertTrue(crossed.getMessage().contains("min-brightness (210.0) must not exceed max-brightness (200.0)"),
                crossed.getMessage());
    }

    @Test
    void aNegativeTimeoutIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigRanges.check(config(Map.of("melanoma.limits.request-timeout", "-PT1S"))));
        assertTrue(e.getMessage().contains("melanoma.limits.request-timeout must be longer than zero"), e.getMessage());
    }

    private static ServiceConfig config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ServiceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // Quarkus' "10s" form, as in the service
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return config.getConfigMapping(ServiceConfig.class);
    }
}
