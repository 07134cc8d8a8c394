package ai.skinlesion.api;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import ai.skinlesion.Rejection;

/** An RFC 9457 problem-details answer: type, title, status, detail, and any extra members. */
final class Problem {

    static final String MEDIA_TYPE = "application/problem+json";

    private Problem() {
    }

    static Response response(Rejection rejection, String detail, Map<String, Object> extensions) {
        Response.ResponseBuilder response = Response.status(rejection.status())
                .type(MediaType.valueOf(MEDIA_TYPE))
                .entity(body(rejection, detail, extensions));
        if (extensions.get("retryAfterSeconds") instanceof Number seconds) {
            response.header(HttpHeaders.RETRY_AFTER, seconds.intValue());
        }
        return response.build();
    }

    /** The JSON members, for answers written outside JAX-RS (a Vert.x route handler). */
    static Map<String, Object> body(Rejection rejection, String detail, Map<String, Object> extensions) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", rejection.type());
        body.put("title", rejection.title());
        body.put("status", rejection.status());
        body.put("detail", detail);
        extensions.forEach(body::putIfAbsent);
        return body;
    }
}
