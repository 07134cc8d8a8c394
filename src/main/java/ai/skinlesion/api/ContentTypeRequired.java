package ai.skinlesion.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import ai.skinlesion.Rejection;

/**
 * A POST without a Content-Type would otherwise be matched to whichever body shape the router tries first;
 * refuse it before matching and say which types are accepted.
 */
public class ContentTypeRequired {

    @ServerRequestFilter(preMatching = true)
    public Response requireContentType(ContainerRequestContext request) {
        String contentType = request.getHeaderString(HttpHeaders.CONTENT_TYPE);
        if ("POST".equals(request.getMethod()) && (contentType == null || contentType.isBlank())) {
            return Problem.response(Rejection.UNSUPPORTED_MEDIA_TYPE,
                    "The request has no Content-Type. Send image/jpeg or image/png (raw body), multipart/form-data"
                            + " with a part named \"image\", or application/json {\"image\": \"<base64>\"}.",
                    java.util.Map.of());
        }
        return null;
    }
}
