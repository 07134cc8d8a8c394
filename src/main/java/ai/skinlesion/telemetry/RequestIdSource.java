package ai.skinlesion.telemetry;

/**
 * Where a request's id comes from, one implementation per packaging: on Lambda the aws request id of the
 * invocation (src/lambda/java), over plain HTTP {@link RequestIds#acceptedOrGenerated} (src/http/java).
 */
public interface RequestIdSource {

    /** The id of the request being handled; {@code clientId} is its X-Request-Id header, possibly null. */
    String requestId(String clientId);
}
