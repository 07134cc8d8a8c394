package ai.skinlesion.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import ai.skinlesion.explain.ClassActivationMap;

/**
 * The 8 views against numpy's own definitions, written out for a 3 × 3 image: np.rot90([[1,2,3],[4,5,6],[7,8,9]])
 * is [[3,6,9],[2,5,8],[1,4,7]] (counter-clockwise) and np.fliplr mirrors the columns. model-export builds its views
 * with those two functions, so a view in another order or sense would feed the batch other images.
 */
class DihedralTest {

    static final float[][] NUMPY_VIEWS = {
            { 1, 2, 3, 4, 5, 6, 7, 8, 9 },   // x
            { 3, 6, 9, 2, 5, 8, 1, 4, 7 },   // rot90(x)
            { 9, 8, 7, 6, 5, 4, 3, 2, 1 },   // rot90(x, 2)
            { 7, 4, 1, 8, 5, 2, 9, 6, 3 },   // rot90(x, 3)
            { 3, 2, 1, 6, 5, 4, 9, 8, 7 },   // fliplr(x)
            { 1, 4, 7, 2, 5, 8, 3, 6, 9 },   // rot90(fliplr(x))
            { 7, 8, 9, 4, 5, 6, 1, 2, 3 },   // rot90(fliplr(x), 2)
            { 9, 6, 3, 8, 5, 2, 7, 4, 1 } }; // rot90(fliplr(x), 3)

    @Test
    void eachViewIsNumpys() {
        float[] rgb = rgb(NUMPY_VIEWS[0]);
        for (int k = 0; k < Dihedral.VIEWS; k++) {
            assertArrayEquals(rgb(NUMPY_VIEWS[k]), Dihedral.view(rgb, 3, k), "view " + k);
        }
    }

    @Test
    void theEightViewsAreDistinct() {
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < Dihedral.VIEWS; k++) {
            seen.add(java.util.Arrays.toString(Dihedral.view(rgb(NUMPY_VIEWS[0]), 3, k)));
        }
        assert seen.size() == 8;
    }

    /** A map of a view, brought back, is the map of the original: where the view put each cell, it is undone. */
    @Test
    void unviewUndoesEachView() {
        for (int k = 0; k < Dihedral.VIEWS; k++) {
            ClassActivationMap ofView = new ClassActivationMap(NUMPY_VIEWS[k].clone(), 3, 3);
            assertArrayEquals(NUMPY_VIEWS[0], Dihedral.unview(ofView, k).values(), "view " + k);
        }
    }

    /** The value of each pixel in all three channels, so that a channel mix-up shows too. */
    private static float[] rgb(float[] grey) {
        float[] out = new float[grey.length * 3];
        for (int i = 0; i < grey.length; i++) {
            out[i * 3] = grey[i];
            out[i * 3 + 1] = grey[i] + 100;
            out[i * 3 + 2] = grey[i] + 200;
        }
        return out;
    }
}
