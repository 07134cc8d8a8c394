package ai.skinlesion.classify;

/**
 * What a caller wants besides the probability (the API's {@code include}); nothing of it is computed otherwise.
 *
 * @param heatmap the class activation map, as a grid and drawn over the model's input square
 * @param modelInput the model's input square as a PNG
 */
public record Extras(boolean heatmap, boolean modelInput) {

    public static final Extras NONE = new Extras(false, false);
}
