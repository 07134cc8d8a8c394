package ai.skinlesion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real photos the tests use, in the repository's testdata/ (sources and licences in its README): the folder
 * named by TESTDATA_DIR when set, else the system property testdata.dir (which Maven sets to testdata/), else
 * testdata/. A missing folder fails the test loudly rather than skipping.
 */
public final class TestData {

    private TestData() {
    }

    public static Path root() {
        String dir = System.getenv().getOrDefault("TESTDATA_DIR", System.getProperty("testdata.dir", "testdata"));
        Path root = Path.of(dir);
        if (!Files.isDirectory(root.resolve("dermoscopy"))) {
            throw new IllegalStateException("test photos not found at " + root.toAbsolutePath()
                    + ": set -Dtestdata.dir or TESTDATA_DIR to the testdata folder");
        }
        return root;
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }

    public static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
