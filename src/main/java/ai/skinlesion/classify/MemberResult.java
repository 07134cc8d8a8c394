package ai.skinlesion.classify;

/**
 * One member's part in an ensemble's answer.
 *
 * @param probability its own probability (the mean over its views under test-time augmentation); null when it did
 *        not run (adaptive mode answered without it)
 */
public record MemberResult(String name, double weight, Double probability, boolean ran) {
}
