package ai.skinlesion.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestIdsTest {

    @ParameterizedTest
    @ValueSource(strings = { "abc", "2c7f1f5a-6d2e-4d7b-9b0e-0a4f3c5e7d21", "req_42.retry:1" })
    void aSaneClientIdIsKept(String id) {
        assertEquals(id, RequestIds.acceptedOrGenerated(id));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "two words", "quote\"d", "new\nline", "<script>", "Root=1-5759e988" })
    void anythingElseIsReplacedByAUuid(String id) {
        String accepted = RequestIds.acceptedOrGenerated(id);
        assertNotEquals(id, accepted);
        assertEquals(accepted, UUID.fromString(accepted).toString());
    }

    @org.junit.jupiter.api.Test
    void aLongIdIsReplaced() {
        assertNotEquals("a".repeat(129), RequestIds.acceptedOrGenerated("a".repeat(129)));
        assertEquals("a".repeat(128), RequestIds.acceptedOrGenerated("a".repeat(128)));
    }
}
