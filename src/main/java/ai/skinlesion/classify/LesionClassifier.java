package ai.skinlesion.classify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import ai.skinlesion.modelspec.InvalidModelException;
import ai.skinlesion.inference.ModelCard;
import ai.skinlesion.modelspec.ModelSpec;
import ai.skinlesion.inference.ModelVersion;
import ai.skinlesion.inference.OnnxClassifier;
import ai.skinlesion.inference.SessionSettings;
import ai.skinlesion.metadata.MetadataEncoding;
import ai.skinlesion.metadata.PatientMetadata;
import ai.skinlesion.preprocess.Preprocessor;
import ai.skinlesion.quality.QualityCheck;
import ai.skinlesion.quality.QualityReport;
import ai.skinlesion.quality.QualityThresholds;
import ai.skinlesion.telemetry.PageFaults;
import io.quarkus.runtime.Startup;

/**
 * The path of one photo: decode the region the models see once, preprocess it as each model's training did, run
 * the model (or an ensemble's members, combined), read the answer. The models are loaded and checked once, at
 * start-up, while a bundled photo warms up the decoding path beside them.
 */
@Startup
@ApplicationScoped
public class LesionClassifier {

    private static final Logger LOG = Logger.getLogger(LesionClassifier.class);
    private static final String WARM_UP_IMAGE = "/warmup/lesion-like.jpg";

    private final ModelVersion model;
    private final Ensemble ensemble;
    private final ImageDecoder decoder;
    private final DecodeGate gate;
    private final Calibration calibration;
    private final Optional<ModelCard> modelCard;
    private final QualityCheck quality;
    private final boolean refusePoorQuality;
    private final ServiceConfig.Review review;
    private volatile boolean warmedUp;

    public LesionClassifier(ServiceConfig config, ObjectMapper json) {
        // A start-up failure is said where the operator looks (the Lambda init error), not only in the log.
        try {
            ConfigRanges.check(config);
            long start = System.nanoTime();
            long startFaults = PageFaults.total();
            // Lambda's init phase has two vCPUs: ONNX Runtime's library loads on one while this thread reads the
            // spec, and the chosen graphs' files are read ahead and a photo decoded on the other.
            FutureTask<?> runtime = inBackground("onnxruntime-load", OnnxClassifier::loadRuntime);
            CpuFeatures cpu = CpuFeatures.detect();
            this.model = ModelVersion.load(Path.of(config.model().dir()), json, config.model().graph(), cpu);
            ModelSpec spec = model.spec();
            this.decoder = new ImageDecoder(config.limits().maxPixels(), config.limits().minSide());
            this.calibration = Calibration.of(spec.calibration());
            this.modelCard = ModelCard.read(model.dir());
            this.gate = new DecodeGate(config.limits().maxConcurrentDecodes(), config.limits().maxQueuedDecodes());
            ModelSpec.Quality qualityOverrides = spec.quality() != null ? spec.quality()
                    : model.members().get(0).model().spec().quality();
            this.quality = new QualityCheck(QualityThresholds.of(config.quality(), qualityOverrides));
            this.refusePoorQuality = config.quality().refuse();
            this.review = config.review();
            List<Preprocessor> preprocessors = model.members().stream()
                    .map(m -> new Preprocessor(m.model().spec().input())).toList();
            ServiceConfig.WarmUp warmUp = config.model().warmUp();
            FutureTask<Prepared> warmUpPhoto = inBackground("warm-up", () -> {
                model.members().forEach(m -> m.model().graphs().get(0).readAhead());
                return warmUp == ServiceConfig.WarmUp.NONE ? null : decodeWarmUpPhoto(preprocessors);
            });
            long loaded = System.nanoTime();
            long loadedFaults = PageFaults.total();
            await(runtime);
            SessionSettings settings = new SessionSettings(config.model().intraOpThreads(),
                    config.model().allowSpinning(), config.model().memoryPattern());
            List<EnsembleMember> members = new ArrayList<>();
            for (ModelVersion.MemberDirectory m : model.members()) {
                members.add(new EnsembleMember(m, OnnxClassifier.open(m.model(), settings, config.model().integrity())));
            }
            boolean dihedral8 = spec.isEnsemble()
                    && ModelSpec.Combination.TTA_DIHEDRAL8.equals(spec.combination().tta());
            for (EnsembleMember m : members) {
                if (dihedral8 && !m.canRunDihedral8()) {
                    throw new InvalidModelException("member " + m.name + " has a " + m.preprocessor.width() + "x"
                            + m.preprocessor.height() + " input: test-time augmentation dihedral8 needs square inputs");
                }
            }
            this.ensemble = new Ensemble(members, dihedral8,
                    config.ensemble().mode() == ServiceConfig.EnsembleMode.ADAPTIVE, config.ensemble().adaptiveBand());
            long sessionReady = System.nanoTime();
            long sessionFaults = PageFaults.total();
            Prepared photo = await(warmUpPhoto);
            if (photo != null && warmUp == ServiceConfig.WarmUp.FULL) {
                float[][] metadata = new float[members.size()][];
                for (int i = 0; i < members.size(); i++) {
                    metadata[i] = members.get(i).metadata.map(e -> e.encode(PatientMetadata.NONE).vector()).orElse(null);
                }
                ensemble.run(photo.modelInputs(), metadata, photo.seen(), false, calibration::apply,
                        spec.decision().threshold());
            }
            warmedUp = true;
            long ready = System.nanoTime();
            long readyFaults = PageFaults.total();
            // page faults of the whole process in each phase (the background threads' included)
            LOG.infof("Model %s %s (trained: %s) ready: %s (CPU: %s), spec %.0f ms, ONNX Runtime session%s %.0f ms,"
                    + " then warm-up (%s) %.0f ms more; page faults: spec %d, session %d, warm-up %d, before the"
                    + " model %d", spec.name(), spec.version(), spec.trained(), graphsOpened(),
                    cpu, ms(loaded - start), members.size() > 1 ? "s" : "", ms(sessionReady - loaded),
                    warmUp.name().toLowerCase(), ms(ready - sessionReady), loadedFaults - startFaults,
                    sessionFaults - loadedFaults, readyFaults - sessionFaults, startFaults);
            if (!spec.trained()) {
                LOG.warn("The model is UNTRAINED (a demo): its probabilities mean nothing. Set melanoma.model.dir to a"
                        + " trained model exported by model-export.");
            }
        } catch (RuntimeException e) {
            StartupFailure.report(e, json);
            throw e;
        }
    }

