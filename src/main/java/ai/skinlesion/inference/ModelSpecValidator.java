package ai.skinlesion.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks, before any session is created, that a spec asks only for what this service can do, and names every
 * field that is wrong at once, so that a bad export fails at start-up and not on the first photo.
 */
public final class ModelSpecValidator {

    /** The resize methods each library's class reproduces (preprocess/TensorFlowResize, OpenCvResize, PillowResize). */
    static final Map<String, Set<String>> RESIZE_METHODS = Map.of(
            "tensorflow", Set.of("bilinear", "bicubic"),
            "opencv", Set.of("area", "linear", "cubic"),
            "pillow", Set.of("bilinear", "bicubic", "lanczos"));
    static final Set<String> ORDERS = Set.of(ModelSpec.Preprocessing.CROP_THEN_RESIZE,
            ModelSpec.Preprocessing.RESIZE_THEN_CROP);
    static final Set<String> CHROMA_SUBSAMPLINGS = Set.of("4:2:0", "4:2:2", "4:4:4");
    static final Set<String> JPEG_ENCODERS = Set.of("opencv", "pillow");
    static final Set<String> JPEG_DCT_METHODS = Set.of("tensorflow-default", "accurate");
    /** ONNX Runtime's graph optimisation levels, as model.json names them. */
    static final Set<String> OPTIMIZATION_LEVELS = Set.of("disabled", "basic", "extended", "all");
    static final Set<String> ARCHITECTURES = Set.of("amd64", "aarch64");
    static final Set<String> CALIBRATION_METHODS = Set.of("platt", "isotonic");
    static final Set<String> THRESHOLD_METHODS = Set.of("target-sensitivity", "fixed");
    private static final String HEX64 = "[0-9a-f]{64}";

    private static final String HEX8 = "[0-9a-f]{8}";

    private ModelSpecValidator() {
    }

    public static void validate(ModelSpec spec) {
        List<String> problems = new ArrayList<>();
        if (spec.specVersion() < 1 || spec.specVersion() > MAX_SPEC_VERSION) {
            problems.add("specVersion must be 1, 2, 3 or 4, not " + spec.specVersion());
        }
        require(spec.name(), "name", problems);
        require(spec.version(), "version", problems);
        if (spec.trained() == null) {
            problems.add("trained is missing (true or false)");
        }
        if (spec.isEnsemble()) {
            validateEnsemble(spec, problems);
        } else {
            validateSingleModel(spec, problems);
        }
        if (spec.decision() == null) {
            problems.add("decision is missing");
        } else {
            if (!(spec.decision().threshold() > 0 && spec.decision().threshold() < 1)) {
                problems.add("decision.threshold must lie strictly between 0 and 1");
            }
            require(spec.decision().positiveLabel(), "decision.positiveLabel", problems);
            require(spec.decision().negativeLabel(), "decision.negativeLabel", problems);
            validateChosenBy(spec, problems);
        }
        validateCalibration(spec, problems);
        if (!problems.isEmpty()) {
            throw new InvalidModelException("model.json of " + quoted(spec.name()) + " cannot be served: "
                    + String.join("; ", problems));
        }
    }

    public static final int MAX_SPEC_VERSION = 4;
    static final java.util.regex.Pattern MEMBER_NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    static final Set<String> TTA = Set.of(ModelSpec.Combination.TTA_NONE, ModelSpec.Combination.TTA_DIHEDRAL8);
    static final Set<String> METADATA_FIELD_KINDS = Set.of(ModelSpec.MetadataField.CATEGORY,
            ModelSpec.MetadataField.NUMBER, ModelSpec.MetadataField.ONE_HOT);

