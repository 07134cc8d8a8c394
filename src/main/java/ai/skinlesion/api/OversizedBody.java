package ai.skinlesion.api;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.Rejection;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/**
 * A body announced larger than quarkus.http.limits.max-body-size (16 MB) is refused by the HTTP server before
 * any resource sees it, with a bare 413 and no body. This handler runs just before that check and gives the
 * same refusal as a problem+json, like every other answer. Bodies sent chunked, without a Content-Length, still
 * meet the server's own check. On Lambda, API Gateway refuses bodies over 10 MB itself.
 */
@ApplicationScoped
public class OversizedBody {

    void install(@Observes Router router, ObjectMapper json,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize maxBodySize) {
        long limit = maxBodySize.asLongValue();
        String problem = problem(json, limit);
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(context -> {
            String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && exceeds(length, limit)) {
                context.response()
                        .setStatusCode(Rejection.TOO_MANY_BYTES.status())
                        .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(problem);
                return;
            }
            context.next();
        });
    }

    private static boolean exceeds(String length, long limit) {
        try {
            return Long.parseLong(length.trim()) > limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String problem(ObjectMapper json, long limit) {
        Map<String, Object> body = Problem.body(Rejection.TOO_MANY_BYTES,
                "The request body is larger than the HTTP limit of " + limit + " bytes. Send a smaller JPEG (the"
                        + " model looks at a 384-pixel square; 2000 pixels across is plenty).",
                Map.of("maxBytes", limit));
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
