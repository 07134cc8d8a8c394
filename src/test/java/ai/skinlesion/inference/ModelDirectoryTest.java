package ai.skinlesion.inference;

import ai.skinlesion.modelspec.InvalidModelException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Which files a CPU may open, in which order: CPU-specific first, then portable, model.onnx last. */
class ModelDirectoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CpuFeatures AVX512 = new CpuFeatures("amd64", 16);
    private static final CpuFeatures AVX2 = new CpuFeatures("amd64", 8);
    private static final CpuFeatures ARM = new CpuFeatures("aarch64", 0);

    @TempDir
    Path dir;

    @BeforeEach
    void writeDirectory() throws IOException {
        ObjectNode spec = (ObjectNode) JSON.readTree(Path.of("models/efficientnetb4-demo/1/model.json").toFile());
        spec.put("specVersion", 2);
        ArrayNode graphs = spec.putArray("runtimeGraphs");
        graphs.add(graph("model.opt-amd64-nchwc16.onnx", "all", "disabled").set("requires",
                JSON.createObjectNode().put("arch", "amd64").put("nchwcBlockSize", 16)));
        graphs.add(graph("model.opt-portable.onnx", "extended", "all").set("requires", JSON.createObjectNode()));
        Files.writeString(dir.resolve("model.json"), JSON.writeValueAsString(spec));
        for (String f : List.of("model.onnx", "model.opt-amd64-nchwc16.onnx", "model.opt-amd64-nchwc16.onnx.data",
                "model.opt-portable.onnx", "model.opt-portable.onnx.data")) {
            Files.writeString(dir.resolve(f), f);
        }
    }

    private static ObjectNode graph(String file, String savedAt, String openWith) {
        ObjectNode graph = JSON.createObjectNode().put("file", file).put("sha256", "a".repeat(64)).put("bytes", 10)
                .put("savedAt", savedAt).put("openWith", openWith);
        graph.set("externalData", JSON.createObjectNode().put("file", file + ".data").put("sha256", "b".repeat(64))
                .put("bytes", 20));
        return graph;
    }

    private List<String> candidates(String choice, CpuFeatures cpu) {
        return ModelDirectory.load(dir, JSON, choice, cpu).graphs().stream().map(GraphFile::name).toList();
    }

    @Test
    void eachCpuGetsWhatItCanRunBestFirst() {
        assertEquals(List.of("model.opt-amd64-nchwc16.onnx", "model.opt-portable.onnx", "model.onnx"),
                candidates(ModelDirectory.AUTO, AVX512));
        assertEquals(List.of("model.opt-portable.onnx", "model.onnx"), candidates(ModelDirectory.AUTO, AVX2));
        assertEquals(List.of("model.opt-portable.onnx", "model.onnx"), candidates(ModelDirectory.AUTO, ARM));
    }

    @Test
    void eachGraphIsOpenedAtItsOwnLevel() {
        List<GraphFile> graphs = ModelDirectory.load(dir, JSON, ModelDirectory.AUTO, AVX512).graphs();
        assertEquals(List.of("disabled", "all", "all"), graphs.stream().map(GraphFile::openWith).toList());
    }

    @Test
    void aGraphLeftOutOfTheDeploymentIsSkipped() throws IOException {
        Files.delete(dir.resolve("model.opt-amd64-nchwc16.onnx"));
        Files.delete(dir.resolve("model.onnx"));
        assertEquals(List.of("model.opt-portable.onnx"), candidates(ModelDirectory.AUTO, AVX512));
    }

    @Test
    void aGraphWithoutItsWeightsFileIsSkipped() throws IOException {
        Files.delete(dir.resolve("model.opt-amd64-nchwc16.onnx.data"));
        assertEquals(List.of("model.opt-portable.onnx", "model.onnx"), candidates(ModelDirectory.AUTO, AVX512));
    }

    @Test
    void eachGraphKnowsItsWeightsFile() {
        GraphFile first = ModelDirectory.load(dir, JSON, ModelDirectory.AUTO, AVX512).graphs().get(0);
        assertEquals(dir.resolve("model.opt-amd64-nchwc16.onnx.data"), first.externalData().path());
    }

    @Test
    void withNothingToOpenModelOnnxIsNamed() throws IOException {
        Files.delete(dir.resolve("model.opt-portable.onnx"));
        Files.delete(dir.resolve("model.onnx"));
        List<GraphFile> graphs = ModelDirectory.load(dir, JSON, ModelDirectory.AUTO, AVX2).graphs();
        assertEquals(List.of("model.onnx"), graphs.stream().map(GraphFile::name).toList());
        assertTrue(assertThrows(InvalidModelException.class, () -> graphs.get(0).verify(GraphFile.Integrity.SAMPLED))
                .getMessage().contains("does not exist"));
    }

    @Test
    void aChosenGraphIsTheOnlyCandidate() {
        assertEquals(List.of("model.onnx"), candidates("model.onnx", AVX512));
        assertEquals(List.of("model.opt-portable.onnx"), candidates("model.opt-portable.onnx", AVX512));
    }

    @Test
    void aCpuSpecificGraphIsNeverForcedOntoAnotherCpu() {
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> candidates("model.opt-amd64-nchwc16.onnx", AVX2));
        assertTrue(e.getMessage().contains("NCHWc block 8"), e.getMessage());
    }

    @Test
    void anUnknownChoiceIsRefused() {
        assertThrows(InvalidModelException.class, () -> candidates("model.fast.onnx", AVX512));
    }
}
