package ai.skinlesion.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.core.UriInfo;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.metadata.PatientMetadata;

/**
 * Patient metadata given as query parameters. Every query parameter but the API's own ({@code include}) is a
 * metadata field, so that a mistyped one ({@code ?gender=female}) is refused by the model's encoding, naming it, as
 * in a JSON body or a form field. A field given more than once is refused.
 */
final class QueryMetadata {

    private QueryMetadata() {
    }

    static PatientMetadata read(UriInfo uri) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> parameter : uri.getQueryParameters().entrySet()) {
            String field = parameter.getKey();
            List<String> given = parameter.getValue();
            if (Include.PARAMETER.equals(field) || given == null || given.isEmpty()) {
                continue;
            }
            if (given.size() > 1) {
                throw new RejectedInputException(Rejection.INVALID_METADATA, "The metadata field \"" + field
                        + "\" is given " + given.size() + " times; give it once.", Map.of("field", field));
            }
            values.put(field, given.get(0));
        }
        return new PatientMetadata(values);
    }
}
