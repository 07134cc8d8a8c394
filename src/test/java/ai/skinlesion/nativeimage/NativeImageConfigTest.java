package ai.skinlesion.nativeimage;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * In a native image, JNI can only see the classes registered in jni-config.json. Missing one crashes the
 * binary at start-up (NodeInfo was missing from a list others use), so the list is checked against the
 * class names ONNX Runtime's JNI library itself contains, for both architectures the jar carries.
 */
class NativeImageConfigTest {

    private static final String CONFIG = "/META-INF/native-image/ai.skinlesion/melanoma-function/jni-config.json";
    private static final Pattern CLASS_NAME = Pattern.compile("ai/onnxruntime/[A-Za-z0-9_$]+");

    private static Set<String> registered() throws IOException {
        Set<String> names = new TreeSet<>();
        try (InputStream in = NativeImageConfigTest.class.getResourceAsStream(CONFIG)) {
            assertNotNull(in, CONFIG);
            for (JsonNode entry : new ObjectMapper().readTree(in)) {
                names.add(entry.get("name").asText());
            }
        }
        return names;
    }

    private static Set<String> namesInJniLibrary(String platform) throws IOException {
        String library = "/ai/onnxruntime/native/" + platform + "/libonnxruntime4j_jni.so";
        try (InputStream in = NativeImageConfigTest.class.getResourceAsStream(library)) {
            assertNotNull(in, library + " is in the onnxruntime jar");
            String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            Set<String> names = new TreeSet<>();
            Matcher m = CLASS_NAME.matcher(text);
            while (m.find()) {
                names.add(m.group().replace('/', '.'));
            }
            return names;
        }
    }

    @Test
    void everyClassTheJniLibraryNamesIsRegistered() throws IOException {
        Set<String> registered = registered();
        for (String platform : new String[] { "linux-x64", "linux-aarch64" }) {
            Set<String> needed = namesInJniLibrary(platform);
            assertTrue(needed.size() >= 10, platform + ": found only " + needed);
            for (String name : needed) {
                assertTrue(registered.contains(name), platform + " JNI library uses " + name + ", not in " + CONFIG);
            }
        }
        for (String array : new String[] { "[Ljava.lang.String;", "[Lai.onnxruntime.OnnxValue;", "[Lai.onnxruntime.NodeInfo;" }) {
            assertTrue(registered.contains(array), array + " (created by NewObjectArray) is registered");
        }
    }

    @Test
    void everyRegisteredClassExists() throws IOException {
        for (String name : registered()) {
            assertDoesNotThrow(() -> Class.forName(name, false, getClass().getClassLoader()), name);
        }
    }
}
