package ai.skinlesion.classify;

/** Milliseconds spent in each stage of one prediction; total includes any wait for a decoding place. */
public record Timings(double decode, double preprocess, double inference, double total) {
}
