package ai.skinlesion.classify;

import java.util.function.BooleanSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the model is loaded and checked against its spec, and the warm-up (melanoma.model.warm-up) is done. */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {

    private final LesionClassifier classifier;
    private final BooleanSupplier warmedUp;

    @Inject
    public ModelReadiness(LesionClassifier classifier) {
        this(classifier, classifier::ready);
    }

    /**
     * {@code warmedUp} apart from the classifier because the classifier warms up inside its constructor: an
     * instance that exists is warm, so only this seam lets a test see the check answer for one that is not yet.
     */
    ModelReadiness(LesionClassifier classifier, BooleanSupplier warmedUp) {
        this.classifier = classifier;
        this.warmedUp = warmedUp;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("model")
                .status(warmedUp.getAsBoolean())
                .withData("name", classifier.spec().name())
                .withData("version", classifier.spec().version())
                .withData("trained", classifier.spec().trained())
                .withData("graph", classifier.graph().name())
                .build();
    }
}
