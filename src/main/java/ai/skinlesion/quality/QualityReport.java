package ai.skinlesion.quality;

import java.util.List;

/**
 * The quality check's verdict on one photo: the problems found (empty when none) and the figures they were
 * judged on, all measured on the model's input square.
 */
public record QualityReport(List<QualityProblem> problems, double sharpness, double brightness, double darkShare,
        double brightShare, double contrast) {

    public QualityReport {
        problems = List.copyOf(problems);
    }

    public boolean acceptable() {
        return problems.isEmpty();
    }
}
