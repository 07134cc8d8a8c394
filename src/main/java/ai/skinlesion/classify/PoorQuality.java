package ai.skinlesion.classify;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.quality.QualityProblem;
import ai.skinlesion.quality.QualityReport;

/** The refusal of a photo that fails the quality check, when melanoma.quality.refuse is on. */
final class PoorQuality {

    private PoorQuality() {
    }

    static RejectedInputException of(QualityReport report) {
        List<String> names = report.problems().stream().map(QualityProblem::id).toList();
        List<String> advice = report.problems().stream().map(QualityProblem::advice).toList();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("sharpness", report.sharpness());
        figures.put("brightness", report.brightness());
        figures.put("darkShare", report.darkShare());
        figures.put("brightShare", report.brightShare());
        figures.put("contrast", report.contrast());
        Map<String, Object> extensions = new LinkedHashMap<>();
        extensions.put("problems", names);
        extensions.put("advice", advice);
        extensions.put("quality", figures);
        return new RejectedInputException(Rejection.POOR_QUALITY,
                "The photo is not good enough to classify (" + String.join(", ", names) + "). "
                        + String.join(" ", advice),
                extensions);
    }
}
