package ai.skinlesion.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponse.Status;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * The readiness check on the service's own classifier, before and after its warm-up. The classifier warms up in
 * its constructor, so the not-yet-warm state is given to the check through its warm-up seam.
 */
@QuarkusTest
class ModelReadinessTest {

    @Inject
    LesionClassifier classifier;

    @Test
    void downUntilTheWarmUpIsDoneThenUp() {
        AtomicBoolean warm = new AtomicBoolean(false);
        ModelReadiness check = new ModelReadiness(classifier, warm::get);

        HealthCheckResponse before = check.call();
        assertEquals(Status.DOWN, before.getStatus(), "a model still warming up is not ready");
        Map<String, Object> data = before.getData().orElseThrow();
        assertEquals(classifier.spec().name(), data.get("name"), "a check that is down still says which model");
        assertEquals(classifier.graph().name(), data.get("graph"));

        warm.set(true);
        assertEquals(Status.UP, check.call().getStatus());
    }

    @Test
    void theServicesCheckIsUpOnceItsClassifierHasWarmedUp() {
        assertEquals(true, classifier.ready(), "a classifier that exists has warmed up (its constructor does it)");
        assertEquals(Status.UP, new ModelReadiness(classifier).call().getStatus());
    }
}
