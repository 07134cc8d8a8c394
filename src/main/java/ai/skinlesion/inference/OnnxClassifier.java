package ai.skinlesion.inference;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * One ONNX Runtime session for the whole process. {@link OrtSession#run} is thread-safe, so concurrent
 * requests share it; each request brings its own input buffer.
 */
public final class OnnxClassifier implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OnnxClassifier.class);

    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelSpec spec;
    private final GraphFile graph;
    private final long[] singleImageShape;

    private OnnxClassifier(OrtEnvironment env, OrtSession session, ModelSpec spec, GraphFile graph) {
        this.env = env;
        this.session = session;
        this.spec = spec;
        this.graph = graph;
        ModelSpec.Input in = spec.input();
        this.singleImageShape = "NHWC".equals(in.layout())
                ? new long[] { 1, in.height(), in.width(), in.channels() }
                : new long[] { 1, in.channels(), in.height(), in.width() };
    }

    /**
     * Loads ONNX Runtime's native library and creates its environment: a third of a cold start's session time,
     * which a caller can start on another thread before it knows which graph to open.
     */
    public static OrtEnvironment loadRuntime() {
        OrtNativeLibrary.preferBesideExecutable();
        return OrtEnvironment.getEnvironment();
    }

    /** Opens the best graph of the directory (full hash of the one opened). */
    public static OnnxClassifier open(ModelDirectory model, SessionSettings settings) {
        return open(model, settings, GraphFile.Integrity.FULL);
    }

    /**
     * Opens the first of the directory's graphs that checks out and that ONNX Runtime accepts. A runtime graph
     * that ONNX Runtime refuses (e.g. one saved by a newer version) is logged and the next one tried; a file
     * that is not the one model.json describes stops start-up, since the deployment itself is broken.
     */
    public static OnnxClassifier open(ModelDirectory model, SessionSettings settings, GraphFile.Integrity integrity) {
        OrtEnvironment env = loadRuntime();
        List<GraphFile> graphs = model.graphs();
        for (int i = 0; i < graphs.size(); i++) {
            GraphFile graph = graphs.get(i);
            graph.verify(integrity);
            boolean last = i == graphs.size() - 1;
            try (OrtSession.SessionOptions options = settings.toOptions(graph.openWith())) {
                OrtSession session = env.createSession(graph.path().toString(), options);
                OnnxClassifier classifier = new OnnxClassifier(env, session, model.spec(), graph);
                try {
                    classifier.checkGraphMatchesSpec();
                } catch (InvalidModelException e) {
                    session.close();
                    throw e;
                }
                return classifier;
            } catch (OrtException | InvalidModelException e) {
                String why = "ONNX Runtime cannot load " + graph.path() + ": " + e.getMessage();
                if (last) {
                    throw e instanceof InvalidModelException ime ? ime : new InvalidModelException(why, e);
                }
                LOG.warnf("%s; trying %s", why, graphs.get(i + 1).name());
            }
        }
        throw new IllegalStateException("a model directory always lists at least one graph");
    }

    /** The graph's named input and output must be the ones the spec describes, with the spec's image size. */
    private void checkGraphMatchesSpec() throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        NodeInfo input = inputs.get(spec.input().name());
        if (input == null) {
            throw new InvalidModelException("the graph has no input named \"" + spec.input().name() + "\"; it has "
                    + inputs.keySet());
        }
        if (inputs.size() != 1) {
            throw new InvalidModelException("the graph has inputs " + inputs.keySet()
                    + " but this service feeds only \"" + spec.input().name() + "\"");
        }
        long[] shape = ((TensorInfo) input.getInfo()).getShape();
        for (int axis = 1; axis < shape.length; axis++) {
            if (shape.length != singleImageShape.length || (shape[axis] > 0 && shape[axis] != singleImageShape[axis])) {
                throw new InvalidModelException("the graph's input shape " + java.util.Arrays.toString(shape)
                        + " does not match the spec's " + java.util.Arrays.toString(singleImageShape));
            }
        }
        if (!session.getOutputInfo().containsKey(spec.output().name())) {
            throw new InvalidModelException("the graph has no output named \"" + spec.output().name() + "\"; it has "
                    + session.getOutputInfo().keySet());
        }
    }

    /** The file this session runs. */
    public GraphFile graph() {
        return graph;
    }

    /** Number of floats one preprocessed image takes. */
    public int inputSize() {
        return (int) (singleImageShape[1] * singleImageShape[2] * singleImageShape[3]);
    }

    /**
     * Runs the graph on one preprocessed image laid out as the spec says. A direct buffer is used in place,
     * without a copy.
     */
    public float predict(FloatBuffer image) throws OrtException {
        image.rewind();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, image, singleImageShape);
                OrtSession.Result result = session.run(Map.of(spec.input().name(), tensor))) {
            OnnxTensor output = (OnnxTensor) result.get(spec.output().name()).orElseThrow();
            return output.getFloatBuffer().get(0);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
