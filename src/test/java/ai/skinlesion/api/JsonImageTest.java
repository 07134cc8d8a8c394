package ai.skinlesion.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;

/** The JSON body's refusals say where and what in our words, and never quote the body (which holds the photo). */
class JsonImageTest {

    @Test
    void invalidJsonIsLocatedNotQuoted() {
        RejectedInputException e = assertThrows(RejectedInputException.class, () -> JsonImage.extract(
                "{\"image\": SECRETBASE64TOKEN}".getBytes(StandardCharsets.UTF_8), 1 << 20));
        assertEquals(Rejection.MALFORMED_JSON, e.rejection());
        assertTrue(e.getMessage().contains("line 1, column"), e.getMessage());
        assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
    }

    @Test
    void aCharacterOutsideTheAlphabetIsNamedByPosition() {
        RejectedInputException e = assertThrows(RejectedInputException.class, () -> JsonImage.decodeBase64("QUJD\nRE*G"));
        assertEquals(Rejection.MALFORMED_BASE64, e.rejection());
        assertTrue(e.getMessage().contains("character 7 (not counting whitespace)"), e.getMessage());
    }

    @Test
    void aCutTextIsSaidToBeCut() {
        RejectedInputException e = assertThrows(RejectedInputException.class, () -> JsonImage.decodeBase64("QUJDR"));
        assertTrue(e.getMessage().contains("length or padding"), e.getMessage());
    }

    @Test
    void theUrlSafeAlphabetAndWhitespaceAreRead() {
        assertEquals("ABC?", new String(JsonImage.decodeBase64("QUJD\r\nPw=="), StandardCharsets.US_ASCII));
        assertEquals(">>>", new String(JsonImage.decodeBase64("Pj4-"), StandardCharsets.US_ASCII));
    }
}
