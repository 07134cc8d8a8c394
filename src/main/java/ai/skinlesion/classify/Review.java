package ai.skinlesion.classify;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether the answer should send the user to a doctor rather than be trusted: the photo has a quality problem
 * (the model saw something unlike what it learnt from), the probability is close to the threshold, or the members
 * of an ensemble disagree.
 *
 * @param reasons {@value #QUALITY}, {@value #NEAR_THRESHOLD}, {@value #MEMBERS_DISAGREE}, in that order; empty when
 *                no review is needed
 * @param band      the distance to the threshold that counts as close (melanoma.review.band)
 * @param maxSpread the spread of member probabilities that counts as disagreement (melanoma.review.max-spread)
 */
public record Review(boolean required, List<String> reasons, double band, double maxSpread) {

    public static final String QUALITY = "quality";
    public static final String NEAR_THRESHOLD = "near-threshold";
    public static final String MEMBERS_DISAGREE = "members-disagree";

    /**
     * @param poorQuality whether the quality check found a problem (the answer's {@code quality.problems})
     * @param spread      max − min of the member probabilities; null for a single model
     */
    public static Review of(boolean poorQuality, double probability, double threshold, Double spread, double band,
            double maxSpread) {
        List<String> reasons = new ArrayList<>();
        if (poorQuality) {
            reasons.add(QUALITY);
        }
        if (Math.abs(probability - threshold) <= band) {
            reasons.add(NEAR_THRESHOLD);
        }
        if (spread != null && spread > maxSpread) {
            reasons.add(MEMBERS_DISAGREE);
        }
        return new Review(!reasons.isEmpty(), List.copyOf(reasons), band, maxSpread);
    }
}
