package ai.skinlesion.config;

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

    interface Model {
        /** The model version directory: model.onnx with model.json beside it. */
        @WithDefault("models/efficientnetb4-demo/1")
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
    }
}
