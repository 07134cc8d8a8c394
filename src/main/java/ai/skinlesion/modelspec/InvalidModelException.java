package ai.skinlesion.modelspec;

/** The model directory cannot be served: a missing file, a wrong hash, or a spec this service cannot follow. */
public class InvalidModelException extends RuntimeException {

    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
