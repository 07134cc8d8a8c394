package ai.skinlesion.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OpenCvResize against cv2.resize itself (its own code; library-outputs.txt): shrinking by a fraction, by exactly
 * two (where OpenCV swaps linear for area) and three, enlarging, and one axis up while the other goes down.
 */
class OpenCvResizeTest {

    static List<LibraryOutputs.Case> cases() {
        List<LibraryOutputs.Case> cases = LibraryOutputs.cases("resize", "opencv");
        assertFalse(cases.isEmpty());
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void equalsOpenCv(LibraryOutputs.Case c) {
        String[] w = c.words();
        int[] out = LibraryOutputs.size(w[4]);
        float[] ours = new OpenCvResize(OpenCvResize.Method.forName(w[2])).apply(LibraryOutputs.input(w[3]), out[0], out[1]);
        assertArrayEquals(c.values(), LibraryOutputs.rounded(ours), c.name());
    }
}
