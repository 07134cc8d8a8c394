package ai.skinlesion.quality;

import java.util.ArrayList;
import java.util.List;

/**
 * A cheap check of the photo before it is classified, on the model's input square (the uint8 pixels
 * preprocessing made, before normalisation): what the model sees, at a size that does not depend on the photo's,
 * so that figures from a 1 MP and a 12 MP photo compare; and no pass over the full-size crop is added.
 *
 * <ul>
 * <li>sharpness: variance of the 4-neighbour Laplacian of the luminance (Pech-Pacheco et al. 2000), interior
 * pixels;</li>
 * <li>exposure: mean luminance, and the shares of pixels clipped dark (≤ 10) or bright (≥ 245);</li>
 * <li>contrast: standard deviation of the luminance over its mean (coefficient of variation); a square with
 * almost none has no lesion in view.</li>
 * </ul>
 * Luminance is Rec. 601 luma (0.299 R + 0.587 G + 0.114 B), as JPEG stores it.
 */
public final class QualityCheck {

    static final int DARK_LEVEL = 10;
    static final int BRIGHT_LEVEL = 245;

    private final QualityThresholds thresholds;

    public QualityCheck(QualityThresholds thresholds) {
        this.thresholds = thresholds;
    }

    public QualityThresholds thresholds() {
        return thresholds;
    }

    /** @param hwc height × width × 3 pixels, 0..255, row by row */
    public QualityReport assess(float[] hwc, int height, int width) {
        int n = height * width;
        double[] luma = new double[n];
        double sum = 0;
        int dark = 0;
        int bright = 0;
        for (int p = 0; p < n; p++) {
            double y = 0.299 * hwc[p * 3] + 0.587 * hwc[p * 3 + 1] + 0.114 * hwc[p * 3 + 2];
            luma[p] = y;
            sum += y;
            if (y <= DARK_LEVEL) {
                dark++;
            } else if (y >= BRIGHT_LEVEL) {
                bright++;
            }
        }
        double mean = sum / n;
        double squares = 0;
        for (double y : luma) {
            squares += (y - mean) * (y - mean);
        }
        // relative to the mean, so that under- or overexposure, which scales the spread with the level, is not mistaken
        // for an empty view; a black square has none
        double contrast = mean < 1 ? 0 : Math.sqrt(squares / n) / mean;
        double sharpness = laplacianVariance(luma, height, width);
        double darkShare = (double) dark / n;
        double brightShare = (double) bright / n;

        List<QualityProblem> problems = new ArrayList<>();
        boolean uniform = contrast < thresholds.minContrast();
        // Without structure there is nothing to be sharp: a uniform square is reported as that, not as blurred.
        if (!uniform && sharpness < thresholds.minSharpness()) {
            problems.add(QualityProblem.BLURRY);
        }
        if (mean < thresholds.minBrightness() || darkShare > thresholds.maxDarkShare()) {
            problems.add(QualityProblem.TOO_DARK);
        }
        if (mean > thresholds.maxBrightness() || brightShare > thresholds.maxBrightShare()) {
            problems.add(QualityProblem.TOO_BRIGHT);
        }
        if (uniform) {
            problems.add(QualityProblem.UNIFORM);
        }
        return new QualityReport(problems, sharpness, mean, darkShare, brightShare, contrast);
    }

    private static double laplacianVariance(double[] luma, int height, int width) {
        if (height < 3 || width < 3) {
            return 0;
        }
        double sum = 0;
        double squares = 0;
        int count = 0;
        for (int y = 1; y < height - 1; y++) {
            int row = y * width;
            for (int x = 1; x < width - 1; x++) {
                int p = row + x;
                double l = luma[p - width] + luma[p + width] + luma[p - 1] + luma[p + 1] - 4 * luma[p];
                sum += l;
                squares += l * l;
                count++;
            }
        }
        double mean = sum / count;
        return Math.max(0, squares / count - mean * mean);
    }
}
