package ai.skinlesion.metadata;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.modelspec.ModelSpec;

/**
 * Turns what a client sent into the vector a model's metadata input takes, following the fields model.json declares
 * (docs/MODEL_SPEC.md "specVersion 4: patient metadata"), and refuses a value the declaration does not allow with a
 * 422 that names the field and what it allows. Text values match whatever their case and separators ("Upper
 * extremity", "upper_extremity" and "upper-extremity" are "upper extremity").
 */
public final class MetadataEncoding {

    /**
     * The SIIM-ISIC 2020 encoding that {@code melanoma-export convert --metadata isic2020} declares: sex (male 1, female
     * 0, missing -1), age / 90 (missing 0), the anatomic site one-hot with a column for missing. Values sent to a model
     * that takes no metadata are checked against it, so that a client learns of a typo whatever model is deployed.
     */
    public static final MetadataEncoding ISIC2020 = isic2020();

    private final String name;
    private final int length;
    private final List<ModelSpec.MetadataField> fields;

    public MetadataEncoding(ModelSpec.ExtraInput input) {
        this.name = input.encoding();
        this.length = input.shape().get(1).intValue();
        this.fields = List.copyOf(input.fields());
    }

    /** The encoding name model.json gives (e.g. isic2020). */
    public String name() {
        return name;
    }

    public int length() {
        return length;
    }

    /** The field names clients may send. */
    public Set<String> fieldNames() {
        Set<String> names = new TreeSet<>();
        fields.forEach(f -> names.add(f.name()));
        return names;
    }

    /**
     * @param vector  what the model is fed
     * @param used    each field as it was understood (the declared spelling; numbers as numbers), sent fields only
     * @param missing the declared fields the client did not send, encoded as missing
     */
    public record Encoded(float[] vector, Map<String, Object> used, List<String> missing) {
    }

    public Encoded encode(PatientMetadata sent) {
        for (String field : sent.values().keySet()) {
            if (fields.stream().noneMatch(f -> f.name().equals(field))) {
                throw invalid(field, "\"" + field + "\" is not a metadata field of this model; it takes "
                        + fieldNames() + ".", List.copyOf(fieldNames()));
            }
        }
        float[] vector = new float[length];
        Map<String, Object> used = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (ModelSpec.MetadataField f : fields) {
            String value = sent.values().get(f.name());
            if (value == null || value.isBlank()) {
                missing.add(f.name());
                encodeMissing(f, vector);
            } else {
                used.put(f.name(), encodeValue(f, value.strip(), vector));
            }
        }
        return new Encoded(vector, used, missing);
    }

    private static void encodeMissing(ModelSpec.MetadataField f, float[] vector) {
        if (ModelSpec.MetadataField.ONE_HOT.equals(f.kind())) {
            if (f.missingColumn() != null) {
                vector[f.missingColumn()] = 1;
            }
        } else {
            vector[f.index()] = f.missing().floatValue();
        }
    }

    private static Object encodeValue(ModelSpec.MetadataField f, String value, float[] vector) {
        switch (f.kind()) {
            case ModelSpec.MetadataField.NUMBER -> {
                double number;
                try {
                    number = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    number = Double.NaN;
                }
                if (!(number >= f.min() && number <= f.max())) {
                    throw invalid(f.name(), "\"" + f.name() + "\" must be a number from " + plain(f.min()) + " to "
                            + plain(f.max()) + ", not \"" + shorten(value) + "\".", List.of(plain(f.min()) + ".." + plain(f.max())));
                }
                vector[f.index()] = (float) (number / f.scale());
                return number == Math.rint(number) ? (Object) (long) number : number;
            }
            case ModelSpec.MetadataField.CATEGORY -> {
                var it = f.values().fields();
                while (it.hasNext()) {
                    var e = it.next();
                    if (normalised(e.getKey()).equals(normalised(value))) {
                        vector[f.index()] = (float) e.getValue().asDouble();
                        return e.getKey();
                    }
                }
                throw notAllowed(f, value);
            }
            default -> {
                for (int k = 0; k < f.values().size(); k++) {
                    String allowed = f.values().get(k).asText();
                    if (normalised(allowed).equals(normalised(value))) {
                        vector[f.index() + k] = 1;
                        return allowed;
                    }
                }
                throw notAllowed(f, value);
            }
        }
    }

    private static RejectedInputException notAllowed(ModelSpec.MetadataField f, String value) {
        List<String> allowed = allowed(f);
        return invalid(f.name(), "\"" + f.name() + "\" must be one of " + allowed + ", not \"" + shorten(value)
                + "\" (leave it out when it is not known).", allowed);
    }

    private static List<String> allowed(ModelSpec.MetadataField f) {
        List<String> allowed = new ArrayList<>();
        if (f.values().isObject()) {
            f.values().fieldNames().forEachRemaining(allowed::add);
        } else {
            f.values().forEach(v -> allowed.add(v.asText()));
        }
        return allowed;
    }

    private static RejectedInputException invalid(String field, String detail, List<String> allowed) {
        return new RejectedInputException(Rejection.INVALID_METADATA, detail,
                Map.of("field", shorten(field), "allowed", allowed));
    }

    static String normalised(String value) {
        return value.toLowerCase(Locale.ROOT).replaceAll("[\\s_/-]+", " ").strip();
    }

    private static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** What a client sent is quoted back, but never at length. */
    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static MetadataEncoding isic2020() {
        ObjectMapper json = new ObjectMapper();
        JsonNode sex = json.createObjectNode().put("male", 1.0).put("female", 0.0);
        JsonNode sites = json.valueToTree(List.of("head/neck", "upper extremity", "lower extremity", "torso",
                "palms/soles", "oral/genital"));
        return new MetadataEncoding(new ModelSpec.ExtraInput("metadata", ModelSpec.ExtraInput.PATIENT_METADATA,
                "isic2020", "float32", List.of(-1L, 9L), List.of(
                        new ModelSpec.MetadataField("sex", ModelSpec.MetadataField.CATEGORY, 0, sex, -1.0, null, null,
                                null, null),
                        new ModelSpec.MetadataField("age", ModelSpec.MetadataField.NUMBER, 1, null, 0.0, 90.0, 0.0,
                                120.0, null),
                        new ModelSpec.MetadataField("site", ModelSpec.MetadataField.ONE_HOT, 2, sites, null, null, null,
                                null, 8))));
    }
}
