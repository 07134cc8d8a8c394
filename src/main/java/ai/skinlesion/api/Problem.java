package ai.skinlesion.api;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import ai.skinlesion.Rejection;

/**
 * An RFC 9457 problem-details answer. Every problem this service sends has the same shape: type, title, status,
 * detail (words for the person reading the client's log), then any extra members.
 */
final class Problem {

    static final String MEDIA_TYPE = "application/problem+json";

    private Problem() {
    }

    static Response response(Rejection rejection, String detail, Map<String, Object> extensions) {
        return response(rejection.status(), body(rejection, detail, extensions));
    }

    /**
     * A problem that is no {@link Rejection}: a status the framework chose (type about:blank, RFC 9457 section 4.2.1,
     * whose title is the status' reason phrase) or a failure of ours.
     */
    static Response response(int status, String title, String detail) {
        return response(status, body("about:blank", title, status, detail, Map.of()));
    }

    private static Response response(int status, Map<String, Object> body) {
        Response.ResponseBuilder response = Response.status(status)
                .type(MediaType.valueOf(MEDIA_TYPE))
                .entity(body);
        if (body.get("retryAfterSeconds") instanceof Number seconds) {
            response.header(HttpHeaders.RETRY_AFTER, seconds.intValue());
        }
        return response.build();
    }

    /** The JSON members, for answers written outside JAX-RS (a Vert.x route handler). */
    static Map<String, Object> body(Rejection rejection, String detail, Map<String, Object> extensions) {
        return body(rejection.type(), rejection.title(), rejection.status(), detail, extensions);
    }

    private static Map<String, Object> body(String type, String title, int status, String detail,
            Map<String, Object> extensions) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        extensions.forEach(body::putIfAbsent);
        return body;
    }
}
