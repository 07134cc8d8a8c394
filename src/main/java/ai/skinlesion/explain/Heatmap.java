package ai.skinlesion.explain;

/**
 * What the API shows of a class activation map: the map min-max scaled to [0, 1] (rows of columns), and a PNG of
 * it drawn over the model's input square.
 */
public record Heatmap(double[][] grid, byte[] png) {

    public static Heatmap of(ClassActivationMap map, float[] modelInput, int height, int width) {
        double[][] grid = map.scaled();
        byte[] overlay = HeatmapOverlay.render(grid, modelInput, height, width);
        return new Heatmap(grid, Png.encode(overlay, height, width));
    }
}
