package ai.skinlesion;

import java.util.Map;

/**
 * The one exception every stage throws for input it cannot use; the HTTP layer turns it into a problem+json
 * answer. The detail is written for the person who sent the photo and never contains the photo's bytes.
 */
public class RejectedInputException extends RuntimeException {

    private final Rejection rejection;
    private final Map<String, Object> extensions;

    public RejectedInputException(Rejection rejection, String detail) {
        this(rejection, detail, Map.of(), null);
    }

    public RejectedInputException(Rejection rejection, String detail, Map<String, Object> extensions) {
        this(rejection, detail, extensions, null);
    }

    public RejectedInputException(Rejection rejection, String detail, Map<String, Object> extensions, Throwable cause) {
        // No stack trace: rejections are expected, frequent, and must never be logged as errors.
        super(detail, cause, false, false);
        this.rejection = rejection;
        this.extensions = Map.copyOf(extensions);
    }

    public Rejection rejection() {
        return rejection;
    }

    /** Extra problem members, such as the limit that was exceeded. */
    public Map<String, Object> extensions() {
        return extensions;
    }
}
