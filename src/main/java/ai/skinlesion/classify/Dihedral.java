package ai.skinlesion.classify;

import ai.skinlesion.explain.ClassActivationMap;

/**
 * The 8 views of a square image that test-time augmentation averages: the 4 rotations, then the 4 rotations of the
 * mirrored image, in model-export's order (view k &lt; 4 is numpy's {@code rot90(x, k)}, view k ≥ 4 is
 * {@code rot90(fliplr(x), k - 4)}), so that both sides feed the same batch.
 */
final class Dihedral {

    static final int VIEWS = 8;

    private Dihedral() {
    }

    /** View {@code k} of an n × n × 3 image, row by row. */
    static float[] view(float[] hwc, int n, int k) {
        if (k == 0) {
            return hwc;
        }
        float[] out = new float[hwc.length];
        int[] source = new int[2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                sourceOf(k, i, j, n, source);
                System.arraycopy(hwc, (source[0] * n + source[1]) * 3, out, (i * n + j) * 3, 3);
            }
        }
        return out;
    }

    /**
     * The map of view {@code k} brought back to the original image's orientation: the cell at (i, j) of the view
     * looked at the original's cell {@link #sourceOf}(k, i, j).
     */
    static ClassActivationMap unview(ClassActivationMap map, int k) {
        if (k == 0) {
            return map;
        }
        int n = map.rows();
        if (map.columns() != n) {
            throw new IllegalArgumentException("a dihedral view's map must be square, not " + n + "x" + map.columns());
        }
        float[] out = new float[n * n];
        int[] source = new int[2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                sourceOf(k, i, j, n, source);
                out[source[0] * n + source[1]] = map.values()[i * n + j];
            }
        }
        return new ClassActivationMap(out, n, n);
    }

    /** Row and column of the original n × n image that view {@code k} shows at row i, column j. */
    static void sourceOf(int k, int i, int j, int n, int[] rowColumn) {
        int a;
        int b;
        switch (k % 4) {
            case 0 -> { a = i; b = j; }
            case 1 -> { a = j; b = n - 1 - i; }          // rot90: out[i][j] = x[j][n-1-i]
            case 2 -> { a = n - 1 - i; b = n - 1 - j; }
            default -> { a = n - 1 - j; b = i; }
        }
        rowColumn[0] = a;
        rowColumn[1] = k >= 4 ? n - 1 - b : b;           // fliplr first: f[a][b] = x[a][n-1-b]
    }
}