    private static void validateSingleModel(ModelSpec spec, List<String> problems) {
        if (spec.combination() != null) {
            problems.add("combination is for an ensemble, which lists its members");
        }
        if (spec.model() == null) {
            problems.add("model is missing");
        } else {
            require(spec.model().file(), "model.file", problems);
            if (spec.model().sha256() == null || !spec.model().sha256().matches(HEX64)) {
                problems.add("model.sha256 must be 64 lower-case hex digits");
            }
            if (spec.model().sampledSha256() != null && !spec.model().sampledSha256().matches(HEX64)) {
                problems.add("model.sampledSha256 must be 64 lower-case hex digits");
            }
            if (spec.model().crc32() != null && !spec.model().crc32().matches(HEX8)) {
                problems.add("model.crc32 must be 8 lower-case hex digits");
            }
        }
        validateRuntimeGraphs(spec, problems);
        validateExtraOutputs(spec, problems);
        validateExtraInputs(spec, problems);
        validateQuality(spec.quality(), problems);
        validateInput(spec.input(), problems);
        if (spec.output() == null) {
            problems.add("output is missing");
        } else {
            require(spec.output().name(), "output.name", problems);
            if (!"sigmoid-in-graph".equals(spec.output().activation())) {
                problems.add("output.activation must be \"sigmoid-in-graph\", not " + quoted(spec.output().activation()));
            }
        }
    }

