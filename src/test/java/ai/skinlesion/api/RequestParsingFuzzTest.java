package ai.skinlesion.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import ai.skinlesion.RejectedInputException;

/**
 * Fuzzes the request body parsers: multipart/form-data (Netty's decoder, in memory, bounded) and
 * {"image": "<base64>"} (Jackson's streaming parser, bounded, then the lenient base64 decoding). A finding is
 * any outcome other than the image bytes or a {@link RejectedInputException}.
 * <p>
 * Inputs are plain bytes, so that the committed ones stay readable: for multipart, the first line is the
 * Content-Type header and the rest is the body.
 */
class RequestParsingFuzzTest {

    private static final int MAX_IMAGE_BYTES = 1 << 20;

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void multipart(byte[] input) {
        int newline = indexOf(input, (byte) '\n');
        String contentType = newline < 0 ? "multipart/form-data; boundary=x"
                : new String(input, 0, newline, StandardCharsets.ISO_8859_1).trim();
        byte[] body = newline < 0 ? input : Arrays.copyOfRange(input, newline + 1, input.length);
        try {
            byte[] image = MultipartImage.extract(body, contentType, MAX_IMAGE_BYTES);
            assertTrue(image.length <= MAX_IMAGE_BYTES && image.length <= body.length, "image of " + image.length + " bytes");
        } catch (RejectedInputException expected) {
            // the body was refused with a clear reason
        }
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void json(byte[] input) {
        try {
            byte[] image = JsonImage.extract(input, MAX_IMAGE_BYTES);
            assertTrue(image.length <= MAX_IMAGE_BYTES, "image of " + image.length + " bytes");
        } catch (RejectedInputException expected) {
            // the body was refused with a clear reason
        }
    }

    private static int indexOf(byte[] b, byte value) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
