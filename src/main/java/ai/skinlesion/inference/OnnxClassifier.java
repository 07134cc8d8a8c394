package ai.skinlesion.inference;

import java.nio.FloatBuffer;
import java.util.Map;

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

    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelSpec spec;
    private final long[] singleImageShape;

    private OnnxClassifier(OrtEnvironment env, OrtSession session, ModelSpec spec) {
        this.env = env;
        this.session = session;
        this.spec = spec;
        ModelSpec.Input in = spec.input();
        this.singleImageShape = "NHWC".equals(in.layout())
                ? new long[] { 1, in.height(), in.width(), in.channels() }
                : new long[] { 1, in.channels(), in.height(), in.width() };
    }

    public static OnnxClassifier open(ModelDirectory model, SessionSettings settings) {
        OrtNativeLibrary.preferBesideExecutable();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = settings.toOptions()) {
            OrtSession session = env.createSession(model.modelFile().toString(), options);
            OnnxClassifier classifier = new OnnxClassifier(env, session, model.spec());
            classifier.checkGraphMatchesSpec();
            return classifier;
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime cannot load " + model.modelFile() + ": " + e.getMessage(), e);
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

    public ModelSpec spec() {
        return spec;
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
