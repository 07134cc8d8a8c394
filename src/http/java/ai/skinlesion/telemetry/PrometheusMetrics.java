package ai.skinlesion.telemetry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The figures of Lambda's EMF lines ({@link EmfRecord}) as Prometheus metrics at /q/metrics (plain HTTP only):
 * <ul>
 * <li>{@code melanoma_requests_total{outcome}}: every request, by outcome (prediction or refusal type)</li>
 * <li>{@code melanoma_refusals_total{type}}: refusals by problem type</li>
 * <li>{@code melanoma_stage_seconds{stage}}: decode, preprocess, inference, total of each prediction (histogram)</li>
 * <li>{@code melanoma_malignant_probability}: histogram with ten buckets of 0.1</li>
 * <li>{@code melanoma_cold_starts_total}: 1 once this process has answered its first request</li>
 * </ul>
 * Each carries the tags model and model_version.
 */
@ApplicationScoped
public class PrometheusMetrics {

    private static final Duration[] STAGE_BUCKETS = { Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofMillis(2500), Duration.ofMillis(5000) };
    private static final double[] PROBABILITY_BUCKETS = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0 };

    private final MeterRegistry registry;

    public PrometheusMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(@Observes RequestOutcome o) {
        String[] model = { "model", o.modelName(), "model_version", o.modelVersion() };
        Counter.builder("melanoma.requests").description("Requests answered, by outcome").tags(model)
                .tag("outcome", o.outcome()).register(registry).increment();
        if (o.coldStart()) {
            Counter.builder("melanoma.cold.starts").description("First requests of this process").tags(model)
                    .register(registry).increment();
        }
        if (o.refused()) {
            Counter.builder("melanoma.refusals").description("Requests refused, by problem type").tags(model)
                    .tag("type", o.outcome()).register(registry).increment();
        }
        if (o.timings() != null) {
            stage(model, "decode", o.timings().decode());
            stage(model, "preprocess", o.timings().preprocess());
            stage(model, "inference", o.timings().inference());
            stage(model, "total", o.timings().total());
        }
        if (o.probability() != null) {
            DistributionSummary.builder("melanoma.malignant.probability")
                    .description("Malignant probability of the predictions").tags(model)
                    .serviceLevelObjectives(PROBABILITY_BUCKETS).register(registry).record(o.probability());
        }
    }

    private void stage(String[] model, String stage, double ms) {
        Timer.builder("melanoma.stage").description("Time per stage of a prediction").tags(model)
                .tag("stage", stage).serviceLevelObjectives(STAGE_BUCKETS).register(registry)
                .record((long) (ms * 1000), TimeUnit.MICROSECONDS);
    }
}
