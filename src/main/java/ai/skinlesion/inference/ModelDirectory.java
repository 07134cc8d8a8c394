package ai.skinlesion.inference;

import ai.skinlesion.modelspec.InvalidModelException;
import ai.skinlesion.modelspec.ModelSpecValidator;
import ai.skinlesion.modelspec.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A model version directory as model-export writes it: model.json, model.onnx and the runtime graphs (model.onnx
 * pre-optimised by ONNX Runtime, docs/MODEL_SPEC.md). Loading it checks that the spec is one this service can
 * follow and lists the graphs this CPU may open, best first; {@link OnnxClassifier} opens the first that works.
 *
 * @param graphs the candidates, best first; each is checked against model.json only when it is opened
 */
public record ModelDirectory(Path dir, ModelSpec spec, JsonNode specJson, List<GraphFile> graphs) {

    private static final Logger LOG = Logger.getLogger(ModelDirectory.class);

    public static final String SPEC_FILE = "model.json";
    /** {@code melanoma.model.graph} value that lets the service choose. */
    public static final String AUTO = "auto";

    /** With the service's defaults: the best graph for this CPU. */
    public static ModelDirectory load(Path dir, ObjectMapper json) {
        return load(dir, json, AUTO, CpuFeatures.detect());
    }

    /**
     * @param graph {@value #AUTO}, or the file name of model.onnx or of one runtime graph to open only that one
     *        (benchmarks and tests; a CPU-specific graph is still refused on another CPU)
     */
    public static ModelDirectory load(Path dir, ObjectMapper json, String graph, CpuFeatures cpu) {
        return load(dir, readSpec(dir, json), graph, cpu);
    }

    /** @param read the directory's model.json, already read ({@link #readSpec}) */
    public static ModelDirectory load(Path dir, Spec read, String graph, CpuFeatures cpu) {
        ModelSpec spec = read.spec();
        if (spec.isEnsemble()) {
            throw new InvalidModelException(dir + " holds an ensemble (model.json lists members), not one model;"
                    + " an ensemble's members must be single models");
        }
        Path modelFile = dir.resolve(spec.model().file()).normalize();
        if (!modelFile.startsWith(dir.normalize())) {
            throw new InvalidModelException("model.file must name a file inside " + dir);
        }
        return new ModelDirectory(dir, spec, read.json(), candidates(dir, spec, modelFile, graph, cpu));
    }

    /** A directory's model.json, parsed and checked. */
    public record Spec(ModelSpec spec, JsonNode json) {
    }

    public static Spec readSpec(Path dir, ObjectMapper json) {
        Path specFile = dir.resolve(SPEC_FILE);
        ModelSpec spec;
        JsonNode specJson;
        try {
            specJson = json.readTree(Files.readAllBytes(specFile));
            long schemaStart = System.nanoTime();
            ModelSpecValidator.validate(specJson);
            LOG.debugf("%s meets the schema (checked in %.1f ms)", specFile, (System.nanoTime() - schemaStart) / 1e6);
            spec = json.treeToValue(specJson, ModelSpec.class);
        } catch (NoSuchFileException e) {
            throw new InvalidModelException("no " + SPEC_FILE + " in model directory " + dir.toAbsolutePath()
                    + " (set melanoma.model.dir or MELANOMA_MODEL_DIR to a directory written by model-export)");
        } catch (JsonProcessingException e) {
            throw new InvalidModelException(specFile + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidModelException("cannot read " + specFile + ": " + e.getMessage(), e);
        }
        ModelSpecValidator.validate(spec);
        return new Spec(spec, specJson);
    }

    private static List<GraphFile> candidates(Path dir, ModelSpec spec, Path modelFile, String choice,
            CpuFeatures cpu) {
        GraphFile original = new GraphFile(spec.model().file(), new DescribedFile(modelFile, spec.model().sha256(),
                spec.model().sampledSha256(), spec.model().bytes(), spec.model().crc32()), null, "all");
        List<GraphFile> graphs = new ArrayList<>();
        for (ModelSpec.RuntimeGraph g : spec.runtimeGraphs()) {
            boolean chosen = AUTO.equals(choice) || g.file().equals(choice);
            if (!chosen) {
                continue;
            }
            if (!cpu.satisfies(g.requires())) {
                if (!AUTO.equals(choice)) {
                    throw new InvalidModelException(g.file() + " needs " + g.requires() + "; this CPU is " + cpu);
                }
                LOG.debugf("%s is for %s; this CPU is %s", g.file(), g.requires(), cpu);
                continue;
            }
            DescribedFile file = new DescribedFile(dir.resolve(g.file()), g.sha256(), g.sampledSha256(), g.bytes(),
                    g.crc32());
            ModelSpec.ExternalData d = g.externalData();
            DescribedFile data = d == null ? null
                    : new DescribedFile(dir.resolve(d.file()), d.sha256(), d.sampledSha256(), d.bytes(), d.crc32());
            if (AUTO.equals(choice) && !(Files.isRegularFile(file.path())
                    && (data == null || Files.isRegularFile(data.path())))) {
                // a deployment may leave a graph out (e.g. a Lambda layer kept under the size limit)
                LOG.infof("%s is listed in %s but not (whole) in %s; skipping it", g.file(), SPEC_FILE, dir);
                continue;
            }
            graphs.add(new GraphFile(g.file(), file, data, g.openWith()));
        }
        if (AUTO.equals(choice) ? Files.isRegularFile(modelFile) || graphs.isEmpty()
                : spec.model().file().equals(choice)) {
            graphs.add(original); // the last resort; if it is missing too, opening it says so
        }
        if (graphs.isEmpty()) {
            throw new InvalidModelException("melanoma.model.graph=" + choice + " names neither " + spec.model().file()
                    + " nor a runtime graph of " + SPEC_FILE);
        }
        return List.copyOf(graphs);
    }
}
