package ai.skinlesion.classify;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the model is loaded and checked against its spec, and the warm-up (melanoma.model.warm-up) is done. */
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
                .withData("graph", classifier.graph().name())
                .build();
    }
}
