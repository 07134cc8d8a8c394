package ai.skinlesion;

import java.time.Duration;
import java.util.Map;

/**
 * The time one request may spend on its photo (melanoma.limits.request-timeout). Started when the request
 * reaches the resource; checked while the image is read (every few kilobytes the decoder pulls), and between
 * stages. A photo that runs past it is turned down with {@link Rejection#TOO_SLOW}, and the work on it stops.
 */
public final class Deadline {

    /** No limit: start-up warm-up, unit tests and fuzzing, where the caller bounds time itself. */
    public static final Deadline NONE = new Deadline(Long.MAX_VALUE, 0);

    private final long limitNanos;
    private final long start;

    private Deadline(long limitNanos, long start) {
        this.limitNanos = limitNanos;
        this.start = start;
    }

    public static Deadline after(Duration limit) {
        return new Deadline(limit.toNanos(), System.nanoTime());
    }

    public boolean passed() {
        return limitNanos != Long.MAX_VALUE && System.nanoTime() - start > limitNanos;
    }

    /** Nanoseconds left, 0 once passed; Long.MAX_VALUE without a limit. */
    public long remainingNanos() {
        if (limitNanos == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, limitNanos - (System.nanoTime() - start));
    }

    /** Throws {@link Rejection#TOO_SLOW} once the time is up; {@code doing} says what was under way. */
    public void check(String doing) {
        if (passed()) {
            throw exceeded(doing);
        }
    }

    public RejectedInputException exceeded(String doing) {
        double seconds = limitNanos / 1e9;
        return new RejectedInputException(Rejection.TOO_SLOW,
                "The photo took more than the limit of " + format(seconds) + " s to process (" + doing + "). Send a"
                        + " smaller photo, or a baseline rather than a progressive JPEG; a phone camera's JPEG of a few"
                        + " megapixels takes well under a second.",
                Map.of("limitSeconds", seconds));
    }

    private static String format(double seconds) {
        return seconds == Math.rint(seconds) ? String.valueOf((long) seconds) : String.valueOf(seconds);
    }
}
