package ai.skinlesion;

/**
 * Every way this service turns a request down, with the HTTP status and the problem type it answers with
 * (RFC 9457 problem details). Bad input is always a 4xx: the client can fix it. A full queue is a 429 with
 * Retry-After: the client can retry.
 */
public enum Rejection {
    EMPTY_BODY(400, "empty-body", "The request has no image"),
    MALFORMED_MULTIPART(400, "malformed-multipart", "The multipart body cannot be read"),
    MISSING_IMAGE_PART(400, "missing-image-part", "The multipart body has no part named \"image\""),
    MALFORMED_JSON(400, "malformed-json", "The JSON body cannot be read"),
    MALFORMED_BASE64(400, "malformed-base64", "The image is not valid base64"),
    UNKNOWN_INCLUDE(400, "unknown-include", "The include parameter names something this service cannot add"),
    HEATMAP_UNAVAILABLE(400, "heatmap-unavailable", "This model has no class activation map"),
    UNAUTHORIZED(401, "unauthorized", "A valid API key is required"),
    NOT_FOUND(404, "not-found", "No such resource"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    NOT_ACCEPTABLE(406, "not-acceptable", "Cannot answer in the requested media type"),
    TOO_MANY_BYTES(413, "too-many-bytes", "The image is too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "The request's Content-Type is not accepted"),
    UNSUPPORTED_IMAGE_FORMAT(415, "unsupported-image-format", "This image format is not supported"),
    NOT_AN_IMAGE(422, "not-an-image", "The body is not an image"),
    CORRUPT_IMAGE(422, "corrupt-image", "The image cannot be decoded"),
    TOO_MANY_PIXELS(422, "too-many-pixels", "The image has too many pixels"),
    TOO_SMALL(422, "image-too-small", "The image is too small"),
    TOO_SLOW(422, "too-slow", "The image took too long to process"),
    /** A metadata field the model does not take, or a value its encoding does not allow. */
    INVALID_METADATA(422, "invalid-metadata", "The patient metadata cannot be used"),
    /** Only when melanoma.quality.refuse is on: blurred, too dark or bright, or nothing in view. */
    POOR_QUALITY(422, "poor-quality", "The photo is not good enough to classify"),
    /**
     * Not the client's fault, but the client's to handle: more photos are waiting to be decoded than the queue
     * holds (melanoma.limits.max-queued-decodes), or a place did not free up in time. Answered with Retry-After.
     */
    BUSY(429, "busy", "Too many photos are being processed; retry shortly");

    private final int status;
    private final String slug;
    private final String title;

    Rejection(int status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    /** The type's last part, as request log lines name the outcome. */
    public String slug() {
        return slug;
    }

    /** The problem type, a URN so that it names the problem without promising a web page. */
    public String type() {
        return "urn:problem-type:melanoma:" + slug;
    }

    public String title() {
        return title;
    }
}