    private String graphsOpened() {
        if (!model.isEnsemble()) {
            return ensemble.members().get(0).onnx.graph().name();
        }
        return ensemble.members().size() + " members (" + String.join(", ", ensemble.members().stream()
                .map(m -> m.name + ": " + m.onnx.graph().name()).toList()) + "), tta "
                + (ensemble.dihedral8() ? "dihedral8" : "none") + (ensemble.adaptive() ? ", adaptive" : "");
    }

    /** Decodes and preprocesses the bundled photo for every member. */
    private Prepared decodeWarmUpPhoto(List<Preprocessor> preprocessors) throws IOException {
        byte[] photo;
        try (InputStream in = LesionClassifier.class.getResourceAsStream(WARM_UP_IMAGE)) {
            if (in == null) {
                throw new IllegalStateException(WARM_UP_IMAGE + " is missing from the application");
            }
            photo = in.readAllBytes();
        }
        return prepare(photo, Deadline.NONE, preprocessors);
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
        return classify(image, deadline, Extras.NONE, PatientMetadata.NONE);
    }

    /**
     * Checks the metadata, decodes and preprocesses the photo inside the decode gate (bounded concurrency, because
     * that is where memory grows with the photo) and within the deadline, checks its quality (refusing it when so
     * configured), then runs the model(s) outside the gate and adds what {@code extras} asks for.
     */
    public Prediction classify(byte[] image, Deadline deadline, Extras extras, PatientMetadata sent) {
        if (extras.heatmap() && !hasHeatmap()) {
            throw new RejectedInputException(Rejection.HEATMAP_UNAVAILABLE, "This model (" + model.spec().name() + " "
                    + model.spec().version() + ", " + graphsOpened() + ") has no class activation map output, so"
                    + " no heatmap can be drawn; model-export adds one to GlobalAveragePooling + Dense models"
                    + " (melanoma-export add-heatmap). Ask without include=heatmap.");
        }
        List<EnsembleMember> members = ensemble.members();
        // wrong metadata is refused before any pixel is decoded
        float[][] metadata = new float[members.size()][];
        MetadataEncoding.Encoded echo = null;
        for (int i = 0; i < members.size(); i++) {
            Optional<MetadataEncoding> encoding = members.get(i).metadata;
            if (encoding.isPresent()) {
                MetadataEncoding.Encoded encoded = encoding.get().encode(sent);
                metadata[i] = encoded.vector();
                echo = echo == null ? encoded : echo;
            }
        }
        if (echo == null && !sent.isEmpty()) {
            echo = MetadataEncoding.ISIC2020.encode(sent); // checked all the same, then ignored
        }
        long start = System.nanoTime();
        Prepared photo = prepare(image, deadline, members.stream().map(m -> m.preprocessor).toList());
        if (refusePoorQuality && !photo.quality().acceptable()) {
            throw PoorQuality.of(photo.quality());
        }
        double threshold = model.spec().decision().threshold();
        Ensemble.Outcome outcome = ensemble.run(photo.modelInputs(), metadata, photo.seen(), extras.heatmap(),
                calibration::apply, threshold);
        long inferred = System.nanoTime();
        Heatmap heatmap = null;
        if (outcome.map() != null) {
            Preprocessor shown = members.get(outcome.mapMember()).preprocessor;
            heatmap = Heatmap.of(outcome.map(), photo.modelInputs()[outcome.mapMember()], shown.height(),
                    shown.width());
        }
        Preprocessor first = members.get(0).preprocessor;
        byte[] inputPng = extras.modelInput() ? Png.encode(photo.modelInputs()[0], first.height(), first.width()) : null;
        long end = System.nanoTime();
        double raw = outcome.probability();
        // the threshold of a calibrated model was chosen on the calibrated probability (decision.chosenBy.scale)
        double probability = calibration.apply(raw);
        ModelSpec.Decision decision = model.spec().decision();
        boolean anEnsemble = model.isEnsemble();
        return new Prediction(probability, calibration.calibrates(), raw, decision.labelFor(probability),
                decision.threshold(), photo.format(),
                photo.width(), photo.height(), photo.exifOrientation(), photo.seen()[0],
                new Timings(photo.decodeMs(), photo.preprocessMs(), Math.round(outcome.inferenceMs() * 100) / 100.0,
                        heatmap == null && inputPng == null ? null : ms(end - inferred), ms(end - start)),
                photo.quality(), heatmap, inputPng,
                anEnsemble ? outcome.members() : null,
                anEnsemble ? outcome.spread() : null,
                anEnsemble ? new Prediction.CombinationUse(ensemble.dihedral8() ? "dihedral8" : "none",
                        ensemble.adaptive() ? "adaptive" : "full", outcome.escalated()) : null,
                Review.of(!photo.quality().acceptable(), probability, threshold,
                        anEnsemble ? outcome.spread() : null, review.band(), review.maxSpread()),
                echo == null ? null : metadataUse(echo, outcome),
                new Prediction.ModelIdentity(model.spec().name(), model.spec().version(), model.sha256(),
                        model.spec().trained()));
    }

