package ai.skinlesion;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * Which shared libraries the running native binary has mapped, after it has decoded a JPEG and run the model:
 * ONNX Runtime's from beside the executable (not copies extracted to a temporary directory), and, where the build
 * shipped libjpeg-turbo (a libjpeg.so.62 beside the executable), that libjpeg and no other.
 */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class NativeLibrariesIT {

    private Path runner;
    private Set<String> mapped;

    @BeforeEach
    void decodeAPhotoAndReadTheMaps() {
        Assumptions.assumeTrue("native".equals(MockEventServerPort.artifactType()), "native binary only");
        given().contentType("image/jpeg").body(TestData.bytes("dermoscopy/ISIC_0000000.jpg"))
                .when().post("/v1/predictions").then().statusCode(200);
        runner = NativeProcess.runner();
        mapped = NativeProcess.mappedFiles();
    }

    private List<String> mappedNamed(String prefix) {
        return mapped.stream().filter(f -> Path.of(NativeProcess.path(f)).getFileName().toString().startsWith(prefix))
                .toList();
    }

    private String besideRunner(String name) {
        return runner.resolveSibling(name).toString();
    }

    @Test
    void onnxRuntimeIsLoadedFromBesideTheExecutable() {
        assertEquals(List.of(besideRunner("libonnxruntime.so")), mappedNamed("libonnxruntime.so"));
        assertEquals(List.of(besideRunner("libonnxruntime4j_jni.so")), mappedNamed("libonnxruntime4j_jni.so"));
    }

    @Test
    void jpegIsDecodedByTheShippedLibjpegTurbo() {
        Assumptions.assumeTrue(Files.isRegularFile(runner.resolveSibling("libjpeg.so.62")),
                "this build kept the JDK's bundled libjpeg (see the build's warning)");
        assertEquals(List.of(besideRunner("libjavajpeg.so")), mappedNamed("libjavajpeg.so"));
        assertEquals(List.of(besideRunner("libjpeg.so.62")), mappedNamed("libjpeg"));
        assertTrue(mapped.stream().noneMatch(f -> f.contains("/usr/lib/jvm/")), "nothing from an installed JDK: " + mapped);
    }
}
