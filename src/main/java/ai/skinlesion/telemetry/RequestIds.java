package ai.skinlesion.telemetry;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Request ids over plain HTTP: the client's X-Request-Id when it is sane (so that a proxy's id carries through),
 * else a random UUID. Sane: 1 to 128 characters of letters, digits and {@code . _ : -}, so that what reaches the
 * log and the answer's header is never a client's free text (no spaces, quotes, control characters).
 */
public final class RequestIds {

    public static final String HEADER = "X-Request-Id";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private RequestIds() {
    }

    public static boolean sane(String id) {
        return id != null && SANE.matcher(id).matches();
    }

    public static String acceptedOrGenerated(String clientId) {
        return sane(clientId) ? clientId : UUID.randomUUID().toString();
    }
}
