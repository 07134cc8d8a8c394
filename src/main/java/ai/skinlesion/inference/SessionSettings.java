package ai.skinlesion.inference;

import ai.skinlesion.modelspec.InvalidModelException;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * How ONNX Runtime runs the graph: threads, spinning and memory planning. One request is one image, so no
 * inter-op parallelism.
 *
 * @param memoryPattern ONNX Runtime's memory pattern: after the first run it plans one block for all
 *        intermediate tensors. Off, the tensors come from the (still enabled) CPU arena one by one: the same
 *        speed and the same results here, about 50 MB less resident memory on EfficientNetB4 at 384 px
 *        (docs/BENCHMARKS.md).
 */
public record SessionSettings(int intraOpThreads, boolean allowSpinning, boolean memoryPattern) {

    /** The service's defaults: all cores, no spinning, no memory pattern. */
    public SessionSettings(int intraOpThreads, boolean allowSpinning) {
        this(intraOpThreads, allowSpinning, false);
    }

    /** @param level the optimisation a session applies, as model.json names it (disabled, basic, extended, all) */
    OrtSession.SessionOptions toOptions(String level) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(optLevel(level));
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setInterOpNumThreads(1);
        if (intraOpThreads > 0) {
            options.setIntraOpNumThreads(intraOpThreads);
        }
        options.addConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
        options.setMemoryPatternOptimization(memoryPattern);
        // ONNX Runtime warns about harmless graph clean-ups on every start; errors still show.
        options.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        return options;
    }

    static OrtSession.SessionOptions.OptLevel optLevel(String level) {
        return switch (level) {
            case "disabled" -> OrtSession.SessionOptions.OptLevel.NO_OPT;
            case "basic" -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
            case "extended" -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
            case "all" -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            default -> throw new InvalidModelException("unknown ONNX Runtime optimisation level " + level);
        };
    }
}
