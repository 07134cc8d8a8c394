package ai.skinlesion.classify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.onnxruntime.OrtException;
import ai.skinlesion.Deadline;
import ai.skinlesion.config.ServiceConfig;
import ai.skinlesion.decode.ImageDecoder;
import ai.skinlesion.decode.OpenedImage;
import ai.skinlesion.decode.Region;
import ai.skinlesion.decode.RgbImage;
import ai.skinlesion.inference.ModelDirectory;
import ai.skinlesion.inference.ModelSpec;
import ai.skinlesion.inference.OnnxClassifier;
import ai.skinlesion.inference.SessionSettings;
import ai.skinlesion.preprocess.Preprocessor;
import io.quarkus.runtime.Startup;

/**
 * The path of one photo: decode the region the model sees, preprocess it as training did, run the model,
 * read the answer. The model is loaded, checked and warmed up once, at start-up.
 */
@Startup
@ApplicationScoped
public class LesionClassifier {

    private static final Logger LOG = Logger.getLogger(LesionClassifier.class);
    private static final String WARM_UP_IMAGE = "/warmup/lesion-like.jpg";

    private final ModelDirectory model;
    private final OnnxClassifier onnx;
    private final ImageDecoder decoder;
    private final Preprocessor preprocessor;
    private final TensorBuffers buffers;
    private final DecodeGate gate;
    private volatile boolean warmedUp;

    public LesionClassifier(ServiceConfig config, ObjectMapper json) {
        long start = System.nanoTime();
        this.model = ModelDirectory.load(Path.of(config.model().dir()), json);
        long loaded = System.nanoTime();
        this.onnx = OnnxClassifier.open(model,
                new SessionSettings(config.model().intraOpThreads(), config.model().allowSpinning(),
                        config.model().memoryPattern()));
        long sessionReady = System.nanoTime();
        this.decoder = new ImageDecoder(config.limits().maxPixels(), config.limits().minSide());
        this.preprocessor = new Preprocessor(model.spec().input());
        this.buffers = new TensorBuffers(preprocessor.tensorSize());
        this.gate = new DecodeGate(config.limits().maxConcurrentDecodes(), config.limits().maxQueuedDecodes());
        warmUp();
        long warm = System.nanoTime();
        ModelSpec spec = model.spec();
        LOG.infof("Model %s %s (trained: %s) ready: spec %.0f ms, ONNX Runtime session %.0f ms, warm-up %.0f ms",
                spec.name(), spec.version(), spec.trained(), ms(loaded - start), ms(sessionReady - loaded),
                ms(warm - sessionReady));
        if (!spec.trained()) {
            LOG.warn("The model is UNTRAINED (a demo): its probabilities mean nothing. Set melanoma.model.dir to a"
                    + " trained model exported by model-export.");
        }
    }

    /** One prediction on a bundled photo, so the first real request pays no lazy initialisation. */
    private void warmUp() {
        try (InputStream in = LesionClassifier.class.getResourceAsStream(WARM_UP_IMAGE)) {
            if (in == null) {
                throw new IllegalStateException(WARM_UP_IMAGE + " is missing from the application");
            }
            classify(in.readAllBytes());
            warmedUp = true;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + WARM_UP_IMAGE, e);
        }
    }

    /** Without a time limit: the warm-up photo, and tests that call the classifier directly. */
    public Prediction classify(byte[] image) {
        return classify(image, Deadline.NONE);
    }

    /**
     * Decodes and preprocesses the photo inside the decode gate (bounded concurrency, because that is where memory
     * grows with the photo) and within the deadline, then runs the model outside the gate.
     */
    public Prediction classify(byte[] image, Deadline deadline) {
        long start = System.nanoTime();
        OpenedImage opened;
        Region crop;
        FloatBuffer tensor = null;
        try {
            long admitted;
            long decoded;
            long preprocessed;
            try (DecodeGate.Slot slot = gate.enter(deadline)) {
                admitted = System.nanoTime();
                RgbImage cropped;
                try (OpenedImage o = decoder.open(image, deadline)) {
                    opened = o;
                    crop = preprocessor.cropOf(o.width(), o.height());
                    cropped = o.read(crop);
                }
                deadline.check("decoding the pixels");
                decoded = System.nanoTime();
                tensor = buffers.take();
                preprocessor.toTensor(cropped, tensor);
                deadline.check("preparing the model's input");
                preprocessed = System.nanoTime();
            }
            float probability = onnx.predict(tensor);
            long inferred = System.nanoTime();
            ModelSpec.Decision decision = model.spec().decision();
            String label = probability >= decision.threshold() ? decision.positiveLabel() : decision.negativeLabel();
            return new Prediction(probability, label, decision.threshold(), opened.format(), opened.width(),
                    opened.height(), opened.orientation().exifValue(), crop,
                    new Timings(ms(decoded - admitted), ms(preprocessed - decoded), ms(inferred - preprocessed),
                            ms(inferred - start)));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a preprocessed image: " + e.getMessage(), e);
        } finally {
            if (tensor != null) {
                buffers.give(tensor);
            }
        }
    }

    public ModelSpec spec() {
        return model.spec();
    }

    /** model.json as written by model-export, every field included. */
    public JsonNode specJson() {
        return model.specJson();
    }

    public boolean ready() {
        return warmedUp;
    }

    @PreDestroy
    void close() throws OrtException {
        onnx.close();
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }
}
