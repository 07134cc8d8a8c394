package ai.skinlesion.classify;

import java.util.List;
import java.util.Map;

/**
 * What became of the patient metadata a client sent, for the answer to echo.
 *
 * @param used    whether any model that ran was fed it
 * @param values  each field as it was understood (the declared spelling), sent fields only
 * @param missing the fields of the model's encoding that were not sent and were encoded as missing
 * @param note    a sentence for the user
 */
public record MetadataUse(boolean used, Map<String, Object> values, List<String> missing, String note) {
}
