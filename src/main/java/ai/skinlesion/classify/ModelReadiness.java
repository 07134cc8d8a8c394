package ai.skinlesion.classify;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the model is loaded, checked against its spec, and has answered a warm-up photo. */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {

    private final LesionClassifier classifier;

    public ModelReadiness(LesionClassifier classifier) {
        this.classifier = classifier;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("model")
                .status(classifier.ready())
                .withData("name", classifier.spec().name())
                .withData("version", classifier.spec().version())
                .withData("trained", classifier.spec().trained())
                .build();
    }
}
