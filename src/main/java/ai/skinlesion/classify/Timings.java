package ai.skinlesion.classify;

/** Milliseconds spent in each stage of one prediction. */
public record Timings(double decode, double preprocess, double inference, double total) {
}
