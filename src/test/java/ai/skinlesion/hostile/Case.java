package ai.skinlesion.hostile;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One request of the hostile-input corpus: what is sent, and, where the answer is certain, what must come back.
 * The body is built only when the case runs, so that a corpus of large generated bodies costs memory one at
 * a time.
 *
 * @param name        stable, unique, readable (it names the case in reports)
 * @param method      HTTP method
 * @param path        request path
 * @param contentType Content-Type header, or null for none
 * @param headers     other request headers
 * @param body        the body, or null for none
 * @param status      the status this case must get, or 0 when any clear answer (200, or a 4xx problem) will do
 * @param problem     the problem type slug it must get (with a 4xx status), or null
 * @param transport   may be refused below the application (by the HTTP server, the Lambda mock event server or
 *                    API Gateway: a request line or body over their limits), which answer a bare 4xx: the status
 *                    must be 4xx; a problem+json body is checked as usual, another is accepted
 */
public record Case(String name, String method, String path, String contentType, Map<String, String> headers,
        Supplier<byte[]> body, int status, String problem, boolean transport) {

    public static final String PREDICTIONS = "/v1/predictions";

    public static Case post(String name, String contentType, Supplier<byte[]> body) {
        return new Case(name, "POST", PREDICTIONS, contentType, Map.of(), body, 0, null, false);
    }

    public static Case post(String name, String contentType, byte[] body) {
        return post(name, contentType, () -> body);
    }

    public static Case request(String name, String method, String path, String contentType, Supplier<byte[]> body) {
        return new Case(name, method, path, contentType, Map.of(), body, 0, null, false);
    }

    /** This case must be answered with {@code status} (and, for a 4xx, problem type {@code problem}). */
    public Case expect(int status, String problem) {
        return new Case(name, method, path, contentType, headers, body, status, problem, transport);
    }

    public Case expectOk() {
        return expect(200, null);
    }

    public Case header(String header, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(header, value);
        return new Case(name, method, path, contentType, Map.copyOf(more), body, status, problem, transport);
    }

    public Case answeredByTheHttpServer() {
        return new Case(name, method, path, contentType, headers, body, status, problem, true);
    }

    @Override
    public String toString() {
        return name;
    }
}