    private MetadataUse metadataUse(MetadataEncoding.Encoded echo, Ensemble.Outcome outcome) {
        List<EnsembleMember> members = ensemble.members();
        List<String> fedTo = new ArrayList<>();
        boolean anyTakes = false;
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).metadata.isPresent()) {
                anyTakes = true;
                if (outcome.members().get(i).ran()) {
                    fedTo.add(members.get(i).name);
                }
            }
        }
        if (!anyTakes) {
            return new MetadataUse(false, echo.used(), List.of(), "This model takes no patient metadata: what was"
                    + " sent was checked, then ignored.");
        }
        String note = !model.isEnsemble() ? "Given to the model; fields not sent were encoded as missing."
                : fedTo.isEmpty() ? "No member that takes patient metadata ran (adaptive mode)."
                        : "Given to " + String.join(", ", fedTo) + "; fields not sent were encoded as missing.";
        return new MetadataUse(!fedTo.isEmpty(), echo.used(), echo.missing(), note);
    }

    /**
     * The quality check alone: decodes and preprocesses the photo as {@link #classify} does, never runs the model.
     */
    public QualityCheckResult checkQuality(byte[] image, Deadline deadline) {
        long start = System.nanoTime();
        Prepared photo = prepare(image, deadline, List.of(ensemble.members().get(0).preprocessor));
        return new QualityCheckResult(photo.quality(), photo.format(), photo.width(), photo.height(),
                photo.exifOrientation(), photo.seen()[0], photo.decodeMs(), photo.preprocessMs(),
                ms(System.nanoTime() - start));
    }

    /** The answer of {@link #checkQuality}: the verdict and what decoding learnt about the photo. */
    public record QualityCheckResult(QualityReport quality, ImageFormat format, int width, int height,
            int exifOrientation, Region crop, double decodeMs, double preprocessMs, double totalMs) {
    }

    /**
     * What decoding learnt about the photo, how long its two stages took, each model's input square before
     * normalisation (height × width × 3, 0..255), the centre square each shows, and the quality check's verdict on
     * the first model's square.
     */
    private record Prepared(ImageFormat format, int width, int height, int exifOrientation, Region[] seen,
            double decodeMs, double preprocessMs, float[][] modelInputs, QualityReport quality) {
    }

    /**
     * Decodes, once, the smallest region that holds every model's crop, and makes each model's input square from it,
     * holding a place in the decode gate.
     */
    private Prepared prepare(byte[] image, Deadline deadline, List<Preprocessor> preprocessors) {
        try (DecodeGate.Slot slot = gate.enter(deadline)) {
            long admitted = System.nanoTime();
            ImageFormat format;
            int width;
            int height;
            int orientation;
            Region[] reads = new Region[preprocessors.size()];
            Region[] seen = new Region[preprocessors.size()];
            Region union;
            RgbImage pixels;
            // closed before preprocessing: the decoder's buffers go as soon as the crop's pixels are out
            try (OpenedImage opened = decoder.open(image, deadline)) {
                format = opened.format();
                width = opened.width();
                height = opened.height();
                orientation = opened.orientation().exifValue();
                for (int i = 0; i < reads.length; i++) {
                    // crop-then-resize: only the crop's pixels are decoded
                    reads[i] = preprocessors.get(i).cropOf(width, height);
                    seen[i] = preprocessors.get(i).seenRegionOf(width, height);
                }
                union = Region.enclosing(reads);
                pixels = opened.read(union);
            }
            deadline.check("decoding the pixels");
            long decoded = System.nanoTime();
            float[][] inputs = new float[reads.length][];
            for (int i = 0; i < reads.length; i++) {
                // the model's input before normalisation: what the model sees, what the quality check and
                // include=input use
                inputs[i] = preprocessors.get(i).resized(pixels.crop(reads[i].left() - union.left(),
                        reads[i].top() - union.top(), reads[i].width(), reads[i].height()));
            }
            Preprocessor first = preprocessors.get(0);
            QualityReport verdict = quality.assess(inputs[0], first.height(), first.width());
            deadline.check("preparing the model's input");
            return new Prepared(format, width, height, orientation, seen, ms(decoded - admitted),
                    ms(System.nanoTime() - decoded), inputs, verdict);
        }
    }

    /** What answers name the model by (model.onnx's sha256, or an ensemble's model.json's). */
    public String modelSha256() {
        return model.sha256();
    }

    /** Whether an answer with more than one member is given (model.json lists members). */
    public boolean isEnsemble() {
        return model.isEnsemble();
    }

    /** The most photos decoded at once since start: never more than melanoma.limits.max-concurrent-decodes. */
    public int peakConcurrentDecodes() {
        return gate.peakInUse();
    }

    public ModelSpec spec() {
        return model.spec();
    }

    /** The top-level model.json as written by model-export, every field included. */
    public JsonNode specJson() {
        return model.specJson();
    }

    /** MODEL_CARD.md of the model directory, read at start-up; empty when it has none. */
    public Optional<ModelCard> modelCard() {
        return modelCard;
    }

    /** The ONNX file the (first member's) session runs: a runtime graph of model.json, or model.onnx. */
    public GraphFile graph() {
        return ensemble.members().get(0).onnx.graph();
    }

    public boolean ready() {
        return warmedUp;
    }

    /** Whether {@code include=heatmap} can be answered: every opened graph has the class activation map. */
    public boolean hasHeatmap() {
        return ensemble.members().stream().allMatch(m -> m.onnx.hasClassActivationMap());
    }

    /** Times the models have run since start-up (a full warm-up included), over all members. */
    public long inferences() {
        return ensemble.members().stream().mapToLong(m -> m.onnx.runs()).sum();
    }

    @PreDestroy
    void close() throws OrtException {
        for (EnsembleMember m : ensemble.members()) {
            m.close();
        }
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }
}
