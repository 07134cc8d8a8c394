package ai.skinlesion.inference;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class ModelSpecValidatorTest {

    static ModelSpec spec(ModelSpec.Preprocessing preprocessing, String layout, double threshold) {
        return spec(preprocessing, layout, threshold, 1, List.of());
    }

    static ModelSpec spec(ModelSpec.Preprocessing preprocessing, String layout, double threshold, int specVersion,
            List<ModelSpec.RuntimeGraph> graphs) {
        return new ModelSpec(specVersion, "m", "1", false, "d",
                new ModelSpec.ModelFile("model.onnx", "0".repeat(64), 1L, null),
                new ModelSpec.Input("image", "float32", layout, 384, 384, 3, "RGB", preprocessing,
                        new ModelSpec.Normalization(1.0, List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0))),
                new ModelSpec.Output("probability", "sigmoid-in-graph", "p"),
                new ModelSpec.Decision(threshold, "malignant", "benign"), graphs);
    }

    static ModelSpec.Preprocessing preprocessing(double crop, String resize) {
        return new ModelSpec.Preprocessing("apply", "drop", "replicate", "naive-inverted", crop,
                new ModelSpec.Resize(resize, true), "uint8");
    }

    @Test
    void acceptsTheDemoShape() {
        assertDoesNotThrow(() -> ModelSpecValidator.validate(spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5)));
    }

    @Test
    void namesEveryWrongFieldAtOnce() {
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> ModelSpecValidator.validate(spec(preprocessing(0, "lanczos5"), "HWC", 1.0)));
        String m = e.getMessage();
        assertTrue(m.contains("centerCropFraction"), m);
        assertTrue(m.contains("resize.method"), m);
        assertTrue(m.contains("layout"), m);
        assertTrue(m.contains("threshold"), m);
    }

    @Test
    void acceptsRuntimeGraphsInVersion2() {
        ModelSpec.RuntimeGraph graph = new ModelSpec.RuntimeGraph("model.opt-portable.onnx", "a".repeat(64), 10L,
                null, new ModelSpec.ExternalData("model.opt-portable.onnx.data", "b".repeat(64), 20L, null), "extended",
                "all", new ModelSpec.Requires(null, null));
        assertDoesNotThrow(() -> ModelSpecValidator.validate(
                spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 2, List.of(graph))));
    }

    @Test
    void namesEveryWrongRuntimeGraphField() {
        ModelSpec.RuntimeGraph graph = new ModelSpec.RuntimeGraph("../elsewhere.onnx", "XYZ", null, "short",
                new ModelSpec.ExternalData("sub/w.data", null, 0L, null), "all", "fastest", new ModelSpec.Requires("sparc", 3));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelSpecValidator.validate(
                spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 2, List.of(graph))));
        String m = e.getMessage();
        for (String field : new String[] { "runtimeGraphs[0].file", "runtimeGraphs[0].sha256", "runtimeGraphs[0].bytes",
                "runtimeGraphs[0].sampledSha256", "runtimeGraphs[0].openWith", "runtimeGraphs[0].requires.arch",
                "runtimeGraphs[0].requires.nchwcBlockSize", "runtimeGraphs[0].externalData.file",
                "runtimeGraphs[0].externalData.sha256", "runtimeGraphs[0].externalData.bytes" }) {
            assertTrue(m.contains(field), field + " in " + m);
        }
    }

    @Test
    void refusesRuntimeGraphsInVersion1AndUnknownVersions() {
        ModelSpec.RuntimeGraph graph = new ModelSpec.RuntimeGraph("model.opt-portable.onnx", "a".repeat(64), 10L,
                null, null, "extended", "all", null);
        String m = assertThrows(InvalidModelException.class, () -> ModelSpecValidator.validate(
                spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 1, List.of(graph)))).getMessage();
        assertTrue(m.contains("runtimeGraphs"), m);
        m = assertThrows(InvalidModelException.class, () -> ModelSpecValidator.validate(
                spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 4, List.of()))).getMessage();
        assertTrue(m.contains("specVersion must be 1, 2 or 3"), m);
    }

    @Test
    void acceptsVersion3WithAMapAndQualityOverrides() {
        ModelSpec base = spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 3, List.of());
        ModelSpec v3 = new ModelSpec(3, base.name(), base.version(), base.trained(), base.description(), base.model(),
                base.input(), base.output(), base.decision(), base.runtimeGraphs(),
                List.of(new ModelSpec.ExtraOutput("cam", "class-activation-map", java.util.Arrays.asList(-1L, 12L, 12L), "m"),
                        new ModelSpec.ExtraOutput("later", "something-newer", null, null)),
                new ModelSpec.Quality(2.0, null, null, null, null, 0.05));
        assertDoesNotThrow(() -> ModelSpecValidator.validate(v3));
    }

    @Test
    void namesEveryWrongVersion3Field() {
        ModelSpec base = spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 3, List.of());
        ModelSpec v3 = new ModelSpec(3, base.name(), base.version(), base.trained(), base.description(), base.model(),
                base.input(), base.output(), base.decision(), base.runtimeGraphs(),
                List.of(new ModelSpec.ExtraOutput("probability", "class-activation-map", List.of(-1L, 0L), "m")),
                new ModelSpec.Quality(-1.0, 300.0, null, 2.0, null, null));
        String m = assertThrows(InvalidModelException.class, () -> ModelSpecValidator.validate(v3)).getMessage();
        for (String field : List.of("extraOutputs[0].shape", "extraOutputs[0].name", "quality.minSharpness",
                "quality.minBrightness", "quality.maxDarkShare")) {
            assertTrue(m.contains(field), field + " in " + m);
        }
    }

    @Test
    void aMissingAntialiasIsRefusedNotReadAsFalse() {
        ModelSpec.Preprocessing p = new ModelSpec.Preprocessing("apply", "drop", "replicate", "naive-inverted", 0.5,
                new ModelSpec.Resize("bilinear", null), "uint8");
        String m = assertThrows(InvalidModelException.class,
                () -> ModelSpecValidator.validate(spec(p, "NHWC", 0.5))).getMessage();
        assertTrue(m.contains("resize.antialias is missing"), m);
    }
}
