package ai.skinlesion.api;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.Rejection;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * A body larger than quarkus.http.limits.max-body-size (16 MB) is refused by the HTTP server before any resource
 * sees it: with a bare 413 and no body when the Content-Length says so, and, when the size shows only while the body
 * is read (sent chunked; and on the Lambda path, whose requests reach the router without a Content-Length), through
 * a router failure that the framework logs as an unhandled exception. Both become the same problem+json as every
 * other answer, with one request log line (the request's own filter never runs for them). On Lambda, API Gateway
 * refuses bodies over 10 MB itself.
 */
@ApplicationScoped
public class OversizedBody {

    private static final Logger LOG = Logger.getLogger("ai.skinlesion.request");

    void install(@Observes Router router, ObjectMapper json,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize maxBodySize) {
        long limit = maxBodySize.asLongValue();
        String problem = problem(json, limit);
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(context -> {
            String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && exceeds(length, limit)) {
                refuse(context, problem, "its Content-Length " + length.trim());
                return;
            }
            context.next();
        }).failureHandler(context -> {
            if (context.statusCode() == Rejection.TOO_MANY_BYTES.status() && !context.response().headWritten()) {
                refuse(context, problem, "the bytes read");
                return;
            }
            context.next();
        });
    }

    private static void refuse(RoutingContext context, String problem, String measured) {
        HttpServerRequest request = context.request();
        // the request line and what gave the size away; never the body
        LOG.infof("%s %s %d %s (over the HTTP body limit: %s)", request.method(), request.path(),
                Rejection.TOO_MANY_BYTES.status(), Rejection.TOO_MANY_BYTES.slug(), measured);
        context.response()
                .setStatusCode(Rejection.TOO_MANY_BYTES.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(problem);
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
