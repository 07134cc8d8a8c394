package ai.skinlesion.api;

/** Example bodies for the OpenAPI document. */
final class Examples {

    private Examples() {
    }

    /**
     * A 4032 x 3024 photo as displayed (EXIF orientation applied) and the default model's centre crop of 1.0: a side
     * of 3024, at ((4032 - 3024) / 2, 0) = (504, 0); CenterCrop computes it. Its threshold: 90 % sensitivity.
     */
    static final String PREDICTION = """
            {
              "malignantProbability": 0.0734,
              "calibrated": false,
              "label": "benign",
              "threshold": 0.38932929933071136,
              "model": {"name": "melanoma-b0", "version": "1", "sha256": "c4bf...", "trained": true},
              "image": {"format": "image/jpeg", "width": 4032, "height": 3024, "exifOrientation": 6,
                        "crop": {"left": 504, "top": 0, "size": 3024}},
              "timingsMs": {"decode": 41.2, "preprocess": 14.9, "inference": 9.1, "total": 65.2},
              "disclaimer": "Not a diagnosis: ...",
              "warning": null,
              "quality": {"problems": [], "advice": [], "sharpness": 31.6, "brightness": 120.4, "darkShare": 0.0,
                          "brightShare": 0.0, "contrast": 0.21},
              "requiresReview": false,
              "review": {"reasons": [], "band": 0.1, "maxSpread": 0.3}
            }""";

    /** An ensemble of two folds with test-time augmentation, given patient metadata. */
    static final String ENSEMBLE_PREDICTION = """
            {
              "malignantProbability": 0.4412,
              "calibrated": false,
              "label": "benign",
              "threshold": 0.5,
              "model": {"name": "b4-b3-folds", "version": "1", "sha256": "51d0...", "trained": true},
              "image": {"format": "image/jpeg", "width": 4032, "height": 3024, "exifOrientation": 6,
                        "crop": {"left": 1260, "top": 756, "size": 1512}},
              "timingsMs": {"decode": 40.8, "preprocess": 22.5, "inference": 1630.2, "total": 1694.1},
              "disclaimer": "Not a diagnosis: ...",
              "quality": {"problems": [], "advice": [], "sharpness": 31.6, "brightness": 120.4, "darkShare": 0.0,
                          "brightShare": 0.0, "contrast": 0.21},
              "requiresReview": true,
              "review": {"reasons": ["near-threshold", "members-disagree"], "band": 0.1, "maxSpread": 0.3},
              "members": [{"name": "b4-384-fold0", "probability": 0.2901, "weight": 1.0, "ran": true},
                          {"name": "b3-256-fold1", "probability": 0.5923, "weight": 1.0, "ran": true}],
              "spread": 0.3022,
              "combination": {"tta": "dihedral8", "mode": "full", "escalated": true},
              "metadata": {"used": true, "sex": "female", "age": 55, "site": "torso", "missing": [],
                           "note": "Given to b4-384-fold0, b3-256-fold1; fields not sent were encoded as missing."}
            }""";

    static final String INVALID_METADATA = """
            {"type": "urn:problem-type:melanoma:invalid-metadata", "title": "The patient metadata cannot be used",
             "status": 422,
             "detail": "\\"site\\" must be one of [head/neck, upper extremity, lower extremity, torso, palms/soles, oral/genital], not \\"back\\" (leave it out when it is not known).",
             "field": "site",
             "allowed": ["head/neck", "upper extremity", "lower extremity", "torso", "palms/soles", "oral/genital"]}""";

    static final String QUALITY = """
            {
              "quality": {"problems": ["blurry"], "advice": ["The photo is blurred: hold the camera still, ..."],
                          "sharpness": 1.2, "brightness": 121.2, "darkShare": 0.0, "brightShare": 0.0, "contrast": 0.41},
              "image": {"format": "image/jpeg", "width": 1022, "height": 767, "exifOrientation": 1,
                        "crop": {"left": 320, "top": 192, "size": 384}},
              "timingsMs": {"decode": 9.1, "preprocess": 4.2, "total": 13.5}
            }""";

    static final String POOR_QUALITY = """
            {"type": "urn:problem-type:melanoma:poor-quality", "title": "The photo is not good enough to classify",
             "status": 422, "detail": "The photo is not good enough to classify (too-dark). The photo is too dark: ...",
             "problems": ["too-dark"], "advice": ["The photo is too dark: ..."],
             "quality": {"sharpness": 0.4, "brightness": 19.0, "darkShare": 0.31, "brightShare": 0.0, "contrast": 0.33}}""";

    static final String TOO_MANY_BYTES = """
            {"type": "urn:problem-type:melanoma:too-many-bytes", "title": "The image is too large", "status": 413,
             "detail": "The request body is 12582912 bytes; the limit is 10485760. ...", "maxBytes": 10485760}""";

    static final String HEIC = """
            {"type": "urn:problem-type:melanoma:unsupported-image-format", "title": "This image format is not supported",
             "status": 415, "detail": "This is a HEIF image (image/heic); this service reads JPEG (image/jpeg) and PNG (image/png). ...",
             "supported": "JPEG (image/jpeg) and PNG (image/png)", "received": "image/heic"}""";

    static final String TOO_MANY_PIXELS = """
            {"type": "urn:problem-type:melanoma:too-many-pixels", "title": "The image has too many pixels", "status": 422,
             "detail": "The image is 65535 x 65535 = 4294836225 pixels; the limit is 50000000. ...",
             "width": 65535, "height": 65535, "maxPixels": 50000000}""";
}
