package ai.skinlesion.classify;

import java.nio.FloatBuffer;
import java.util.Optional;

import ai.onnxruntime.OrtException;
import ai.skinlesion.explain.ClassActivationMap;
import ai.skinlesion.modelspec.ModelSpec;
import ai.skinlesion.inference.ModelVersion;
import ai.skinlesion.inference.OnnxClassifier;
import ai.skinlesion.metadata.MetadataEncoding;
import ai.skinlesion.preprocess.Preprocessor;

/**
 * One model of what is served, ready to run: its own preprocessing (size, crop, resize choice), its session, its
 * input buffers and, when it takes patient metadata, its encoding. A single model is the one member of weight 1.
 */
final class EnsembleMember implements AutoCloseable {

    final String name;
    final double weight;
    final Double medianMs;
    final ModelSpec spec;
    final Preprocessor preprocessor;
    final OnnxClassifier onnx;
    final Optional<MetadataEncoding> metadata;
    private final TensorBuffers single;
    private final TensorBuffers views;

    EnsembleMember(ModelVersion.MemberDirectory dir, OnnxClassifier onnx) {
        this.name = dir.name();
        this.weight = dir.weight();
        this.medianMs = dir.medianMs();
        this.spec = dir.model().spec();
        this.preprocessor = new Preprocessor(spec.input());
        this.onnx = onnx;
        this.metadata = spec.extraInputs().isEmpty() ? Optional.empty()
                : Optional.of(new MetadataEncoding(spec.extraInputs().get(0)));
        this.single = new TensorBuffers(preprocessor.tensorSize());
        this.views = new TensorBuffers(preprocessor.tensorSize() * Dihedral.VIEWS);
    }

    /**
     * @param probability the member's own, the mean over the views under test-time augmentation
     * @param map         its class activation map over its input square (views brought back and averaged); null
     *                    unless asked for
     */
    record Answer(double probability, ClassActivationMap map, double inferenceMs) {
    }

    /**
     * Runs the model on its input square ({@link Preprocessor#resized}).
     *
     * @param dihedral8 all 8 dihedral views as one batch, averaged
     * @param encoded   the metadata vector when the member takes metadata, else null
     */
    Answer run(float[] resized, boolean dihedral8, float[] encoded, boolean withMap) {
        int batch = dihedral8 ? Dihedral.VIEWS : 1;
        TensorBuffers pool = dihedral8 ? views : single;
        FloatBuffer input = pool.take();
        try {
            int size = preprocessor.tensorSize();
            for (int k = 0; k < batch; k++) {
                input.limit((k + 1) * size).position(k * size);
                preprocessor.normalize(Dihedral.view(resized, preprocessor.width(), k), input.slice());
                input.limit(input.capacity());
            }
            long start = System.nanoTime();
            OnnxClassifier.Output out;
            try {
                out = onnx.run(input, batch, encoded, withMap);
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed on a preprocessed image (" + name + "): "
                        + e.getMessage(), e);
            }
            double ms = (System.nanoTime() - start) / 1e6;
            double sum = 0;
            for (float p : out.probabilities()) {
                sum += p;
            }
            return new Answer(sum / batch, withMap ? averageMap(out.maps()) : null, ms);
        } finally {
            pool.give(input);
        }
    }

    private static ClassActivationMap averageMap(ClassActivationMap[] maps) {
        if (maps.length == 1) {
            return maps[0];
        }
        ClassActivationMap first = maps[0];
        float[] sum = new float[first.values().length];
        for (int k = 0; k < maps.length; k++) {
            float[] v = Dihedral.unview(maps[k], k).values();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += v[i] / maps.length;
            }
        }
        return new ClassActivationMap(sum, first.rows(), first.columns());
    }

    /** Square inputs only can be rotated. */
    boolean canRunDihedral8() {
        return preprocessor.height() == preprocessor.width();
    }

    @Override
    public void close() throws OrtException {
        onnx.close();
    }
}
