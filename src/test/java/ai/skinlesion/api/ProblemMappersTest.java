package ai.skinlesion.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.junit.jupiter.api.Test;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;

/**
 * One body shape for every problem the service answers with: type, title, status, detail (RFC 9457), in that order,
 * extensions after them. The framework's own 4xx and our 500 included, which once had no detail.
 */
class ProblemMappersTest {

    private static final List<String> MEMBERS = List.of("type", "title", "status", "detail");
    private final ProblemMappers mappers = new ProblemMappers();

    @Test
    void aStatusTheFrameworkChoseHasTheSameShape() {
        Map<String, Object> body = body(mappers.otherWebError(new WebApplicationException(409)), 409);
        assertEquals(MEMBERS, List.copyOf(body.keySet()));
        assertEquals("about:blank", body.get("type"));
        assertEquals("Conflict", body.get("title"));
        assertFalse(((String) body.get("detail")).isBlank());
    }

    @Test
    void anInternalErrorHasTheSameShapeAndNoTrace() {
        Map<String, Object> body = body(mappers.internal(new IllegalStateException("secret internals")), 500);
        assertEquals(MEMBERS, List.copyOf(body.keySet()));
        assertFalse(body.toString().contains("secret internals") || body.toString().contains("IllegalStateException"));
    }

    @Test
    void rejectionsAndTheMappedFrameworkErrorsHaveTheSameShape() {
        assertEquals(MEMBERS, List.copyOf(body(mappers.rejected(
                new RejectedInputException(Rejection.CORRUPT_IMAGE, "broken")), 422).keySet()));
        assertEquals(MEMBERS, List.copyOf(body(mappers.otherWebError(new NotAllowedException("POST")), 405).keySet()));
        Map<String, Object> tooLarge = body(mappers.rejected(new RejectedInputException(Rejection.TOO_MANY_BYTES,
                "too big", Map.of("maxBytes", 10))), 413);
        assertEquals(List.of("type", "title", "status", "detail", "maxBytes"), List.copyOf(tooLarge.keySet()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(Response response, int status) {
        assertEquals(status, response.getStatus());
        assertEquals(Problem.MEDIA_TYPE, response.getMediaType().toString());
        return assertInstanceOf(Map.class, response.getEntity());
    }
}
