package ai.skinlesion.quality;

/** What can be wrong with a photo, by the names the API uses, and what to do about it. */
public enum QualityProblem {
    BLURRY("blurry", "The photo is blurred: hold the camera still, let it focus on the lesion (tap the lesion on the"
            + " screen) and take it again."),
    TOO_DARK("too-dark", "The photo is too dark: take it in daylight or with more light on the skin, without your"
            + " shadow on the lesion."),
    TOO_BRIGHT("too-bright", "The photo is overexposed: avoid direct flash or sunlight on the skin and take it"
            + " again."),
    UNIFORM("uniform", "The middle of the photo is nearly uniform: put the lesion in the centre, filling about half"
            + " of the frame, and take it again.");

    private final String id;
    private final String advice;

    QualityProblem(String id, String advice) {
        this.id = id;
        this.advice = advice;
    }

    /** The name in answers: blurry, too-dark, too-bright, uniform. */
    public String id() {
        return id;
    }

    /** How to retake the photo, for the person holding the camera. */
    public String advice() {
        return advice;
    }
}
