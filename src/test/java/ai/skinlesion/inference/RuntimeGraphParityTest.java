package ai.skinlesion.inference;

import ai.skinlesion.modelspec.ModelSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.TestData;
import ai.skinlesion.decode.ImageDecoder;
import ai.skinlesion.decode.OpenedImage;
import ai.skinlesion.preprocess.Preprocessor;

/**
 * Every runtime graph of the demo that this CPU can run gives model.onnx's probability (opened at ALL, as the
 * service did before runtime graphs) within 1e-6 on the real dermoscopy photos, the bound MODEL_SPEC states.
 * Both sides are ONNX Runtime Java, the engine the service runs; model-export checked the same with Python.
 */
class RuntimeGraphParityTest {

    private static final Path DEMO = Path.of("models/efficientnetb4-demo/1");
    private static final double BOUND = 1e-6;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<FloatBuffer> photos = new ArrayList<>();

    @BeforeAll
    static void preparePhotos() throws IOException {
        Preprocessor preprocessor = new Preprocessor(ModelDirectory.load(DEMO, JSON).spec().input());
        ImageDecoder decoder = new ImageDecoder(50_000_000, 1);
        List<Path> files;
        try (Stream<Path> s = Files.list(TestData.path("dermoscopy"))) {
            files = s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        for (Path file : files) {
            try (OpenedImage opened = decoder.open(Files.readAllBytes(file))) {
                FloatBuffer input = ByteBuffer.allocateDirect(preprocessor.tensorSize() * Float.BYTES)
                        .order(ByteOrder.nativeOrder()).asFloatBuffer();
                preprocessor.toTensor(opened.read(preprocessor.cropOf(opened.width(), opened.height())), input);
                photos.add(input);
            }
        }
        assertTrue(photos.size() >= 40, "dermoscopy photos found: " + photos.size());
    }

    private static float[] probabilities(String graph) throws Exception {
        ModelDirectory model = ModelDirectory.load(DEMO, JSON, graph, CpuFeatures.detect());
        try (OnnxClassifier onnx = OnnxClassifier.open(model, new SessionSettings(1, false), GraphFile.Integrity.FULL)) {
            assertEquals(graph, onnx.graph().name());
            float[] out = new float[photos.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = onnx.predict(photos.get(i));
            }
            return out;
        }
    }

    @Test
    void theDemoCarriesAPortableRuntimeGraph() {
        ModelSpec spec = ModelDirectory.load(DEMO, JSON).spec();
        assertTrue(spec.runtimeGraphs().stream().anyMatch(g -> g.requires() == null || g.requires().arch() == null),
                "no portable runtime graph in " + DEMO + "/model.json: run melanoma-export optimize");
    }

    @Test
    void everyRuntimeGraphThisCpuRunsGivesModelOnnxsProbability() throws Exception {
        CpuFeatures cpu = CpuFeatures.detect();
        float[] reference = probabilities("model.onnx");
        List<String> checked = new ArrayList<>();
        for (ModelSpec.RuntimeGraph graph : ModelDirectory.load(DEMO, JSON).spec().runtimeGraphs()) {
            if (!cpu.satisfies(graph.requires())) {
                System.out.println(graph.file() + ": not for this CPU (" + cpu + "), not checked here");
                continue;
            }
            float[] ours = probabilities(graph.file());
            double worst = 0;
            for (int i = 0; i < ours.length; i++) {
                worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
            }
            System.out.printf("%s vs model.onnx on %d photos: max |dprobability| %.3g%n", graph.file(), ours.length, worst);
            assertTrue(worst <= BOUND, graph.file() + ": max |dprobability| " + worst + " > " + BOUND);
            checked.add(graph.file());
        }
        assertFalse(checked.isEmpty(), "no runtime graph runs on this CPU (" + cpu + ")");
    }
}
