package ai.skinlesion.inference;

import ai.skinlesion.modelspec.InvalidModelException;
import ai.skinlesion.modelspec.ModelSpec;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
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
            graph.checkSizes();
            // The whole-file check reads what the session maps anyway: beside it, on the second vCPU, it costs the
            // cold start little; nothing is answered before it has passed.
            FutureTask<Void> verified = new FutureTask<>(() -> graph.verify(integrity), null);
            Thread verifier = new Thread(verified, "model-verify");
            verifier.setDaemon(true);
            verifier.start();
            boolean last = i == graphs.size() - 1;
            try (OrtSession.SessionOptions options = settings.toOptions(graph.openWith())) {
                OrtSession session;
                try {
                    session = env.createSession(graph.path().toString(), options);
                } catch (OrtException e) {
                    awaitVerified(verified); // a file that is not model.json's stops start-up, whatever ORT says
                    throw e;
                }
                OnnxClassifier classifier = new OnnxClassifier(env, session, model.spec(), graph);
                try {
                    awaitVerified(verified);
                    classifier.checkGraphMatchesSpec();
                } catch (InvalidModelException e) {
                    session.close();
                    throw e;
                }
                return classifier;
            } catch (CorruptModelException e) {
                // the verifier's own exception: operators (and the Lambda init error's errorType) see one type for
                // every model that cannot be used
                throw (InvalidModelException) e.getCause();
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

    private static void awaitVerified(FutureTask<Void> verified) {
        try {
            verified.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InvalidModelException invalid) {
                throw new CorruptModelException(invalid.getMessage(), invalid);
            }
            throw new IllegalStateException("checking the model file failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the model file", e);
        }
    }

    /** The file is not the one model.json describes: never worth trying another graph of the same directory. */
    static final class CorruptModelException extends InvalidModelException {
        CorruptModelException(String message, InvalidModelException cause) {
            super(message, cause);
        }
    }

    /** The graph's named input and output must be the ones the spec describes, with the spec's image size. */
    private void checkGraphMatchesSpec() throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        NodeInfo input = inputs.get(spec.input().name());
        if (input == null) {
            throw new InvalidModelException("the graph has no input named \"" + spec.input().name() + "\"; it has "
                    + inputs.keySet());
        }
        java.util.Set<String> fed = new java.util.TreeSet<>();
        fed.add(spec.input().name());
        for (ModelSpec.ExtraInput extra : spec.extraInputs()) {
            fed.add(extra.name());
            NodeInfo info = inputs.get(extra.name());
            if (info == null) {
                throw new InvalidModelException("model.json declares the input \"" + extra.name()
                        + "\" but the graph has only " + inputs.keySet());
            }
            long[] extraShape = ((TensorInfo) info.getInfo()).getShape();
            if (extraShape.length != 2 || (extraShape[1] > 0 && extraShape[1] != extra.shape().get(1))) {
                throw new InvalidModelException("the graph's input \"" + extra.name() + "\" has shape "
                        + java.util.Arrays.toString(extraShape) + ", not the spec's " + extra.shape());
            }
        }
        if (!inputs.keySet().equals(fed)) {
            throw new InvalidModelException("the graph has inputs " + inputs.keySet()
                    + " but this service feeds only " + fed + " (as model.json declares them)");
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
        return run(image, 1, null, false).probabilities()[0];
    }

    /** Whether {@link #run} can return the map: the spec declares it and the opened graph has it. */
    public boolean hasClassActivationMap() {
        return cam.isPresent();
    }

    /** Whether the graph takes patient metadata beside the image (model.json {@code extraInputs}). */
    public boolean takesMetadata() {
        return !spec.extraInputs().isEmpty();
    }

    /** Sessions run so far (each photo classified, and a full warm-up): lets tests prove a path runs none. */
    public long runs() {
        return runs.get();
    }

    /**
     * @param probabilities one per image of the batch
     * @param maps          the class activation map of each image; null when not requested
     */
    public record Output(float[] probabilities, ClassActivationMap[] maps) {

        public float probability() {
            return probabilities[0];
        }

        public ClassActivationMap map() {
            return maps == null ? null : maps[0];
        }
    }

    /**
     * Runs the graph once on {@code batch} images laid out one after the other in {@code images} (test-time
     * augmentation's views go as one batch).
     *
     * @param metadata the encoded patient metadata, given to each image of the batch; null when the model takes none
     */
    public Output run(FloatBuffer images, int batch, float[] metadata, boolean withMap) throws OrtException {
        if (withMap && cam.isEmpty()) {
            throw new IllegalStateException("the graph " + graph.name() + " has no class activation map");
        }
        if (takesMetadata() != (metadata != null)) {
            throw new IllegalStateException(takesMetadata() ? "this graph needs its metadata input"
                    : "this graph takes no metadata");
        }
        images.rewind();
        Set<String> wanted = withMap ? Set.of(spec.output().name(), cam.get().name()) : probabilityOnly;
        long[] shape = singleImageShape.clone();
        shape[0] = batch;
        runs.incrementAndGet();
        OnnxTensor extra = null;
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, images, shape)) {
            Map<String, OnnxTensor> feed = new java.util.HashMap<>();
            feed.put(spec.input().name(), tensor);
            if (metadata != null) {
                FloatBuffer rows = FloatBuffer.allocate(batch * metadata.length);
                for (int i = 0; i < batch; i++) {
                    rows.put(metadata);
                }
                rows.rewind();
                extra = OnnxTensor.createTensor(env, rows, new long[] { batch, metadata.length });
                feed.put(spec.extraInputs().get(0).name(), extra);
            }
            try (OrtSession.Result result = session.run(feed, wanted)) {
                OnnxTensor output = (OnnxTensor) result.get(spec.output().name()).orElseThrow();
                FloatBuffer values = output.getFloatBuffer();
                if (values.remaining() != batch) {
                    throw new InvalidModelException("the graph answered " + values.remaining() + " probabilities for "
                            + batch + " images");
                }
                float[] probabilities = new float[batch];
                values.get(probabilities);
                return new Output(probabilities, withMap ? maps((OnnxTensor) result.get(cam.get().name()).orElseThrow(),
                        batch) : null);
            }
        } finally {
            if (extra != null) {
                extra.close();
            }
        }
    }

    private static ClassActivationMap[] maps(OnnxTensor map, int batch) throws OrtException {
        long[] shape = map.getInfo().getShape();
        if (shape.length != 3 || shape[0] != batch) {
            throw new InvalidModelException("the class activation map has shape " + java.util.Arrays.toString(shape)
                    + ", not [" + batch + ", rows, columns]");
        }
        int rows = (int) shape[1];
        int columns = (int) shape[2];
        FloatBuffer values = map.getFloatBuffer();
        ClassActivationMap[] maps = new ClassActivationMap[batch];
        for (int i = 0; i < batch; i++) {
            float[] copy = new float[rows * columns];
            values.get(copy);
            maps[i] = new ClassActivationMap(copy, rows, columns);
        }
        return maps;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
