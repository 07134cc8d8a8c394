package ai.skinlesion.inference;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/** How ONNX Runtime runs the graph: threads and spinning. One request is one image, so no inter-op parallelism. */
public record SessionSettings(int intraOpThreads, boolean allowSpinning) {

    OrtSession.SessionOptions toOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setInterOpNumThreads(1);
        if (intraOpThreads > 0) {
            options.setIntraOpNumThreads(intraOpThreads);
        }
        options.addConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
        // ONNX Runtime warns about harmless graph clean-ups on every start; errors still show.
        options.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        return options;
    }
}
