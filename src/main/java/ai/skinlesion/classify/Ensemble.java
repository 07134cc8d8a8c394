package ai.skinlesion.classify;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.DoubleUnaryOperator;

import ai.skinlesion.decode.Region;
import ai.skinlesion.explain.ClassActivationMap;

/**
 * Runs the members on their inputs and combines their answers: the weighted mean of their probabilities
 * (model.json {@code combination}), each member averaging the 8 dihedral views of its input when test-time
 * augmentation is on. In adaptive mode the cheapest member runs alone first, without augmentation, and the rest
 * only when its answer is close to the threshold.
 */
final class Ensemble {

    private final List<EnsembleMember> members;
    private final int cheapest;
    private final boolean dihedral8;
    private final boolean adaptive;
    private final double adaptiveBand;

    Ensemble(List<EnsembleMember> members, boolean dihedral8, boolean adaptive, double adaptiveBand) {
        this.members = List.copyOf(members);
        this.dihedral8 = dihedral8;
        this.adaptive = adaptive && members.size() > 1;
        this.adaptiveBand = adaptiveBand;
        // measured cost first; without one, the smaller input (cost grows with the pixels for one backbone)
        Comparator<EnsembleMember> byCost = Comparator
                .comparingDouble((EnsembleMember m) -> m.medianMs == null ? Double.MAX_VALUE : m.medianMs)
                .thenComparingInt(m -> m.preprocessor.tensorSize());
        this.cheapest = members.indexOf(members.stream().min(byCost).orElseThrow());
    }

    List<EnsembleMember> members() {
        return members;
    }

    boolean dihedral8() {
        return dihedral8;
    }

    boolean adaptive() {
        return adaptive;
    }

    EnsembleMember cheapest() {
        return members.get(cheapest);
    }

    /**
     * @param probability the combination, on the members' own scale (before the ensemble's calibration)
     * @param spread      max − min of the probabilities of the members that ran; null when fewer than two ran
     * @param escalated   adaptive mode: whether everything ran; full mode: always true
     * @param map         the members' maps combined over the square of the first member that ran; null unless asked
     * @param mapMember   the index of that member
     */
    record Outcome(double probability, List<MemberResult> members, Double spread, boolean escalated,
            ClassActivationMap map, int mapMember, double inferenceMs) {
    }

    /**
     * @param inputs        each member's input square, in members' order
     * @param metadata      each member's metadata vector, null for a member that takes none
     * @param regions       the photo region each member's square shows (to combine the maps)
     * @param thresholdScale maps a probability to the scale the threshold is on (the ensemble's calibration)
     */
    Outcome run(float[][] inputs, float[][] metadata, Region[] regions, boolean withMap,
            DoubleUnaryOperator thresholdScale, double threshold) {
        EnsembleMember.Answer[] answers = new EnsembleMember.Answer[members.size()];
        if (adaptive) {
            EnsembleMember.Answer cheap = members.get(cheapest).run(inputs[cheapest], false, metadata[cheapest], withMap);
            if (Math.abs(thresholdScale.applyAsDouble(cheap.probability()) - threshold) > adaptiveBand) {
                answers[cheapest] = cheap;
                return combine(answers, regions, false);
            }
            if (!dihedral8) {
                answers[cheapest] = cheap; // the full answer would run it again on the same input
            }
        }
        for (int i = 0; i < members.size(); i++) {
            if (answers[i] == null) {
                answers[i] = members.get(i).run(inputs[i], dihedral8, metadata[i], withMap);
            }
        }
        return combine(answers, regions, true);
    }

    private Outcome combine(EnsembleMember.Answer[] answers, Region[] regions, boolean escalated) {
        double sum = 0;
        double weights = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double ms = 0;
        int ran = 0;
        List<MemberResult> results = new ArrayList<>();
        List<CombinedMap.Placed> maps = new ArrayList<>();
        int mapMember = -1;
        for (int i = 0; i < answers.length; i++) {
            EnsembleMember m = members.get(i);
            EnsembleMember.Answer a = answers[i];
            if (a == null) {
                results.add(new MemberResult(m.name, m.weight, null, false));
                continue;
            }
            ran++;
            sum += m.weight * a.probability();
            weights += m.weight;
            min = Math.min(min, a.probability());
            max = Math.max(max, a.probability());
            ms += a.inferenceMs();
            results.add(new MemberResult(m.name, m.weight, a.probability(), true));
            if (a.map() != null) {
                mapMember = mapMember < 0 ? i : mapMember;
                maps.add(new CombinedMap.Placed(a.map(), regions[i], m.weight));
            }
        }
        ClassActivationMap map = maps.isEmpty() ? null : CombinedMap.of(maps);
        return new Outcome(sum / weights, List.copyOf(results), ran > 1 ? max - min : null, escalated, map, mapMember,
                ms);
    }
}
