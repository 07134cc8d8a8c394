package ai.skinlesion.metadata;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;

/**
 * The patient metadata a client sent with the photo, as text, field by field (age, sex, site for ISIC 2020): from the
 * JSON body's {@code metadata} object, multipart fields or query parameters. Nothing is checked here: each model's
 * {@link MetadataEncoding} decides what is allowed.
 */
public record PatientMetadata(Map<String, String> values) {

    public static final PatientMetadata NONE = new PatientMetadata(Map.of());

    /** A blank value is a field not given (what an HTML form sends for an empty input). */
    public PatientMetadata {
        Map<String, String> given = new LinkedHashMap<>();
        values.forEach((field, value) -> {
            if (value != null && !value.isBlank()) {
                given.put(field, value);
            }
        });
        values = Collections.unmodifiableMap(given);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** Both sources' fields; a field given in both must be given once. */
    public PatientMetadata with(PatientMetadata other) {
        Map<String, String> all = new LinkedHashMap<>(values);
        for (Map.Entry<String, String> e : other.values.entrySet()) {
            if (all.containsKey(e.getKey())) {
                throw new RejectedInputException(Rejection.INVALID_METADATA, "The metadata field \"" + e.getKey()
                        + "\" is given twice (in the query and in the body); give it once.",
                        Map.of("field", e.getKey()));
            }
            all.put(e.getKey(), e.getValue());
        }
        return new PatientMetadata(all);
    }
}
