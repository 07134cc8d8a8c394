package ai.skinlesion.api;

/**
 * A prediction answer already written as JSON, with the answer it was written from. The bytes go out whole
 * ({@link SerializedPredictionWriter}): an answer with the heatmap and input PNGs is about a megabyte, and streamed
 * by Jackson through the Lambda HTTP adapter it never completes (quarkusio/quarkus#44551). The answer itself
 * stays readable for the request log and metrics.
 */
public record SerializedPrediction(PredictionResponse answer, byte[] json) {
}
