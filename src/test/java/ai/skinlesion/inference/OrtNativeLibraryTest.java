package ai.skinlesion.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the native binary points ONNX Runtime at its own directory: only with both libraries there, and never over
 * a directory somebody chose.
 */
class OrtNativeLibraryTest {

    @TempDir
    Path dir;

    private void put(String... names) throws IOException {
        for (String name : names) {
            Files.write(dir.resolve(name), new byte[] { 0x7f, 'E', 'L', 'F' });
        }
    }

    @Test
    void bothLibrariesBesideTheExecutableAreUsedInPlace() throws IOException {
        put("libonnxruntime.so", "libonnxruntime4j_jni.so");
        assertEquals(Optional.of(dir.toAbsolutePath()), OrtNativeLibrary.directoryToUse(dir, null));
    }

    @Test
    void oneLibraryAloneLeavesOnnxRuntimesOwnLoader() throws IOException {
        put("libonnxruntime.so");
        assertEquals(Optional.empty(), OrtNativeLibrary.directoryToUse(dir, null));
        Files.delete(dir.resolve("libonnxruntime.so"));
        put("libonnxruntime4j_jni.so");
        assertEquals(Optional.empty(), OrtNativeLibrary.directoryToUse(dir, null));
    }

    @Test
    void anEmptyDirectoryLeavesOnnxRuntimesOwnLoader() {
        assertEquals(Optional.empty(), OrtNativeLibrary.directoryToUse(dir, null));
    }

    @Test
    void aDirectoryNamedLikeALibraryDoesNotCount() throws IOException {
        put("libonnxruntime.so");
        Files.createDirectory(dir.resolve("libonnxruntime4j_jni.so"));
        assertEquals(Optional.empty(), OrtNativeLibrary.directoryToUse(dir, null));
    }

    @Test
    void aDirectoryAlreadyChosenIsKept() throws IOException {
        put("libonnxruntime.so", "libonnxruntime4j_jni.so");
        assertEquals(Optional.empty(), OrtNativeLibrary.directoryToUse(dir, "/opt/ort/lib"));
    }

    @Test
    void onTheJvmNothingIsSet() {
        Assumptions.assumeTrue(System.getProperty(OrtNativeLibrary.PROPERTY) == null, "set from outside");
        OrtNativeLibrary.preferBesideExecutable();
        assertNull(System.getProperty(OrtNativeLibrary.PROPERTY), "the JVM keeps ONNX Runtime's own loader");
    }
}
