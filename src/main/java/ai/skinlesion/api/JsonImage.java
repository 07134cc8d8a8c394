package ai.skinlesion.api;

import java.io.IOException;
import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import org.jboss.logging.Logger;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;

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

    static byte[] extract(byte[] body, int maxImageBytes) {
        String base64 = readImageField(body, maxImageBytes);
        byte[] image = decodeBase64(base64);
        if (image.length > maxImageBytes) {
            throw new RejectedInputException(Rejection.TOO_MANY_BYTES,
                    "The image is " + image.length + " bytes; the limit is " + maxImageBytes + ".",
                    Map.of("maxBytes", maxImageBytes));
        }
        return image;
    }

    private static String readImageField(byte[] body, int maxImageBytes) {
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
                } else {
                    parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw malformed("trailing content after the JSON object");
            }
            if (image == null) {
                throw malformed("no \"image\" field; send {\"image\": \"<base64 of the JPEG or PNG>\"}");
            }
            return image;
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
