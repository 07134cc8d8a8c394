package ai.skinlesion.inference;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.skinlesion.explain.ClassActivationMap;

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
    private final Set<String> probabilityOnly;
    /** The class activation map's output, when the spec declares one and the opened graph has it. */
    private final Optional<ModelSpec.ExtraOutput> cam;
    private final AtomicLong runs = new AtomicLong();

    private OnnxClassifier(OrtEnvironment env, OrtSession session, ModelSpec spec, GraphFile graph)
            throws OrtException {
        this.env = env;
        this.session = session;
        this.spec = spec;
        this.graph = graph;
        this.probabilityOnly = Set.of(spec.output().name());
        Optional<ModelSpec.ExtraOutput> declared = spec.extraOutput(ModelSpec.CLASS_ACTIVATION_MAP);
        if (declared.isPresent() && !session.getOutputInfo().containsKey(declared.get().name())) {
            // e.g. runtime graphs made before the map was added to model.onnx: the probability is the same
            LOG.warnf("model.json declares the class activation map \"%s\" but %s has no such output; heatmaps are"
                    + " unavailable with it", declared.get().name(), graph.name());
            declared = Optional.empty();
        }
        this.cam = declared;
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
     * without a copy. Only the probability is requested: ONNX Runtime then skips the nodes that only other
     * outputs (the class activation map) need.
     */
    public float predict(FloatBuffer image) throws OrtException {
        return run(image, false).probability();
    }

    /** The probability and the class activation map from one run; see {@link #hasClassActivationMap()}. */
    public Output predictWithMap(FloatBuffer image) throws OrtException {
        if (cam.isEmpty()) {
            throw new IllegalStateException("the graph " + graph.name() + " has no class activation map");
        }
        return run(image, true);
    }

    /** Whether {@link #predictWithMap} can be called: the spec declares the map and the opened graph has it. */
    public boolean hasClassActivationMap() {
        return cam.isPresent();
    }

    /** Sessions run so far (each photo classified, and a full warm-up): lets tests prove a path runs none. */
    public long runs() {
        return runs.get();
    }

    /** @param map the class activation map, null when not requested */
    public record Output(float probability, ClassActivationMap map) {
    }

    private Output run(FloatBuffer image, boolean withMap) throws OrtException {
        image.rewind();
        Set<String> wanted = withMap ? Set.of(spec.output().name(), cam.get().name()) : probabilityOnly;
        runs.incrementAndGet();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, image, singleImageShape);
                OrtSession.Result result = session.run(Map.of(spec.input().name(), tensor), wanted)) {
            OnnxTensor output = (OnnxTensor) result.get(spec.output().name()).orElseThrow();
            float probability = output.getFloatBuffer().get(0);
            if (!withMap) {
                return new Output(probability, null);
            }
            OnnxTensor map = (OnnxTensor) result.get(cam.get().name()).orElseThrow();
            long[] shape = map.getInfo().getShape();
            if (shape.length != 3 || shape[0] != 1) {
                throw new InvalidModelException("the class activation map has shape " + java.util.Arrays.toString(shape)
                        + ", not [1, rows, columns]");
            }
            FloatBuffer values = map.getFloatBuffer();
            float[] copy = new float[values.remaining()];
            values.get(copy);
            return new Output(probability, new ClassActivationMap(copy, (int) shape[1], (int) shape[2]));
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
