package ai.skinlesion.classify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.onnxruntime.OrtException;
import ai.skinlesion.Deadline;
import ai.skinlesion.config.ConfigRanges;
import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.config.ServiceConfig;
import ai.skinlesion.decode.ImageDecoder;
import ai.skinlesion.decode.ImageFormat;
import ai.skinlesion.decode.OpenedImage;
import ai.skinlesion.decode.Region;
import ai.skinlesion.decode.RgbImage;
import ai.skinlesion.explain.Heatmap;
import ai.skinlesion.explain.Png;
import ai.skinlesion.inference.CpuFeatures;
import ai.skinlesion.inference.GraphFile;
import ai.skinlesion.inference.ModelCard;
import ai.skinlesion.inference.ModelDirectory;
import ai.skinlesion.inference.ModelSpec;
import ai.skinlesion.inference.OnnxClassifier;
import ai.skinlesion.inference.SessionSettings;
import ai.skinlesion.preprocess.Preprocessor;
import ai.skinlesion.quality.QualityCheck;
import ai.skinlesion.quality.QualityReport;
import ai.skinlesion.quality.QualityThresholds;
import io.quarkus.runtime.Startup;

/**
 * The path of one photo: decode the region the model sees, preprocess it as training did, run the model,
 * read the answer. The model is loaded and checked once, at start-up, while a bundled photo warms up the
 * decoding path beside it.
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
    private final Calibration calibration;
    private final Optional<ModelCard> modelCard;
    private final QualityCheck quality;
    private final boolean refusePoorQuality;
    private volatile boolean warmedUp;

    public LesionClassifier(ServiceConfig config, ObjectMapper json) {
        // A start-up failure is said where the operator looks (the Lambda init error), not only in the log.
        try {
            ConfigRanges.check(config);
            long start = System.nanoTime();
            // Lambda's init phase has two vCPUs: ONNX Runtime's library loads on one while this thread reads the
            // spec, and the chosen graph's file is read ahead and a photo decoded on the other.
            FutureTask<?> runtime = inBackground("onnxruntime-load", OnnxClassifier::loadRuntime);
            CpuFeatures cpu = CpuFeatures.detect();
            this.model = ModelDirectory.load(Path.of(config.model().dir()), json, config.model().graph(), cpu);
            this.decoder = new ImageDecoder(config.limits().maxPixels(), config.limits().minSide());
            this.preprocessor = new Preprocessor(model.spec().input());
            this.calibration = Calibration.of(model.spec().calibration());
            this.modelCard = ModelCard.read(model.dir());
            this.buffers = new TensorBuffers(preprocessor.tensorSize());
            this.gate = new DecodeGate(config.limits().maxConcurrentDecodes(), config.limits().maxQueuedDecodes());
            this.quality = new QualityCheck(QualityThresholds.of(config.quality(), model.spec().quality()));
            this.refusePoorQuality = config.quality().refuse();
            ServiceConfig.WarmUp warmUp = config.model().warmUp();
            FutureTask<FloatBuffer> warmUpInput = inBackground("warm-up", () -> {
                model.graphs().get(0).readAhead();
                return warmUp == ServiceConfig.WarmUp.NONE ? null : decodeWarmUpPhoto();
            });
            long loaded = System.nanoTime();
            await(runtime);
            this.onnx = OnnxClassifier.open(model,
                    new SessionSettings(config.model().intraOpThreads(), config.model().allowSpinning(),
                            config.model().memoryPattern()),
                    config.model().integrity());
            long sessionReady = System.nanoTime();
            FloatBuffer input = await(warmUpInput);
            if (input != null) {
                try {
                    if (warmUp == ServiceConfig.WarmUp.FULL) {
                        infer(input);
                    }
                } finally {
                    buffers.give(input);
                }
            }
            warmedUp = true;
            long ready = System.nanoTime();
            ModelSpec spec = model.spec();
            LOG.infof("Model %s %s (trained: %s) ready: %s (CPU: %s), spec %.0f ms, ONNX Runtime session %.0f ms,"
                    + " then warm-up (%s) %.0f ms more", spec.name(), spec.version(), spec.trained(), onnx.graph().name(),
                    cpu, ms(loaded - start), ms(sessionReady - loaded), warmUp.name().toLowerCase(),
                    ms(ready - sessionReady));
            if (!spec.trained()) {
                LOG.warn("The model is UNTRAINED (a demo): its probabilities mean nothing. Set melanoma.model.dir to a"
                        + " trained model exported by model-export.");
            }
        } catch (RuntimeException e) {
            StartupFailure.report(e, json);
            throw e;
        }
    }

    /** Decodes and preprocesses the bundled photo; returns the model input. */
    private FloatBuffer decodeWarmUpPhoto() throws IOException {
        byte[] photo;
        try (InputStream in = LesionClassifier.class.getResourceAsStream(WARM_UP_IMAGE)) {
            if (in == null) {
                throw new IllegalStateException(WARM_UP_IMAGE + " is missing from the application");
            }
            photo = in.readAllBytes();
        }
        FloatBuffer input = buffers.take();
        prepare(photo, Deadline.NONE, input);
        return input;
    }

    private static <T> FutureTask<T> inBackground(String name, Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return task;
    }

    /** The task's result; its failure is rethrown as it was, so that start-up names the real cause. */
    private static <T> T await(FutureTask<T> task) {
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("start-up failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
    }

    /** Without a time limit: tests that call the classifier directly. */
    public Prediction classify(byte[] image) {
        return classify(image, Deadline.NONE);
    }

    public Prediction classify(byte[] image, Deadline deadline) {
        return classify(image, deadline, Extras.NONE);
    }

    /**
     * Decodes and preprocesses the photo inside the decode gate (bounded concurrency, because that is where memory
     * grows with the photo) and within the deadline, checks its quality (refusing it when so configured), then runs
     * the model outside the gate and adds what {@code extras} asks for.
     */
    public Prediction classify(byte[] image, Deadline deadline, Extras extras) {
        if (extras.heatmap() && !onnx.hasClassActivationMap()) {
            throw new RejectedInputException(Rejection.HEATMAP_UNAVAILABLE, "This model (" + model.spec().name() + " "
                    + model.spec().version() + ", " + onnx.graph().name() + ") has no class activation map output, so"
                    + " no heatmap can be drawn; model-export adds one to GlobalAveragePooling + Dense models"
                    + " (melanoma-export add-heatmap). Ask without include=heatmap.");
        }
        long start = System.nanoTime();
        FloatBuffer input = buffers.take();
        try {
            Prepared photo = prepare(image, deadline, input);
            if (refusePoorQuality && !photo.quality().acceptable()) {
                throw PoorQuality.of(photo.quality());
            }
            long inferenceStart = System.nanoTime();
            OnnxClassifier.Output out = infer(input, extras.heatmap());
            long inferred = System.nanoTime();
            Heatmap heatmap = out.map() == null ? null
                    : Heatmap.of(out.map(), photo.modelInput(), preprocessor.height(), preprocessor.width());
            byte[] inputPng = extras.modelInput()
                    ? Png.encode(photo.modelInput(), preprocessor.height(), preprocessor.width())
                    : null;
            long end = System.nanoTime();
            float raw = out.probability();
            // the threshold of a calibrated model was chosen on the calibrated probability (decision.chosenBy.scale)
            double probability = calibration.apply(raw);
            ModelSpec.Decision decision = model.spec().decision();
            return new Prediction(probability, calibration.calibrates(), raw, decision.labelFor(probability),
                    decision.threshold(), photo.format(),
                    photo.width(), photo.height(), photo.exifOrientation(), photo.crop(),
                    new Timings(photo.decodeMs(), photo.preprocessMs(), ms(inferred - inferenceStart),
                            heatmap == null && inputPng == null ? null : ms(end - inferred), ms(end - start)),
                    photo.quality(), heatmap, inputPng);
        } finally {
            buffers.give(input);
        }
    }

    /**
     * The quality check alone: decodes and preprocesses the photo as {@link #classify} does, never runs the model.
     */
    public QualityCheckResult checkQuality(byte[] image, Deadline deadline) {
        long start = System.nanoTime();
        Prepared photo = prepare(image, deadline, null);
        return new QualityCheckResult(photo.quality(), photo.format(), photo.width(), photo.height(),
                photo.exifOrientation(), photo.crop(), photo.decodeMs(), photo.preprocessMs(),
                ms(System.nanoTime() - start));
    }

    /** The answer of {@link #checkQuality}: the verdict and what decoding learnt about the photo. */
    public record QualityCheckResult(QualityReport quality, ImageFormat format, int width, int height,
            int exifOrientation, Region crop, double decodeMs, double preprocessMs, double totalMs) {
    }

    /**
     * What decoding learnt about the photo, how long its two stages took, the model's input square before
     * normalisation (height × width × 3, 0..255) and the quality check's verdict on it.
     */
    private record Prepared(ImageFormat format, int width, int height, int exifOrientation, Region crop,
            double decodeMs, double preprocessMs, float[] modelInput, QualityReport quality) {
    }

    /**
     * Decodes the crop and, unless {@code input} is null, writes the model's input into it, holding a place in the
     * decode gate.
     */
    private Prepared prepare(byte[] image, Deadline deadline, FloatBuffer input) {
        try (DecodeGate.Slot slot = gate.enter(deadline)) {
            long admitted = System.nanoTime();
            ImageFormat format;
            int width;
            int height;
            int orientation;
            Region crop;
            RgbImage pixels;
            // closed before preprocessing: the decoder's buffers go as soon as the crop's pixels are out
            try (OpenedImage opened = decoder.open(image, deadline)) {
                format = opened.format();
                width = opened.width();
                height = opened.height();
                orientation = opened.orientation().exifValue();
                crop = preprocessor.seenRegionOf(width, height);
                // crop-then-resize: only the crop's pixels are decoded
                pixels = opened.read(preprocessor.cropOf(width, height));
            }
            deadline.check("decoding the pixels");
            long decoded = System.nanoTime();
            // the model's input before normalisation: what the model sees, what the quality check and include=input use
            float[] modelInput = preprocessor.resized(pixels);
            QualityReport verdict = quality.assess(modelInput, preprocessor.height(), preprocessor.width());
            if (input != null) {
                preprocessor.normalize(modelInput, input);
            }
            deadline.check("preparing the model's input");
            return new Prepared(format, width, height, orientation, crop, ms(decoded - admitted),
                    ms(System.nanoTime() - decoded), modelInput, verdict);
        }
    }

    private float infer(FloatBuffer input) {
        return infer(input, false).probability();
    }

    private OnnxClassifier.Output infer(FloatBuffer input, boolean withMap) {
        try {
            return withMap ? onnx.predictWithMap(input) : new OnnxClassifier.Output(onnx.predict(input), null);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a preprocessed image: " + e.getMessage(), e);
        }
    }

    public ModelSpec spec() {
        return model.spec();
    }

    /** model.json as written by model-export, every field included. */
    public JsonNode specJson() {
        return model.specJson();
    }

    /** MODEL_CARD.md of the model directory, read at start-up; empty when it has none. */
    public Optional<ModelCard> modelCard() {
        return modelCard;
    }

    /** The ONNX file the session runs: a runtime graph of model.json, or model.onnx. */
    public GraphFile graph() {
        return onnx.graph();
    }

    public boolean ready() {
        return warmedUp;
    }

    /** Whether {@code include=heatmap} can be answered: the opened graph has the class activation map. */
    public boolean hasHeatmap() {
        return onnx.hasClassActivationMap();
    }

    /** Times the model has run since start-up (a full warm-up included). */
    public long inferences() {
        return onnx.runs();
    }

    @PreDestroy
    void close() throws OrtException {
        onnx.close();
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }
}
