package ai.skinlesion.classify;

/**
 * Milliseconds spent in each stage of one prediction; total includes any wait for a decoding place.
 *
 * @param extras drawing the heatmap and encoding the PNGs asked for with include; null when none was
 */
public record Timings(double decode, double preprocess, double inference, Double extras, double total) {
}
