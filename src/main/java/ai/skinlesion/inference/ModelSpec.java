package ai.skinlesion.inference;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The model's spec, as model-export writes it beside model.onnx (docs/MODEL_SPEC.md). Unknown fields are
 * ignored so that newer exports still load; {@link ModelSpecValidator} checks what this service relies on.
 * Registered for reflection because Jackson builds these records reflectively, also in a native image.
 */
@RegisterForReflection(targets = { ModelSpec.class, ModelSpec.ModelFile.class, ModelSpec.Input.class,
        ModelSpec.Preprocessing.class, ModelSpec.Resize.class, ModelSpec.Normalization.class, ModelSpec.Output.class,
        ModelSpec.Decision.class })
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelSpec(
        int specVersion,
        String name,
        String version,
        Boolean trained,
        String description,
        ModelFile model,
        Input input,
        Output output,
        Decision decision) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ModelFile(String file, String sha256, Long bytes) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Input(String name, String dtype, String layout, int height, int width, int channels,
            String channelOrder, Preprocessing preprocessing, Normalization normalization) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Preprocessing(String exifOrientation, String alpha, String grayscale, String cmyk,
            double centerCropFraction, Resize resize, String quantize) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Resize(String method, boolean antialias) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Normalization(double scale, List<Double> mean, List<Double> std) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Output(String name, String activation, String meaning) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Decision(double threshold, String positiveLabel, String negativeLabel) {
    }
}
