package ai.skinlesion.config;

import java.time.Duration;
import java.util.Optional;

import ai.skinlesion.inference.GraphFile;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Every setting of the service, in one place, checked at start-up. Each can be set in
 * application.properties or as an environment variable (melanoma.model.dir = MELANOMA_MODEL_DIR).
 */
@ConfigMapping(prefix = "melanoma")
public interface ServiceConfig {

    Model model();

    Limits limits();

    Security security();

    Quality quality();

    Review review();

    Ensemble ensemble();

    /**
     * When an answer says {@code requiresReview}: the user is told to have a doctor look at the lesion rather than trust
     * the probability (docs/DESIGN.md "Review advice").
     */
    interface Review {
        /** A probability within this distance of the threshold (either side, on the threshold's scale) needs review. */
        @WithDefault("0.1")
        double band();

        /** An ensemble whose members' probabilities differ by more than this (max − min) needs review. */
        @WithName("max-spread")
        @WithDefault("0.3")
        double maxSpread();
    }

    /** How an ensemble (model.json with members) is run. */
    interface Ensemble {
        /**
         * {@code full}: every member, with the test-time augmentation model.json asks for; {@code adaptive}: the
         * cheapest member alone, without augmentation, and everything else only when its probability falls within
         * {@link #adaptiveBand()} of the threshold.
         */
        @WithDefault("full")
        EnsembleMode mode();

        /** In adaptive mode, the distance to the threshold within which the cheap answer is escalated to the full one. */
        @WithName("adaptive-band")
        @WithDefault("0.2")
        double adaptiveBand();
    }

    /** See {@link Ensemble#mode()}. */
    enum EnsembleMode {
        FULL, ADAPTIVE
    }

    interface Model {
        /**
         * The model version directory: model.onnx with model.json beside it. The default is the trained
         * EfficientNetB0 (models/melanoma-b0/1/MODEL_CARD.md); the tests pin the untrained B4 demo, whose
         * fixtures they hold.
         */
        @WithDefault("models/melanoma-b0/1")
        String dir();

        /** Intra-op threads for ONNX Runtime; 0 lets it use one per core. */
        @WithName("intra-op-threads")
        @WithDefault("0")
        int intraOpThreads();

        /**
         * Whether ONNX Runtime's worker threads spin while waiting for work. Spinning lowers latency by a
         * few ms but burns CPU that Lambda bills; off by default.
         */
        @WithName("allow-spinning")
        @WithDefault("false")
        boolean allowSpinning();

        /**
         * ONNX Runtime's memory pattern (one pre-planned block for all intermediate tensors). Off by default:
         * measured the same speed and about 50 MB less resident memory (docs/BENCHMARKS.md).
         */
        @WithName("memory-pattern")
        @WithDefault("false")
        boolean memoryPattern();

        /**
         * Which ONNX file to open: {@code auto} takes the first runtime graph of model.json (pre-optimised by
         * model-export) that this CPU can run, else model.onnx; a file name opens only that one.
         */
        @WithDefault("auto")
        String graph();

        /**
         * How the opened files are checked against model.json before the first answer: {@code checksum} (every byte's
         * CRC-32, beside the session's creation), {@code sampled} (size and a sample hash, under a millisecond, blind
         * to damage between the samples) or {@code full} (the whole sha256).
         */
        @WithDefault("checksum")
        GraphFile.Integrity integrity();

        /**
         * What runs before the service reports ready: {@code decoding} decodes and preprocesses a bundled photo
         * while the session is being created (on a second thread: the first request then pays no class loading
         * or lazy set-up there); {@code full} also runs the model on it once; {@code none} nothing.
         */
        @WithName("warm-up")
        @WithDefault("decoding")
        WarmUp warmUp();
    }

    /** See {@link Model#warmUp()}. */
    enum WarmUp {
        NONE, DECODING, FULL
    }

    interface Limits {
        /** Largest image accepted, in bytes (API Gateway itself stops at 10 MB, Lambda at 6 MB per event). */
        @WithName("max-image-bytes")
        @WithDefault("10485760")
        int maxImageBytes();

        /** Largest image accepted, in pixels, read from the header before any pixel is decoded. */
        @WithName("max-pixels")
        @WithDefault("50000000")
        long maxPixels();

        /** Smallest accepted side, in pixels: smaller images carry too little of the lesion to classify. */
        @WithName("min-side")
        @WithDefault("64")
        int minSide();

        /**
         * Time a request may spend on its photo, from reaching the service to the model's input being ready:
         * checked while the image is read and between stages. Past it the answer is 422 too-slow. Inference,
         * a fixed cost of a fraction of a second, runs to its end. ISO-8601 or "10s", "500ms".
         */
        @WithName("request-timeout")
        @WithDefault("10s")
        Duration requestTimeout();

        /** Photos decoded and preprocessed at the same time; the memory that decoding takes grows with it. */
        @WithName("max-concurrent-decodes")
        @WithDefault("2")
        int maxConcurrentDecodes();

        /** Photos that may wait for a decoding place; one more is answered 429 with Retry-After. */
        @WithName("max-queued-decodes")
        @WithDefault("32")
        int maxQueuedDecodes();
    }

    /**
     * The image-quality check run on every photo (ai.skinlesion.quality.QualityCheck). Thresholds apply to the
     * model's input square; a model's spec may override each (model.json "quality"). Defaults calibrated on the
     * real dermoscopy test photos against blurred, darkened and brightened copies (docs/DESIGN.md).
     */
    interface Quality {
        /** Refuse (422 poor-quality) a photo with a quality problem instead of classifying it. */
        @WithDefault("false")
        boolean refuse();

        /** Variance of the luminance Laplacian below which a photo is blurry. */
        @WithName("min-sharpness")
        @WithDefault("2.3")
        double minSharpness();

        /** Mean luminance (0..255) below which a photo is too dark. */
        @WithName("min-brightness")
        @WithDefault("50")
        double minBrightness();

        /** Mean luminance (0..255) above which a photo is too bright. */
        @WithName("max-brightness")
        @WithDefault("200")
        double maxBrightness();

        /** Share of pixels at luminance 10 or less above which a photo is too dark. */
        @WithName("max-dark-share")
        @WithDefault("0.25")
        double maxDarkShare();

        /** Share of pixels at luminance 245 or more above which a photo is too bright. */
        @WithName("max-bright-share")
        @WithDefault("0.05")
        double maxBrightShare();

        /** Standard deviation of the luminance over its mean below which the square is uniform (no lesion in view). */
        @WithName("min-contrast")
        @WithDefault("0.03")
        double minContrast();
    }

    interface Security {
        /**
         * For HTTP and container deployments: when set, every request to /v1/* must carry this key in the
         * X-API-Key header, or gets 401. On Lambda, API Gateway's authorizer does this (template.yaml).
         */
        @WithName("api-key")
        Optional<String> apiKey();
    }
}
