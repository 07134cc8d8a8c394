package ai.skinlesion.telemetry;

import ai.skinlesion.classify.Timings;

/**
 * What one answered request amounts to, for its log line and its metrics: never any byte of the request.
 *
 * @param requestId  Lambda's aws request id, or over plain HTTP the client's sane X-Request-Id or a generated one
 * @param outcome    {@code prediction}; for a refusal (4xx) its problem type slug (e.g. {@code corrupt-image});
 *                   {@code ok} for another answer (GET /v1/model)
 * @param timings    the stages of a prediction; null for a refusal
 * @param probability the malignant probability of a prediction; null for a refusal
 * @param coldStart  whether this is the first request this process answers
 */
public record RequestOutcome(String requestId, String method, String path, int status, String outcome,
        Timings timings, Double probability, String modelName, String modelVersion, boolean coldStart,
        double durationMs) {

    public static final String PREDICTION = "prediction";

    /** A 4xx or 5xx answer: counted by its type. */
    public boolean refused() {
        return status >= 400;
    }

    /** The probability's tenth as a bucket label, "0.0-0.1" ... "0.9-1.0" (1.0 itself falls in the last). */
    public static String bucketOf(double probability) {
        int tenth = Math.min(9, Math.max(0, (int) Math.floor(probability * 10)));
        return String.format(java.util.Locale.ROOT, "%.1f-%.1f", tenth / 10.0, (tenth + 1) / 10.0);
    }
}
