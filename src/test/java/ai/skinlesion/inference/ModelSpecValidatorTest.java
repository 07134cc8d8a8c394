package ai.skinlesion.inference;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class ModelSpecValidatorTest {

    static ModelSpec spec(ModelSpec.Preprocessing preprocessing, String layout, double threshold) {
        return new ModelSpec(1, "m", "1", false, "d",
                new ModelSpec.ModelFile("model.onnx", "0".repeat(64), 1L),
                new ModelSpec.Input("image", "float32", layout, 384, 384, 3, "RGB", preprocessing,
                        new ModelSpec.Normalization(1.0, List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0))),
                new ModelSpec.Output("probability", "sigmoid-in-graph", "p"),
                new ModelSpec.Decision(threshold, "malignant", "benign"));
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
}
