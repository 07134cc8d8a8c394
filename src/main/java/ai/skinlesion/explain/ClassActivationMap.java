package ai.skinlesion.explain;

/**
 * The model's class activation map for one photo (model-export's "cam" output): the Dense unit's logit at each
 * cell of the last feature map, rows × columns over the model's input square.
 *
 * @param values rows × columns raw values, row by row
 */
public record ClassActivationMap(float[] values, int rows, int columns) {

    public ClassActivationMap {
        if (values.length != rows * columns) {
            throw new IllegalArgumentException("expected " + rows * columns + " values, got " + values.length);
        }
    }

    /** Min-max scaled to [0, 1], as rows of columns; a flat map is all zeros. */
    public double[][] scaled() {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double span = (double) max - min;
        double[][] grid = new double[rows][columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                grid[r][c] = span > 0 ? (values[r * columns + c] - (double) min) / span : 0;
            }
        }
        return grid;
    }
}
