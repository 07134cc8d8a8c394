package ai.skinlesion.api;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import ai.skinlesion.Rejection;
import ai.skinlesion.config.ServiceConfig;

/**
 * The optional API key of HTTP and container deployments (melanoma.security.api-key, env
 * MELANOMA_SECURITY_API_KEY): when it is set, every request to /v1/* must carry it in the X-API-Key header, or
 * gets 401 problem+json before anything else looks at the request. The web page, /q/health and /q/openapi stay
 * open. On Lambda, API Gateway's authorizer does this job (template.yaml) and the key is normally left unset.
 * <p>
 * The comparison is between SHA-256 digests with {@link MessageDigest#isEqual}, so its time depends neither on
 * how much of the key a guess gets right nor on the key's length.
 */
public class ApiKeyFilter {

    public static final String HEADER = "X-API-Key";
    static final String CHALLENGE = "ApiKey header=\"" + HEADER + "\"";

    private final byte[] keyDigest;

    public ApiKeyFilter(ServiceConfig config) {
        this.keyDigest = config.security().apiKey()
                .filter(key -> !key.isBlank())
                .map(ApiKeyFilter::sha256)
                .orElse(null);
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
    public Response requireApiKey(ContainerRequestContext request) {
        if (keyDigest == null || "OPTIONS".equals(request.getMethod())
                || !isProtected(request.getUriInfo().getRequestUri())) {
            return null;
        }
        String given = request.getHeaderString(HEADER);
        // Both sides are digested, so isEqual compares 32 bytes whatever was sent.
        boolean valid = given != null && MessageDigest.isEqual(sha256(given), keyDigest);
        if (valid) {
            return null;
        }
        Response problem = Problem.response(Rejection.UNAUTHORIZED, given == null
                ? "This service requires an API key: send it in the " + HEADER + " header."
                : "The API key in the " + HEADER + " header is not valid.", Map.of("header", HEADER));
        return Response.fromResponse(problem).header(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE).build();
    }

    /**
     * Whether a request path falls under /v1, read generously so that no spelling reaches the API unchecked:
     * percent-decoded, dot segments resolved, repeated slashes and matrix parameters dropped, case ignored.
     */
    static boolean isProtected(URI uri) {
        String raw = uri.getRawPath();
        if (raw == null) {
            return true;
        }
        String path;
        try {
            path = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return true;
        }
        StringBuilder canonical = new StringBuilder();
        for (String segment : path.split("/+")) {
            int matrix = segment.indexOf(';');
            String name = matrix >= 0 ? segment.substring(0, matrix) : segment;
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                int last = canonical.lastIndexOf("/");
                canonical.setLength(Math.max(last, 0));
                continue;
            }
            canonical.append('/').append(name);
        }
        String p = canonical.toString().toLowerCase(Locale.ROOT);
        return p.equals("/v1") || p.startsWith("/v1/");
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
