package ai.skinlesion.preprocess;

import ai.skinlesion.decode.Region;

/**
 * The square the model sees: {@code fraction} of the shorter side, centred. Training cut 50% of the
 * shorter side at 384 px because dermoscopy photos put the lesion in the middle.
 */
public record CenterCrop(double fraction) {

    public CenterCrop {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("crop fraction must lie in (0, 1], not " + fraction);
        }
    }

    /** Side s = floor(fraction · min(w, h) + 0.5), as model-export's reference does; top-left at ((w − s) / 2, (h − s) / 2). */
    public Region regionOf(int width, int height) {
        int side = Math.max(1, (int) Math.floor(fraction * Math.min(width, height) + 0.5));
        return new Region((width - side) / 2, (height - side) / 2, side, side);
    }
}
