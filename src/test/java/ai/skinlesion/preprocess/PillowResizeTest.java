package ai.skinlesion.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PillowResize against Image.resize itself (library-outputs.txt): shrinking, one axis left alone (Pillow skips
 * that pass), enlarging, and one axis up while the other goes down.
 */
class PillowResizeTest {

    static List<LibraryOutputs.Case> cases() {
        List<LibraryOutputs.Case> cases = LibraryOutputs.cases("resize", "pillow");
        assertFalse(cases.isEmpty());
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void equalsPillow(LibraryOutputs.Case c) {
        String[] w = c.words();
        int[] out = LibraryOutputs.size(w[4]);
        float[] ours = new PillowResize(PillowResize.Filter.forName(w[2])).apply(LibraryOutputs.input(w[3]), out[0], out[1]);
        assertArrayEquals(c.values(), LibraryOutputs.rounded(ours), c.name());
    }
}
