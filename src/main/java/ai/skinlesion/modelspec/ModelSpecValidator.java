package ai.skinlesion.modelspec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks, before any session is created, that a spec asks only for what this service can do, and names every
 * field that is wrong at once, so that a bad export fails at start-up and not on the first photo.
 *
 * <p>Two layers: {@link ModelSpecSchema} holds each field to its type, range, pattern and allowed values (the JSON
 * Schema model-export also checks); the rules here relate fields to each other, which a schema cannot state
 * plainly: the specVersion a field needs, the scale a threshold was chosen on, the shape a crop needs, the columns
 * of the metadata vector, names used twice.
 */
public final class ModelSpecValidator {

    private ModelSpecValidator() {
    }

    /** model.json as read, against the schema: before it is bound, so that a wrong type is named, not coerced. */
    public static void validate(JsonNode json) {
        refuseIfAny(json.path("name").asText(null), ModelSpecSchema.problems(json));
    }

    /** The cross-field rules, on a spec that met the schema (they read fields it guarantees). */
    public static void validate(ModelSpec spec) {
        refuseIfAny(spec.name(), crossFieldProblems(spec));
    }

    private static void refuseIfAny(String name, List<String> problems) {
        if (!problems.isEmpty()) {
            throw new InvalidModelException("model.json of " + quoted(name) + " cannot be served: "
                    + String.join("; ", problems));
        }
    }

    static List<String> crossFieldProblems(ModelSpec spec) {
        List<String> problems = new ArrayList<>();
        needsVersion(spec, 2, !spec.runtimeGraphs().isEmpty(), "runtimeGraphs", problems);
        needsVersion(spec, 3, spec.calibration() != null, "calibration", problems);
        needsVersion(spec, 3, spec.decision().chosenBy() != null, "decision.chosenBy", problems);
        needsVersion(spec, 4, spec.isEnsemble(), "members", problems);
        needsVersion(spec, 4, !spec.extraInputs().isEmpty(), "extraInputs", problems);
        if (spec.isEnsemble()) {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < spec.members().size(); i++) {
                String name = spec.members().get(i).name();
                if (!names.add(name)) {
                    problems.add("members[" + i + "].name " + quoted(name) + " is used twice");
                }
            }
        } else {
            validateInput(spec.input(), problems);
            validateExtraOutputs(spec, problems);
            validateExtraInputs(spec, problems);
        }
        validateChosenBy(spec, problems);
        validateIsotonic(spec.calibration(), problems);
        return problems;
    }

    private static void needsVersion(ModelSpec spec, int version, boolean present, String field, List<String> problems) {
        if (present && spec.specVersion() < version) {
            problems.add(field + " needs specVersion " + version);
        }
    }

    private static void validateInput(ModelSpec.Input input, List<String> problems) {
        ModelSpec.Preprocessing p = input.preprocessing();
        if (ModelSpec.Preprocessing.RESIZE_THEN_CROP.equals(p.order()) && input.height() != input.width()) {
            problems.add("input.preprocessing.order \"resize-then-crop\" needs a square input (height = width)");
        }
        if (p.jpegRoundTrip() != null && !"uint8".equals(p.quantize())) {
            problems.add("input.preprocessing.jpegRoundTrip needs input.preprocessing.quantize \"uint8\": a JPEG holds"
                    + " 8-bit pixels");
        }
    }

    /** The threshold must have been chosen on the scale the service applies it to. */
    private static void validateChosenBy(ModelSpec spec, List<String> problems) {
        ModelSpec.ChosenBy by = spec.decision().chosenBy();
        if (by == null) {
            return;
        }
        String scale = spec.calibration() == null ? "uncalibrated" : "calibrated";
        if (!scale.equals(by.scale())) {
            problems.add("decision.chosenBy.scale must be \"" + scale + "\" (the probability the threshold is applied to"
                    + (spec.calibration() == null ? ": there is no calibration" : ": calibration is applied first")
                    + "), not " + quoted(by.scale()));
        }
    }

    private static void validateIsotonic(ModelSpec.Calibration c, List<String> problems) {
        if (c == null || !"isotonic".equals(c.method())) {
            return;
        }
        List<Double> x = c.x();
        List<Double> y = c.y();
        if (x.size() != y.size()) {
            problems.add("calibration.x and calibration.y must have the same length, not " + x.size() + " and "
                    + y.size());
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
    }

    /** A class activation map must not shadow the probability it explains. */
    private static void validateExtraOutputs(ModelSpec spec, List<String> problems) {
        for (int i = 0; i < spec.extraOutputs().size(); i++) {
            ModelSpec.ExtraOutput o = spec.extraOutputs().get(i);
            if (ModelSpec.CLASS_ACTIVATION_MAP.equals(o.kind()) && o.name().equals(spec.output().name())) {
                problems.add("extraOutputs[" + i + "].name must differ from output.name");
            }
        }
    }

    /** Patient metadata must be encodable from the declaration alone: every column one field's, no name twice. */
    private static void validateExtraInputs(ModelSpec spec, List<String> problems) {
        List<ModelSpec.ExtraInput> extra = spec.extraInputs();
        for (int i = 0; i < extra.size(); i++) {
            ModelSpec.ExtraInput in = extra.get(i);
            String at = "extraInputs[" + i + "].";
            if (in.name().equals(spec.input().name())) {
                problems.add(at + "name must differ from input.name");
            }
            long length = in.shape().get(1);
            boolean[] covered = new boolean[(int) length];
            Set<String> fieldNames = new HashSet<>();
            for (int f = 0; f < in.fields().size(); f++) {
                ModelSpec.MetadataField field = in.fields().get(f);
                String fieldAt = at + "fields[" + f + "].";
                if (!fieldNames.add(field.name())) {
                    problems.add(fieldAt + "name " + quoted(field.name()) + " is used twice");
                }
                if (ModelSpec.MetadataField.NUMBER.equals(field.kind()) && !(field.min() <= field.max())) {
                    problems.add(fieldAt + "min must be at most max");
                }
                for (int col : columns(field)) {
                    if (col >= covered.length) {
                        problems.add(fieldAt + "column " + col + " lies outside the vector of " + covered.length);
                    } else if (covered[col]) {
                        problems.add(fieldAt + "column " + col + " is already another field's");
                    } else {
                        covered[col] = true;
                    }
                }
            }
            for (int col = 0; col < covered.length; col++) {
                if (!covered[col]) {
                    problems.add(at + "fields leave column " + col + " of the " + length + " without a field");
                    break;
                }
            }
        }
    }

    /** The vector columns a field writes: one, or one per one-hot value plus its missing column. */
    private static List<Integer> columns(ModelSpec.MetadataField f) {
        List<Integer> columns = new ArrayList<>();
        if (ModelSpec.MetadataField.ONE_HOT.equals(f.kind())) {
            for (int k = 0; k < f.values().size(); k++) {
                columns.add(f.index() + k);
            }
            if (f.missingColumn() != null) {
                columns.add(f.missingColumn());
            }
        } else {
            columns.add(f.index());
        }
        return columns;
    }

    private static String quoted(String s) {
        return s == null ? "missing" : "\"" + s + "\"";
    }
}
