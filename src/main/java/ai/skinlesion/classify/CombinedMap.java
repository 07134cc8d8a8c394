package ai.skinlesion.classify;

import java.util.List;

import ai.skinlesion.decode.Region;
import ai.skinlesion.explain.ClassActivationMap;

/**
 * The class activation maps of an ensemble's members, each over its own crop and at its own resolution, brought
 * onto the grid of the first member's map and averaged with the members' weights. Each target cell samples each
 * member's map (bilinearly) at the same point of the photo; a member whose crop does not reach that point leaves
 * it to the others.
 */
final class CombinedMap {

    /** A member's map, the photo region it covers and the member's weight. */
    record Placed(ClassActivationMap map, Region region, double weight) {
    }

    private CombinedMap() {
    }

    static ClassActivationMap of(List<Placed> maps) {
        Placed target = maps.get(0);
        if (maps.size() == 1) {
            return target.map();
        }
        int rows = target.map().rows();
        int columns = target.map().columns();
        float[] out = new float[rows * columns];
        Region t = target.region();
        for (int r = 0; r < rows; r++) {
            double y = t.top() + (r + 0.5) * t.height() / rows;
            for (int c = 0; c < columns; c++) {
                double x = t.left() + (c + 0.5) * t.width() / columns;
                double sum = 0;
                double weights = 0;
                for (Placed p : maps) {
                    Region g = p.region();
                    if (x < g.left() || x > g.left() + g.width() || y < g.top() || y > g.top() + g.height()) {
                        continue;
                    }
                    sum += p.weight() * sample(p.map(), (y - g.top()) / g.height() * p.map().rows() - 0.5,
                            (x - g.left()) / g.width() * p.map().columns() - 0.5);
                    weights += p.weight();
                }
                out[r * columns + c] = (float) (sum / weights);
            }
        }
        return new ClassActivationMap(out, rows, columns);
    }

    /** Bilinear sample at fractional cell coordinates (cell centres at integers), clamped at the edges. */
    private static double sample(ClassActivationMap map, double row, double column) {
        double rr = Math.max(0, Math.min(map.rows() - 1, row));
        double cc = Math.max(0, Math.min(map.columns() - 1, column));
        int r0 = (int) Math.floor(rr);
        int c0 = (int) Math.floor(cc);
        int r1 = Math.min(r0 + 1, map.rows() - 1);
        int c1 = Math.min(c0 + 1, map.columns() - 1);
        double fr = rr - r0;
        double fc = cc - c0;
        float[] v = map.values();
        int n = map.columns();
        double top = v[r0 * n + c0] * (1 - fc) + v[r0 * n + c1] * fc;
        double bottom = v[r1 * n + c0] * (1 - fc) + v[r1 * n + c1] * fc;
        return top * (1 - fr) + bottom * fr;
    }
}
