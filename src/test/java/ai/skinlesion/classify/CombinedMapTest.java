package ai.skinlesion.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.skinlesion.decode.Region;
import ai.skinlesion.explain.ClassActivationMap;

/** Members' maps meet at the same point of the photo, weighted; where only one member looks, it alone counts. */
class CombinedMapTest {

    @Test
    void oneMapIsItself() {
        ClassActivationMap map = new ClassActivationMap(new float[] { 1, 2, 3, 4 }, 2, 2);
        assertSame(map, CombinedMap.of(List.of(new CombinedMap.Placed(map, new Region(0, 0, 10, 10), 1))));
    }

    @Test
    void flatMapsOverTheSameRegionAverageWithTheirWeights() {
        Region r = new Region(10, 10, 100, 100);
        ClassActivationMap a = new ClassActivationMap(new float[] { 1, 1, 1, 1 }, 2, 2);
        ClassActivationMap b = new ClassActivationMap(new float[9], 3, 3);
        ClassActivationMap c = CombinedMap.of(List.of(new CombinedMap.Placed(a, r, 1), new CombinedMap.Placed(b, r, 3)));
        assertArrayEquals(new float[] { 0.25f, 0.25f, 0.25f, 0.25f }, c.values(), 1e-6f);
    }

    /**
     * The second member sees only the centre of the first's region (a tighter crop): the first's outer cells keep
     * its own value, and the centre cells mix both.
     */
    @Test
    void aTighterCropCountsOnlyWhereItLooks() {
        ClassActivationMap wide = new ClassActivationMap(new float[16], 4, 4);
        ClassActivationMap tight = new ClassActivationMap(new float[] { 2, 2, 2, 2 }, 2, 2);
        ClassActivationMap c = CombinedMap.of(List.of(new CombinedMap.Placed(wide, new Region(0, 0, 400, 400), 1),
                new CombinedMap.Placed(tight, new Region(100, 100, 200, 200), 1)));
        assertEquals(4, c.rows());
        assertEquals(0f, c.values()[0]);
        assertEquals(1f, c.values()[1 * 4 + 1], 1e-6f);
        assertEquals(0f, c.values()[3 * 4 + 3]);
    }
}
