package ai.skinlesion.modelspec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The model's spec, as model-export writes it beside model.onnx (docs/MODEL_SPEC.md). Unknown fields are
 * ignored so that newer exports still load; {@link ModelSpecValidator} checks what this service relies on.
 * Registered for reflection because Jackson builds these records reflectively, also in a native image.
 */
@RegisterForReflection(targets = { ModelSpec.class, ModelSpec.ModelFile.class, ModelSpec.Input.class,
        ModelSpec.Preprocessing.class, ModelSpec.Resize.class, ModelSpec.JpegRoundTrip.class, ModelSpec.Normalization.class, ModelSpec.Output.class,
        ModelSpec.Decision.class, ModelSpec.RuntimeGraph.class, ModelSpec.Requires.class,
        ModelSpec.ExternalData.class, ModelSpec.ChosenBy.class, ModelSpec.Calibration.class,
        ModelSpec.ExtraOutput.class, ModelSpec.Quality.class, ModelSpec.Member.class, ModelSpec.Cost.class,
        ModelSpec.Combination.class, ModelSpec.ExtraInput.class, ModelSpec.MetadataField.class })
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
        Decision decision,
        List<RuntimeGraph> runtimeGraphs,
        Calibration calibration,
        List<ExtraOutput> extraOutputs,
        Quality quality,
        List<Member> members,
        Combination combination,
        List<ExtraInput> extraInputs) {

    /** A spec without extra outputs and quality overrides. */
    public ModelSpec(int specVersion, String name, String version, Boolean trained, String description, ModelFile model,
            Input input, Output output, Decision decision, List<RuntimeGraph> runtimeGraphs, Calibration calibration) {
        this(specVersion, name, version, trained, description, model, input, output, decision, runtimeGraphs,
                calibration, null, null);
    }

    /** A single model's spec (no members, no extra inputs). */
    public ModelSpec(int specVersion, String name, String version, Boolean trained, String description, ModelFile model,
            Input input, Output output, Decision decision, List<RuntimeGraph> runtimeGraphs, Calibration calibration,
            List<ExtraOutput> extraOutputs, Quality quality) {
        this(specVersion, name, version, trained, description, model, input, output, decision, runtimeGraphs,
                calibration, extraOutputs, quality, null, null, null);
    }

    /** specVersion 4: an ensemble lists its members and has no graph of its own. */
    public boolean isEnsemble() {
        return members != null && !members.isEmpty();
    }

    public List<Member> members() {
        return members == null ? List.of() : members;
    }

    /** specVersion 4: inputs of the graph besides the image (patient metadata); empty when none. */
    public List<ExtraInput> extraInputs() {
        return extraInputs == null ? List.of() : extraInputs;
    }

    /**
     * One model of an ensemble (specVersion 4): a version directory as {@code convert} wrote it, below the ensemble's.
     *
     * @param specSha256 of the member's model.json, so that a member cannot be swapped unnoticed
     * @param cost       what one photo costs it, measured at export; the adaptive mode runs the cheapest first
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Member(String name, String dir, Double weight, String specSha256, Cost cost) {
    }

    /** @param medianMs median run time of one photo (batch 1, no test-time augmentation) on the exporting CPU */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Cost(Double medianMs) {
    }

    /**
     * How an ensemble's answer is made from its members' (specVersion 4).
     *
     * @param method {@value #WEIGHTED_MEAN}: the members' probabilities, weighted
     * @param tta    {@value #TTA_NONE} or {@value #TTA_DIHEDRAL8} (each member averages the 8 dihedral views of its input)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Combination(String method, String tta) {
        public static final String WEIGHTED_MEAN = "weighted-mean-probability";
        public static final String TTA_NONE = "none";
        public static final String TTA_DIHEDRAL8 = "dihedral8";

        public String tta() {
            return tta == null ? TTA_NONE : tta;
        }
    }

    /**
     * A graph input besides the image (specVersion 4), e.g. patient metadata encoded as model-export's
     * {@code --metadata isic2020} declares it.
     *
     * @param shape [-1, length]
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ExtraInput(String name, String kind, String encoding, String dtype, List<Long> shape,
            List<MetadataField> fields) {
        public static final String PATIENT_METADATA = "patient-metadata";
    }

    /**
     * One field of an encoded metadata vector. {@code category}: {@code values} maps each allowed value to the number
     * at {@code index}; {@code number}: value / {@code scale} at {@code index}, between {@code min} and {@code max};
     * {@code one-hot}: {@code values} lists the allowed values, one column each from {@code index}, and
     * {@code missingColumn} is set when the field is absent. {@code missing} is the number an absent field encodes to
     * (category, number).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MetadataField(String name, String kind, Integer index, com.fasterxml.jackson.databind.JsonNode values,
            Double missing, Double scale, Double min, Double max, Integer missingColumn) {
        public static final String CATEGORY = "category";
        public static final String NUMBER = "number";
        public static final String ONE_HOT = "one-hot";
    }

    /** specVersion 2 adds {@code runtimeGraphs} (and {@code sampledSha256}); version 1 files load unchanged. */
    public List<RuntimeGraph> runtimeGraphs() {
        return runtimeGraphs == null ? List.of() : runtimeGraphs;
    }

    /** Outputs of the graph besides the probability, e.g. the class activation map; empty when none. */
    public List<ExtraOutput> extraOutputs() {
        return extraOutputs == null ? List.of() : extraOutputs;
    }

    /** The extra output of this kind, if the spec declares one. */
    public java.util.Optional<ExtraOutput> extraOutput(String kind) {
        return extraOutputs().stream().filter(o -> kind.equals(o.kind())).findFirst();
    }

    /**
     * An output beside the probability (specVersion 3). {@code shape} is [-1, rows, columns] for a
     * {@value #CLASS_ACTIVATION_MAP}.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ExtraOutput(String name, String kind, List<Long> shape, String meaning) {
    }

    public static final String CLASS_ACTIVATION_MAP = "class-activation-map";

    /**
     * Overrides of the image-quality thresholds (specVersion 3, docs/MODEL_SPEC.md); a missing field keeps the
     * service's configured value.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Quality(Double minSharpness, Double minBrightness, Double maxBrightness, Double maxDarkShare,
            Double maxBrightShare, Double minContrast) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ModelFile(String file, String sha256, Long bytes, String sampledSha256, String crc32) {
    }

    /**
     * model.onnx as saved by ONNX Runtime after its own graph optimisation, so that a session opens without
     * redoing it. {@code openWith} is the optimisation level the session applies on top; {@code requires} says
     * on which CPUs the saved layout is valid (empty: any).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RuntimeGraph(String file, String sha256, Long bytes, String sampledSha256, ExternalData externalData,
            String savedAt, String openWith, Requires requires, String crc32) {
    }

    /** The file beside a runtime graph that holds its weights (ONNX external data), which ONNX Runtime maps in. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ExternalData(String file, String sha256, Long bytes, String sampledSha256, String crc32) {
    }

    /** @param nchwcBlockSize the blocked layout ONNX Runtime's NCHWc transformer used: 16 (AVX-512F), 8 (AVX2) */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Requires(String arch, Integer nchwcBlockSize) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Input(String name, String dtype, String layout, int height, int width, int channels,
            String channelOrder, Preprocessing preprocessing, Normalization normalization) {
    }

    /**
     * specVersion 3 adds {@code order} (absent: crop, then resize) and {@code jpegRoundTrip} (absent: none).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Preprocessing(String exifOrientation, String alpha, String grayscale, String cmyk,
            double centerCropFraction, Resize resize, String quantize, String order, JpegRoundTrip jpegRoundTrip) {

        public static final String CROP_THEN_RESIZE = "crop-then-resize";
        public static final String RESIZE_THEN_CROP = "resize-then-crop";

        public String order() {
            return order == null ? CROP_THEN_RESIZE : order;
        }
    }

    /**
     * @param library   specVersion 3: "tensorflow" (absent), "opencv" or "pillow"
     * @param antialias TensorFlow only; a Boolean, so that a missing field is refused rather than read as false
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Resize(String library, String method, Boolean antialias) {

        public String library() {
            return library == null ? "tensorflow" : library;
        }
    }

    /**
     * Training stored the model-sized image as a JPEG and decoded it again (specVersion 3).
     *
     * @param quality           1..100, as given to the encoder
     * @param chromaSubsampling "4:2:0" (absent), "4:2:2" or "4:4:4"
     * @param encoder           the library that wrote it: "opencv" (absent) or "pillow", both libjpeg-turbo
     * @param dctMethod         the decoder's inverse DCT: "tensorflow-default" (absent; libjpeg's fast integer one)
     *                          or "accurate" (the slow integer one)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record JpegRoundTrip(Integer quality, String chromaSubsampling, String encoder, String dctMethod) {

        public String chromaSubsampling() {
            return chromaSubsampling == null ? "4:2:0" : chromaSubsampling;
        }

        public String encoder() {
            return encoder == null ? "opencv" : encoder;
        }

        public String dctMethod() {
            return dctMethod == null ? "tensorflow-default" : dctMethod;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Normalization(double scale, List<Double> mean, List<Double> std) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Output(String name, String activation, String meaning) {
    }

    /**
     * @param chosenBy specVersion 3, optional: how {@code melanoma-export calibrate} chose the threshold (absent: set
     *        by hand at export)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Decision(double threshold, String positiveLabel, String negativeLabel, ChosenBy chosenBy) {

        /** The label at the threshold: a probability equal to it counts as positive. */
        public String labelFor(double probability) {
            return probability >= threshold ? positiveLabel : negativeLabel;
        }
    }

    /**
     * How the threshold was chosen. Only {@code method} and {@code scale} matter to the service: {@code scale} says
     * which probability the threshold was chosen on, and must agree with the presence of {@link Calibration}. The
     * validation figures beside them are shown by {@code GET /v1/model} as they are.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ChosenBy(String method, Double targetSensitivity, String scale) {
    }

    /**
     * specVersion 3, optional: a map from the model's probability to a calibrated one, fitted by
     * {@code melanoma-export calibrate} on labelled photos. {@code platt}: {@code sigmoid(a * logit(p) + b)}, p clipped
     * to [epsilon, 1 - epsilon]; {@code isotonic}: linear interpolation through the breakpoints (x, y), clipped at
     * both ends.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Calibration(String method, Double a, Double b, Double epsilon, List<Double> x, List<Double> y) {
    }
}