    /**
     * An ensemble (specVersion 4) has members instead of a graph; each member's own model.json is checked when it is
     * loaded.
     */
    private static void validateEnsemble(ModelSpec spec, List<String> problems) {
        if (spec.specVersion() < 4) {
            problems.add("members needs specVersion 4");
        }
        if (spec.model() != null || spec.input() != null || !spec.runtimeGraphs().isEmpty()) {
            problems.add("an ensemble has no model, input or runtimeGraphs of its own: its members have them");
        }
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < spec.members().size(); i++) {
            ModelSpec.Member m = spec.members().get(i);
            String at = "members[" + i + "].";
            if (m.name() == null || !MEMBER_NAME.matcher(m.name()).matches()) {
                problems.add(at + "name must match " + MEMBER_NAME.pattern() + ", not " + quoted(m.name()));
            } else if (!names.add(m.name())) {
                problems.add(at + "name " + quoted(m.name()) + " is used twice");
            }
            if (m.dir() == null || m.dir().isBlank() || m.dir().startsWith("/") || m.dir().contains("..")
                    || m.dir().contains("\\")) {
                problems.add(at + "dir must name a directory inside the ensemble's, not " + quoted(m.dir()));
            }
            if (m.weight() != null && !(m.weight() > 0 && Double.isFinite(m.weight()))) {
                problems.add(at + "weight must be a positive number, not " + m.weight());
            }
            if (m.specSha256() == null || !m.specSha256().matches(HEX64)) {
                problems.add(at + "specSha256 must be 64 lower-case hex digits");
            }
            if (m.cost() != null && m.cost().medianMs() != null && !(m.cost().medianMs() >= 0)) {
                problems.add(at + "cost.medianMs must be a number of at least 0");
            }
        }
        ModelSpec.Combination c = spec.combination();
        if (c == null) {
            problems.add("combination is missing");
        } else {
            expect("combination.method", c.method(), ModelSpec.Combination.WEIGHTED_MEAN, problems);
            if (!TTA.contains(c.tta())) {
                problems.add("combination.tta must be one of " + new TreeSet<>(TTA) + ", not " + quoted(c.tta()));
            }
        }
        validateQuality(spec.quality(), problems);
    }

    /** Patient metadata must be encodable from the declaration alone; other kinds of extra input cannot be fed. */
    private static void validateExtraInputs(ModelSpec spec, List<String> problems) {
        List<ModelSpec.ExtraInput> extra = spec.extraInputs();
        if (extra.isEmpty()) {
            return;
        }
        if (spec.specVersion() < 4) {
            problems.add("extraInputs needs specVersion 4");
        }
        if (extra.size() > 1) {
            problems.add("extraInputs: this service feeds at most one extra input (patient metadata), not " + extra.size());
        }
        for (int i = 0; i < extra.size(); i++) {
            ModelSpec.ExtraInput in = extra.get(i);
            String at = "extraInputs[" + i + "].";
            require(in.name(), at + "name", problems);
            expect(at + "kind", in.kind(), ModelSpec.ExtraInput.PATIENT_METADATA, problems);
            expect(at + "dtype", in.dtype(), "float32", problems);
            if (in.name() != null && spec.input() != null && in.name().equals(spec.input().name())) {
                problems.add(at + "name must differ from input.name");
            }
            if (in.shape() == null || in.shape().size() != 2 || in.shape().get(1) == null || in.shape().get(1) < 1
                    || in.shape().get(1) > 4096) {
                problems.add(at + "shape must be [-1, length] with length in 1..4096, not " + in.shape());
                continue;
            }
            long length = in.shape().get(1);
            if (in.fields() == null || in.fields().isEmpty()) {
                problems.add(at + "fields is missing");
                continue;
            }
            boolean[] covered = new boolean[(int) length];
            Set<String> fieldNames = new java.util.HashSet<>();
            for (int f = 0; f < in.fields().size(); f++) {
                validateMetadataField(in.fields().get(f), at + "fields[" + f + "].", covered, fieldNames, problems);
            }
            for (int col = 0; col < covered.length; col++) {
                if (!covered[col]) {
                    problems.add(at + "fields leave column " + col + " of the " + length + " without a field");
                    break;
                }
            }
        }
    }

    private static void validateMetadataField(ModelSpec.MetadataField f, String at, boolean[] covered,
            Set<String> names, List<String> problems) {
        if (f.name() == null || !f.name().matches("[a-z][a-z0-9_]{0,31}")) {
            problems.add(at + "name must be a lower-case word, not " + quoted(f.name()));
        } else if (!names.add(f.name())) {
            problems.add(at + "name " + quoted(f.name()) + " is used twice");
        }
        if (!METADATA_FIELD_KINDS.contains(f.kind())) {
            problems.add(at + "kind must be one of " + new TreeSet<>(METADATA_FIELD_KINDS) + ", not " + quoted(f.kind()));
            return;
        }
        List<Integer> columns = new ArrayList<>();
        if (f.index() == null) {
            problems.add(at + "index is missing");
            return;
        }
        switch (f.kind()) {
            case ModelSpec.MetadataField.CATEGORY -> {
                if (f.values() == null || !f.values().isObject() || f.values().isEmpty()) {
                    problems.add(at + "values must map each allowed value to its number");
                } else {
                    f.values().fields().forEachRemaining(e -> {
                        if (!e.getValue().isNumber()) {
                            problems.add(at + "values." + e.getKey() + " must be a number");
                        }
                    });
                }
                if (f.missing() == null) {
                    problems.add(at + "missing is missing (the number an absent value encodes to)");
                }
                columns.add(f.index());
            }
            case ModelSpec.MetadataField.NUMBER -> {
                if (f.scale() == null || !(f.scale() > 0)) {
                    problems.add(at + "scale must be a positive number");
                }
                if (f.min() == null || f.max() == null || !(f.min() <= f.max())) {
                    problems.add(at + "min and max must be numbers, min at most max");
                }
                if (f.missing() == null) {
                    problems.add(at + "missing is missing (the number an absent value encodes to)");
                }
                columns.add(f.index());
            }
            default -> {
                if (f.values() == null || !f.values().isArray() || f.values().isEmpty()) {
                    problems.add(at + "values must list the allowed values, one column each");
                    return;
                }
                for (int k = 0; k < f.values().size(); k++) {
                    if (!f.values().get(k).isTextual()) {
                        problems.add(at + "values[" + k + "] must be a string");
                    }
                    columns.add(f.index() + k);
                }
                if (f.missingColumn() != null) {
                    columns.add(f.missingColumn());
                }
            }
        }
        for (int col : columns) {
            if (col < 0 || col >= covered.length) {
                problems.add(at + "column " + col + " lies outside the vector of " + covered.length);
            } else if (covered[col]) {
                problems.add(at + "column " + col + " is already another field's");
            } else {
                covered[col] = true;
            }
        }
    }

    private static void validateInput(ModelSpec.Input input, List<String> problems) {
        if (input == null) {
            problems.add("input is missing");
            return;
        }
        require(input.name(), "input.name", problems);
        expect("input.dtype", input.dtype(), "float32", problems);
        expect("input.channelOrder", input.channelOrder(), "RGB", problems);
        if (!"NHWC".equals(input.layout()) && !"NCHW".equals(input.layout())) {
            problems.add("input.layout must be NHWC or NCHW, not " + quoted(input.layout()));
        }
        if (input.channels() != 3) {
            problems.add("input.channels must be 3");
        }
        if (input.height() < 8 || input.width() < 8 || input.height() > 4096 || input.width() > 4096) {
            problems.add("input.height and input.width must lie in 8..4096");
        }
        ModelSpec.Preprocessing p = input.preprocessing();
        if (p == null) {
            problems.add("input.preprocessing is missing");
        } else {
            expect("input.preprocessing.exifOrientation", p.exifOrientation(), "apply", problems);
            expect("input.preprocessing.alpha", p.alpha(), "drop", problems);
            expect("input.preprocessing.grayscale", p.grayscale(), "replicate", problems);
            expect("input.preprocessing.cmyk", p.cmyk(), "naive-inverted", problems);
            if (!(p.centerCropFraction() > 0 && p.centerCropFraction() <= 1)) {
                problems.add("input.preprocessing.centerCropFraction must lie in (0, 1]");
            }
            validateResize(p.resize(), problems);
            if (!"uint8".equals(p.quantize()) && !"none".equals(p.quantize())) {
                problems.add("input.preprocessing.quantize must be \"uint8\" or \"none\", not " + quoted(p.quantize()));
            }
            if (!ORDERS.contains(p.order())) {
                problems.add("input.preprocessing.order must be one of " + new TreeSet<>(ORDERS) + ", not "
                        + quoted(p.order()));
            } else if (ModelSpec.Preprocessing.RESIZE_THEN_CROP.equals(p.order()) && input.height() != input.width()) {
                problems.add("input.preprocessing.order \"resize-then-crop\" needs a square input (height = width)");
            }
            validateJpegRoundTrip(p.jpegRoundTrip(), p.quantize(), problems);
        }
        ModelSpec.Normalization n = input.normalization();
        if (n == null) {
            problems.add("input.normalization is missing");
        } else {
            if (n.mean() == null || n.mean().size() != 3 || n.std() == null || n.std().size() != 3) {
                problems.add("input.normalization.mean and .std must have 3 values");
            } else if (n.std().stream().anyMatch(s -> !(s > 0))) {
                problems.add("input.normalization.std must be positive");
            }
            if (!(n.scale() > 0)) {
                problems.add("input.normalization.scale must be positive");
            }
        }
    }

    /** The threshold must have been chosen on the scale the service applies it to. */
    private static void validateChosenBy(ModelSpec spec, List<String> problems) {
        ModelSpec.ChosenBy by = spec.decision().chosenBy();
        if (by == null) {
            return;
        }
        if (spec.specVersion() < 3) {
            problems.add("decision.chosenBy needs specVersion 3");
        }
        if (!THRESHOLD_METHODS.contains(by.method())) {
            problems.add("decision.chosenBy.method must be one of " + THRESHOLD_METHODS + ", not " + quoted(by.method()));
        }
        if ("target-sensitivity".equals(by.method())
                && (by.targetSensitivity() == null || !(by.targetSensitivity() > 0 && by.targetSensitivity() <= 1))) {
            problems.add("decision.chosenBy.targetSensitivity must lie in (0, 1]");
        }
        String scale = spec.calibration() == null ? "uncalibrated" : "calibrated";
        if (!scale.equals(by.scale())) {
            problems.add("decision.chosenBy.scale must be \"" + scale + "\" (the probability the threshold is applied to"
                    + (spec.calibration() == null ? ": there is no calibration" : ": calibration is applied first")
                    + "), not " + quoted(by.scale()));
        }
    }

    private static void validateCalibration(ModelSpec spec, List<String> problems) {
        ModelSpec.Calibration c = spec.calibration();
        if (c == null) {
            return;
        }
        if (spec.specVersion() < 3) {
            problems.add("calibration needs specVersion 3");
        }
        if ("platt".equals(c.method())) {
            // a slope of 0 or less would flatten or reverse the model's ranking: that is not a calibration
            if (c.a() == null || !Double.isFinite(c.a()) || !(c.a() > 0)) {
                problems.add("calibration.a must be a positive number");
            }
            if (c.b() == null || !Double.isFinite(c.b())) {
                problems.add("calibration.b must be a number");
            }
            if (c.epsilon() != null && !(c.epsilon() > 0 && c.epsilon() < 0.5)) {
                problems.add("calibration.epsilon must lie strictly between 0 and 0.5");
            }
        } else if ("isotonic".equals(c.method())) {
            List<Double> x = c.x();
            List<Double> y = c.y();
            if (x == null || y == null || x.size() < 2 || x.size() != y.size()) {
                problems.add("calibration.x and calibration.y must have the same length, at least 2");
                return;
            }
            if (!inUnitInterval(x) || !inUnitInterval(y)) {
                problems.add("calibration.x and calibration.y must lie in [0, 1]");
                return;
            }
            for (int i = 1; i < x.size(); i++) {
                if (!(x.get(i) > x.get(i - 1))) {
                    problems.add("calibration.x must be strictly increasing (at index " + i + ")");
                    break;
                }
            }
            for (int i = 1; i < y.size(); i++) {
                if (y.get(i) < y.get(i - 1)) {
                    problems.add("calibration.y must not decrease (at index " + i + ")");
                    break;
                }
            }
        } else {
            problems.add("calibration.method must be one of " + CALIBRATION_METHODS + ", not " + quoted(c.method()));
        }
    }

    private static boolean inUnitInterval(List<Double> values) {
        return values.stream().allMatch(v -> v != null && v >= 0 && v <= 1);
    }

    private static void validateResize(ModelSpec.Resize resize, List<String> problems) {
        if (resize == null) {
            problems.add("input.preprocessing.resize is missing");
            return;
        }
        Set<String> methods = RESIZE_METHODS.get(resize.library());
        if (methods == null) {
            problems.add("input.preprocessing.resize.library must be one of " + new TreeSet<>(RESIZE_METHODS.keySet())
                    + ", not " + quoted(resize.library()));
            return;
        }
        if (!methods.contains(resize.method())) {
            problems.add("input.preprocessing.resize.method must be one of " + new TreeSet<>(methods) + " for "
                    + resize.library() + ", not " + quoted(resize.method()));
        }
        if ("tensorflow".equals(resize.library())) {
            if (resize.antialias() == null) {
                problems.add("input.preprocessing.resize.antialias is missing (true or false)");
            } else if (!resize.antialias() && "bicubic".equals(resize.method())) {
                // tf.image.resize then runs ResizeBicubic, whose edges this service does not reproduce
                problems.add("input.preprocessing.resize.antialias must be true for TensorFlow's bicubic");
            }
        } else if (Boolean.TRUE.equals(resize.antialias())) {
            problems.add("input.preprocessing.resize.antialias is TensorFlow's; " + resize.library()
                    + " has one behaviour per method (leave it out)");
        }
    }

    private static void validateJpegRoundTrip(ModelSpec.JpegRoundTrip jpeg, String quantize, List<String> problems) {
        if (jpeg == null) {
            return;
        }
        String at = "input.preprocessing.jpegRoundTrip.";
        if (jpeg.quality() == null || jpeg.quality() < 1 || jpeg.quality() > 100) {
            problems.add(at + "quality must be an integer 1..100, not " + jpeg.quality());
        }
        if (!CHROMA_SUBSAMPLINGS.contains(jpeg.chromaSubsampling())) {
            problems.add(at + "chromaSubsampling must be one of " + new TreeSet<>(CHROMA_SUBSAMPLINGS) + ", not "
                    + quoted(jpeg.chromaSubsampling()));
        }
        if (!JPEG_ENCODERS.contains(jpeg.encoder())) {
            problems.add(at + "encoder must be one of " + new TreeSet<>(JPEG_ENCODERS) + ", not "
                    + quoted(jpeg.encoder()));
        }
        if (!JPEG_DCT_METHODS.contains(jpeg.dctMethod())) {
            problems.add(at + "dctMethod must be one of " + new TreeSet<>(JPEG_DCT_METHODS) + ", not "
                    + quoted(jpeg.dctMethod()));
        }
        if (!"uint8".equals(quantize)) {
            problems.add("input.preprocessing.jpegRoundTrip needs input.preprocessing.quantize \"uint8\": a JPEG holds"
                    + " 8-bit pixels");
        }
    }

    private static void validateRuntimeGraphs(ModelSpec spec, List<String> problems) {
        if (spec.specVersion() < 2 && !spec.runtimeGraphs().isEmpty()) {
            problems.add("runtimeGraphs needs specVersion 2");
        }
        for (int i = 0; i < spec.runtimeGraphs().size(); i++) {
            ModelSpec.RuntimeGraph g = spec.runtimeGraphs().get(i);
            String at = "runtimeGraphs[" + i + "].";
            checkFile(at, g.file(), g.sha256(), g.bytes(), g.sampledSha256(), g.crc32(), problems);
            ModelSpec.ExternalData data = g.externalData();
            if (data != null) {
                checkFile(at + "externalData.", data.file(), data.sha256(), data.bytes(), data.sampledSha256(),
                        data.crc32(), problems);
            }
            if (!OPTIMIZATION_LEVELS.contains(g.openWith())) {
                problems.add(at + "openWith must be one of " + OPTIMIZATION_LEVELS + ", not " + quoted(g.openWith()));
            }
            ModelSpec.Requires r = g.requires();
            if (r != null && r.arch() != null && !ARCHITECTURES.contains(r.arch())) {
                problems.add(at + "requires.arch must be one of " + ARCHITECTURES + ", not " + quoted(r.arch()));
            }
            if (r != null && r.nchwcBlockSize() != null && r.nchwcBlockSize() != 8 && r.nchwcBlockSize() != 16) {
                problems.add(at + "requires.nchwcBlockSize must be 8 or 16, not " + r.nchwcBlockSize());
            }
        }
    }

    /** Kinds this service does not know are ignored (a newer export); a class activation map must be usable. */
    private static void validateExtraOutputs(ModelSpec spec, List<String> problems) {
        for (int i = 0; i < spec.extraOutputs().size(); i++) {
            ModelSpec.ExtraOutput o = spec.extraOutputs().get(i);
            String at = "extraOutputs[" + i + "].";
            require(o.name(), at + "name", problems);
            if (ModelSpec.CLASS_ACTIVATION_MAP.equals(o.kind())) {
                List<Long> shape = o.shape();
                if (shape == null || shape.size() != 3 || shape.get(1) == null || shape.get(2) == null
                        || shape.get(1) < 1 || shape.get(2) < 1 || shape.get(1) > 1024 || shape.get(2) > 1024) {
                    problems.add(at + "shape must be [-1, rows, columns] with rows and columns in 1..1024, not " + shape);
                }
                if (spec.output() != null && o.name() != null && o.name().equals(spec.output().name())) {
                    problems.add(at + "name must differ from output.name");
                }
            }
        }
    }

    private static void validateQuality(ModelSpec.Quality q, List<String> problems) {
        if (q == null) {
            return;
        }
        nonNegative("quality.minSharpness", q.minSharpness(), problems);
        nonNegative("quality.minContrast", q.minContrast(), problems);
        inRange("quality.minBrightness", q.minBrightness(), 0, 255, problems);
        inRange("quality.maxBrightness", q.maxBrightness(), 0, 255, problems);
        inRange("quality.maxDarkShare", q.maxDarkShare(), 0, 1, problems);
        inRange("quality.maxBrightShare", q.maxBrightShare(), 0, 1, problems);
    }

    private static void nonNegative(String field, Double value, List<String> problems) {
        if (value != null && !(value >= 0)) {
            problems.add(field + " must be a number of at least 0, not " + value);
        }
    }

    private static void inRange(String field, Double value, double low, double high, List<String> problems) {
        if (value != null && !(value >= low && value <= high)) {
            problems.add(field + " must lie in " + low + ".." + high + ", not " + value);
        }
    }

    /** A file of the model directory as a runtime graph entry describes it. */
    private static void checkFile(String at, String file, String sha256, Long bytes, String sampledSha256,
            String crc32, List<String> problems) {
        if (file == null || file.isBlank() || file.contains("/") || file.contains("\\")) {
            problems.add(at + "file must name a file in the model directory, not " + quoted(file));
        }
        if (sha256 == null || !sha256.matches(HEX64)) {
            problems.add(at + "sha256 must be 64 lower-case hex digits");
        }
        if (bytes == null || bytes <= 0) {
            problems.add(at + "bytes must be the file's size");
        }
        if (sampledSha256 != null && !sampledSha256.matches(HEX64)) {
            problems.add(at + "sampledSha256 must be 64 lower-case hex digits");
        }
        if (crc32 != null && !crc32.matches(HEX8)) {
            problems.add(at + "crc32 must be 8 lower-case hex digits");
        }
    }

    private static void require(String value, String field, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add(field + " is missing");
        }
    }

    private static void expect(String field, String actual, String wanted, List<String> problems) {
        if (!wanted.equals(actual)) {
            problems.add(field + " must be \"" + wanted + "\", not " + quoted(actual));
        }
    }

    private static String quoted(String s) {
        return s == null ? "missing" : "\"" + s + "\"";
    }
}
