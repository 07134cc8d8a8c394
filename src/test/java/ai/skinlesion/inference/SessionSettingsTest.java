package ai.skinlesion.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.config.ServiceConfig;
import io.smallrye.config.WithDefault;

/** ONNX Runtime's memory pattern is off by default, and switching it changes memory only, never the answer. */
class SessionSettingsTest {

    /** The default production reads: ServiceConfig's, not a convenience constructor's. */
    @Test
    void memoryPatternIsOffByDefault() throws NoSuchMethodException {
        WithDefault setting = ServiceConfig.Model.class.getMethod("memoryPattern").getAnnotation(WithDefault.class);
        assertEquals("false", setting.value());
    }

    @Test
    void memoryPatternLeavesTheProbabilityBitIdentical() throws Exception {
        ModelDirectory model = ModelDirectory.load(Path.of("models/efficientnetb4-demo/1"), new ObjectMapper());
        try (OnnxClassifier without = OnnxClassifier.open(model, new SessionSettings(1, false, false));
                OnnxClassifier with = OnnxClassifier.open(model, new SessionSettings(1, false, true))) {
            FloatBuffer image = ByteBuffer.allocateDirect(without.inputSize() * Float.BYTES)
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int i = 0; i < without.inputSize(); i++) {
                image.put(i, (i * 37 + i / 1152 * 11) % 256); // a deterministic textured image, 0..255
            }
            for (int run = 0; run < 2; run++) { // the pattern is planned on the first run and used from the second
                assertEquals(Float.floatToIntBits(without.predict(image)), Float.floatToIntBits(with.predict(image)));
            }
        }
    }
}
