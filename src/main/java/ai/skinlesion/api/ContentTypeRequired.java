package ai.skinlesion.api;

import java.util.Map;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import ai.skinlesion.Rejection;

/**
 * A POST without a Content-Type would otherwise be matched to whichever body shape the router tries first;
 * refuse it before matching and say which types are accepted. A Content-Type that cannot be parsed at all
 * (";;;===") would make the router itself throw, which surfaced as a 500 (found by the hostile-input corpus):
 * it is refused here too, as a 415.
 */
public class ContentTypeRequired {

    private static final String ACCEPTED = "Send image/jpeg, image/png or image/webp (raw body), multipart/form-data with a part"
            + " named \"image\", or application/json {\"image\": \"<base64>\"}.";

    @ServerRequestFilter(preMatching = true)
    public Response requireContentType(ContainerRequestContext request) {
        String contentType = request.getHeaderString(HttpHeaders.CONTENT_TYPE);
        if ("POST".equals(request.getMethod()) && (contentType == null || contentType.isBlank())) {
            return Problem.response(Rejection.UNSUPPORTED_MEDIA_TYPE,
                    "The request has no Content-Type. " + ACCEPTED, Map.of());
        }
        if (contentType != null && !contentType.isBlank() && !parses(contentType)) {
            return Problem.response(Rejection.UNSUPPORTED_MEDIA_TYPE,
                    "The request's Content-Type header cannot be read as a media type. " + ACCEPTED, Map.of());
        }
        return null;
    }

    private static boolean parses(String contentType) {
        try {
            MediaType.valueOf(contentType);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
