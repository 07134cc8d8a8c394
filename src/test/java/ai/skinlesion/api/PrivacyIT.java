package ai.skinlesion.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import ai.skinlesion.NativeProcess;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * Privacy against the packaged application (the plain-HTTP jar, or the native binary with -Dnative). It runs with
 * the same java.io.tmpdir as this test JVM (pom.xml: quarkus.test.arg-line) and with the test profile, whose log
 * file (target/quarkus-test.log) the launcher deletes before it starts the application and reads to find its port:
 * what the test reads there is the packaged application's log only.
 */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class PrivacyIT extends PrivacyTest {

    /**
     * The native binary loads ONNX Runtime's libraries from beside itself (OrtNativeLibrary): unlike the JVM it
     * extracts nothing at start-up either, which {@link PrivacyTest}'s snapshot, taken after start-up, cannot see.
     * So: no file in the temporary directory is newer than this test JVM, which started before the application, and
     * the application has mapped nothing from there (an extracted library stays mapped after ONNX Runtime's loader
     * deletes its file). The loader still creates an empty onnxruntime-java* directory, deleted at exit.
     * <p>
     * One library is copied there, and only once a WebP has been decoded (the corpus tests send some): libwebp, which
     * its reader loads from its own resources and nowhere else first. It may be there, byte for byte the library the
     * jar carries (so no upload hides under its name), with its empty lock file.
     */
    @Test
    void theNativeBinaryExtractsNothingToTheTemporaryDirectory() throws IOException {
        Assumptions.assumeTrue("native".equals(MockEventServerPort.artifactType()),
                "on the JVM ONNX Runtime's own loader extracts its libraries to the temporary directory");
        long launched = ManagementFactory.getRuntimeMXBean().getStartTime();
        Path tmpdir = Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
        List<String> written;
        try (Stream<Path> entries = Files.walk(tmpdir, 6)) {
            written = entries.filter(Files::isRegularFile).filter(p -> modified(p) >= launched).map(Path::toString)
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        assertEquals(List.of(), written.stream().filter(f -> !isLibwebp(Path.of(f))).toList(),
                "files written to " + tmpdir + " since the application was launched");
        assertEquals(List.of(), NativeProcess.mappedFiles().stream().filter(f -> f.startsWith(tmpdir + "/"))
                .filter(f -> !isLibwebp(Path.of(f))).toList(), "files the application mapped from " + tmpdir);
    }

    /** The WebP reader's copy of libwebp (webp-imageio-VERSION-UUID-libwebp-imageio.so) or its empty lock file. */
    private static boolean isLibwebp(Path file) {
        String name = file.getFileName().toString();
        if (!name.startsWith("webp-imageio-")) {
            return false;
        }
        try {
            if (name.endsWith("-libwebp-imageio.so.lck")) {
                return Files.size(file) == 0;
            }
            if (!name.endsWith("-libwebp-imageio.so")) {
                return false;
            }
            try (var shipped = PrivacyIT.class.getResourceAsStream("/native/Linux/" + System.getProperty("os.arch")
                    .replace("amd64", "x86_64") + "/libwebp-imageio.so")) {
                return shipped != null && java.util.Arrays.equals(shipped.readAllBytes(), Files.readAllBytes(file));
            }
        } catch (IOException e) {
            return false; // vanished: it cannot be checked, so it does not pass
        }
    }

    private static long modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toMillis();
        } catch (IOException e) {
            return Long.MAX_VALUE; // vanished while walking: it was there after the launch
        }
    }
}
