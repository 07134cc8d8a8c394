package ai.skinlesion.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;

/**
 * Each way Netty's multipart decoder can fail, and the answer it becomes: 413 for a part over the image limit
 * (however Netty reports it), 400 for the rest, never a 5xx, and never Netty's own words or class names in the
 * detail. The real decoder on bodies written out by hand.
 */
class MultipartImageTest {

    private static final String B = "b0undary";
    private static final String TYPE = "multipart/form-data; boundary=" + B;
    private static final int LIMIT = 1000;
    private static final byte[] IMAGE = new byte[200];

    static {
        new Random(1).nextBytes(IMAGE);
    }

    @Test
    void thePartNamedImageIsReturnedAsSent() {
        assertArrayEquals(IMAGE, MultipartImage.extract(body(part("comment", new byte[] { 'x' }) + part("image", IMAGE) + end()), TYPE, LIMIT));
    }

    @Test
    void sixteenPartsAreAllowed() {
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < 15; i++) {
            parts.append(part("field" + i, new byte[] { 'v' }));
        }
        assertArrayEquals(IMAGE, MultipartImage.extract(body(parts + part("image", IMAGE) + end()), TYPE, LIMIT));
    }

    /** Netty wraps the factory's IOException in its ErrorDataDecoderException while decoding: still 413. */
    @ParameterizedTest(name = "limit + {0} bytes")
    @ValueSource(ints = { 1, 70_000 })
    void aPartOverTheImageLimitIs413(int over) {
        RejectedInputException e = refused(body(part("image", new byte[LIMIT + over]) + end()), TYPE);
        assertEquals(Rejection.TOO_MANY_BYTES, e.rejection());
        assertEquals(413, e.rejection().status());
        assertEquals(Map.of("maxBytes", LIMIT), e.extensions());
        assertInstanceOf(HttpPostRequestDecoder.ErrorDataDecoderException.class, e.getCause());
        assertInstanceOf(IOException.class, e.getCause().getCause());
    }

    @Test
    void moreThanSixteenPartsIs400() {
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < 17; i++) {
            parts.append(part("field" + i, new byte[] { 'v' }));
        }
        RejectedInputException e = refused(body(parts + end()), TYPE);
        assertEquals(Rejection.MALFORMED_MULTIPART, e.rejection());
        assertTrue(e.getMessage().contains("more than 16 parts"), e.getMessage());
        assertInstanceOf(HttpPostRequestDecoder.TooManyFormFieldsException.class, e.getCause());
    }

    @Test
    void ourOwnChecksAre400WithTheirReason() {
        assertMalformed(refused(body(part("image", IMAGE)), "multipart/form-data"), "no boundary parameter");
        assertMalformed(refused(body(part("image", IMAGE)), TYPE), "ends inside a part");
        assertMalformed(refused(body("no boundary anywhere"), TYPE), "has no parts");
        RejectedInputException missing = refused(body(part("photo", IMAGE) + end()), TYPE);
        assertEquals(Rejection.MISSING_IMAGE_PART, missing.rejection());
    }

    @Test
    void aControlCharacterInTheContentTypeIs400() {
        // Netty's header validation: an IllegalArgumentException (an API Gateway event can carry a NUL byte)
        RejectedInputException e = refused(body(part("image", IMAGE) + end()), TYPE + "\0");
        assertUnparsable(e);
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
    }

    /** Bodies Netty's decoder itself refuses, each with a DecoderException (or its cause) of its own. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "Content-Disposition: form-data\r\n\r\nxx",
            "Content-Disposition: zzz\r\n\r\nxx",
            "foo\r\n\r\nxx",
            "Content-Disposition: form-data; name=\"image\"\r\nContent-Type: text/plain; charset=nope\r\n\r\nxx" })
    void malformedPartsAre400WithoutTheDecodersWords(String part) {
        RejectedInputException e = refused(body("--" + B + "\r\n" + part + "\r\n" + end()), TYPE);
        assertUnparsable(e);
        assertInstanceOf(DecoderException.class, e.getCause());
    }

    @Test
    void aNestedMultipartWithoutBoundaryIs400() {
        RejectedInputException e = refused(body("--" + B + "\r\nContent-Disposition: form-data; name=\"image\"\r\n"
                + "Content-Type: multipart/mixed\r\n\r\nxx\r\n" + end()), TYPE);
        assertUnparsable(e);
    }

    private static void assertMalformed(RejectedInputException e, String reason) {
        assertEquals(Rejection.MALFORMED_MULTIPART, e.rejection());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    /** 400, our words only: neither the decoder's message nor any exception's class name. */
    private static void assertUnparsable(RejectedInputException e) {
        assertMalformed(e, "cannot be parsed");
        assertNotNull(e.getCause());
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                assertFalse(e.getMessage().contains(t.getMessage()), e.getMessage());
            }
        }
        assertFalse(e.getMessage().contains("Exception") || e.getMessage().contains("io.netty"), e.getMessage());
    }

    private static RejectedInputException refused(byte[] body, String contentType) {
        return assertThrows(RejectedInputException.class, () -> MultipartImage.extract(body, contentType, LIMIT));
    }

    private static String part(String name, byte[] data) {
        return "--" + B + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"p.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n" + new String(data, StandardCharsets.ISO_8859_1) + "\r\n";
    }

    private static String end() {
        return "--" + B + "--\r\n";
    }

    private static byte[] body(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
