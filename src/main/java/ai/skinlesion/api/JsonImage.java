package ai.skinlesion.api;

import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import org.jboss.logging.Logger;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.metadata.PatientMetadata;

/**
 * Reads {"image": "<base64>"} — what mobile apps and API Gateway proxies send — with a streaming parser
 * bounded in nesting depth and string length, so a hostile document costs little. Base64 may carry
 * whitespace, a data: URL prefix, or the URL-safe alphabet.
 */
final class JsonImage {

    private static final Logger LOG = Logger.getLogger(JsonImage.class);

    static final String FIELD = "image";
    private static final int MAX_DEPTH = 8;

    private JsonImage() {
    }

    static final String METADATA_FIELD = "metadata";

    /** The photo and the patient metadata of {"image": "<base64>", "metadata": {"age": 55, ...}}. */
    record Body(byte[] image, PatientMetadata metadata) {
    }

    static byte[] extract(byte[] body, int maxImageBytes) {
        return read(body, maxImageBytes).image();
    }

    static Body read(byte[] body, int maxImageBytes) {
        Fields fields = readFields(body, maxImageBytes);
        byte[] image = decodeBase64(fields.base64());
        if (image.length > maxImageBytes) {
            throw new RejectedInputException(Rejection.TOO_MANY_BYTES,
                    "The image is " + image.length + " bytes; the limit is " + maxImageBytes + ".",
                    Map.of("maxBytes", maxImageBytes));
        }
        return new Body(image, fields.metadata());
    }

    private record Fields(String base64, PatientMetadata metadata) {
    }

    private static Fields readFields(byte[] body, int maxImageBytes) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(maxImageBytes / 3 * 4 + 1024 * 1024)
                        .build())
                .build();
        try (JsonParser parser = factory.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw malformed("the body must be a JSON object {\"image\": \"<base64>\"}");
            }
            String image = null;
            PatientMetadata metadata = PatientMetadata.NONE;
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                if (token != JsonToken.FIELD_NAME) {
                    throw malformed("unexpected " + token);
                }
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (FIELD.equals(name)) {
                    if (value != JsonToken.VALUE_STRING) {
                        throw malformed("\"image\" must be a base64 string");
                    }
                    image = parser.getText();
                } else if (METADATA_FIELD.equals(name)) {
                    metadata = readMetadata(parser, value);
                } else {
                    parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw malformed("trailing content after the JSON object");
            }
            if (image == null) {
                throw malformed("no \"image\" field; send {\"image\": \"<base64 of the JPEG, PNG or WebP>\"}");
            }
            return new Fields(image, metadata);
        } catch (IOException e) {
            // Jackson's message quotes the body's own tokens, which may be the photo's base64: neither the client
            // nor the log gets it. Where it stopped is enough to find the fault.
            String where = e instanceof JsonProcessingException json && json.getLocation() != null
                    ? " (line " + json.getLocation().getLineNr() + ", column " + json.getLocation().getColumnNr() + ")"
                    : "";
            LOG.debugf("JSON body refused by the parser: %s%s", e.getClass().getSimpleName(), where);
            throw malformed("it is not valid JSON" + where);
        }
    }

    /** {"age": 55, "sex": "female", "site": "torso"}: numbers and strings, null for not known. */
    private static PatientMetadata readMetadata(JsonParser parser, JsonToken start) throws IOException {
        if (start == JsonToken.VALUE_NULL) {
            return PatientMetadata.NONE;
        }
        if (start != JsonToken.START_OBJECT) {
            throw new RejectedInputException(Rejection.INVALID_METADATA, "\"metadata\" must be an object such as"
                    + " {\"age\": 55, \"sex\": \"female\", \"site\": \"torso\"}.", Map.of("field", METADATA_FIELD));
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (value) {
                case VALUE_NULL -> {
                }
                case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> values.put(field, parser.getText());
                default -> {
                    parser.skipChildren();
                    throw new RejectedInputException(Rejection.INVALID_METADATA, "The metadata field \""
                            + (field.length() > 40 ? field.substring(0, 40) + "..." : field)
                            + "\" must be a string or a number (or null when not known).", Map.of("field", field));
                }
            }
        }
        return new PatientMetadata(values);
    }

    static byte[] decodeBase64(String text) {
        String s = text;
        if (s.startsWith("data:")) {
            int comma = s.indexOf(',');
            if (comma < 0) {
                throw new RejectedInputException(Rejection.MALFORMED_BASE64, "The data: URL has no comma before its data.");
            }
            s = s.substring(comma + 1);
        }
        StringBuilder clean = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case ' ', '\n', '\r', '\t' -> {
                }
                case '-' -> clean.append('+');
                case '_' -> clean.append('/');
                default -> clean.append(c);
            }
        }
        try {
            return Base64.getDecoder().decode(clean.toString());
        } catch (IllegalArgumentException e) {
            LOG.debugf("base64 refused: %s", e.getMessage());
            throw new RejectedInputException(Rejection.MALFORMED_BASE64,
                    "The \"image\" field is not valid base64: " + base64Fault(clean) + ".");
        }
    }

    /** What is wrong with text that the decoder refused, in our words (its own name only a character's code). */
    private static String base64Fault(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean alphabet = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/';
            if (!alphabet && !(c == '=' && i >= text.length() - 2)) {
                return "character " + (i + 1) + " (not counting whitespace) is not in the base64 alphabet";
            }
        }
        return "its length or padding is wrong (the text is cut short?)";
    }

    private static RejectedInputException malformed(String why) {
        return new RejectedInputException(Rejection.MALFORMED_JSON, "The JSON body cannot be read: " + why + ".");
    }
}
