package ai.skinlesion.inference;

import ai.skinlesion.modelspec.InvalidModelException;
import ai.skinlesion.modelspec.ModelSpec;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up check tells the described file from a truncated, overwritten or different one. */
class DescribedFileTest {

    @TempDir
    Path dir;

    private Path file(String name, int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    private static DescribedFile describing(Path file) throws IOException {
        return new DescribedFile(file, DescribedFile.sha256(file), DescribedFile.sampledSha256(file), Files.size(file),
                DescribedFile.crc32(file));
    }

    @Test
    void theDescribedFilePassesBothChecks() throws IOException {
        DescribedFile graph = describing(file("model.onnx", 3_000_000, 1));
        assertDoesNotThrow(() -> graph.verify(GraphFile.Integrity.SAMPLED));
        assertDoesNotThrow(() -> graph.verify(GraphFile.Integrity.FULL));
    }

    @Test
    void anotherExportOfTheSameSizeIsRefused() throws IOException {
        DescribedFile described = describing(file("model.onnx", 3_000_000, 1));
        file("model.onnx", 3_000_000, 2); // same size, other weights, as another fold of the same architecture
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> described.verify(GraphFile.Integrity.SAMPLED));
        assertTrue(e.getMessage().contains("do not belong together"), e.getMessage());
    }

    @Test
    void aTruncatedFileIsRefusedFromItsSize() throws IOException {
        Path path = file("model.onnx", 3_000_000, 1);
        DescribedFile described = describing(path);
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(2_000_000);
        }
        assertTrue(assertThrows(InvalidModelException.class, () -> described.verify(GraphFile.Integrity.SAMPLED))
                .getMessage().contains("2000000 bytes"));
    }

    @Test
    void aChangedSampledBlockIsSeenAndTheFullHashSeesAnyByte() throws IOException {
        Path path = file("model.onnx", 3_000_000, 1);
        DescribedFile described = describing(path);
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.seek(0); // block 0 is always sampled
            f.write(~f.read());
        }
        assertThrows(InvalidModelException.class, () -> described.verify(GraphFile.Integrity.SAMPLED));
        assertThrows(InvalidModelException.class, () -> described.verify(GraphFile.Integrity.FULL));
    }

    @Test
    void withoutARecordedSampleTheFullHashIsUsed() throws IOException {
        Path path = file("model.onnx", 300_000, 1);
        DescribedFile noSample = new DescribedFile(path, DescribedFile.sha256(path), null, Files.size(path), null);
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.seek(150_001); // between sampled blocks? the full hash sees it wherever it is
            f.write(~f.read());
        }
        assertThrows(InvalidModelException.class, () -> noSample.verify(GraphFile.Integrity.SAMPLED));
    }

    /**
     * What issue reports showed: 4 KiB zeroed between the sampled blocks of the weights, a copy that answers other
     * probabilities. The sample hash cannot see it; the default whole-file checksum does, and names the file.
     */
    @Test
    void pagesZeroedBetweenTheSamplesAreCaughtByTheChecksum() throws IOException {
        Path path = file("model.onnx.data", 3_000_000, 1);
        DescribedFile described = describing(path);
        long between = (3_000_000L - 4096) / 63 / 2; // halfway from sampled block 0 to block 1
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.seek(between);
            f.write(new byte[4096]);
        }
        assertDoesNotThrow(() -> described.verify(GraphFile.Integrity.SAMPLED), "the blind spot sampled accepts");
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> described.verify(GraphFile.Integrity.CHECKSUM));
        assertTrue(e.getMessage().contains("model.onnx.data") && e.getMessage().contains("crc32"), e.getMessage());
        assertThrows(InvalidModelException.class, () -> described.verify(GraphFile.Integrity.FULL));
    }

    @Test
    void smallFilesAreSampledWhole() throws IOException {
        Path a = file("a.onnx", 100, 1);
        Path b = file("b.onnx", 100, 2);
        assertNotEquals(DescribedFile.sampledSha256(a), DescribedFile.sampledSha256(b));
        assertEquals(DescribedFile.sampledSha256(a), DescribedFile.sampledSha256(a));
    }

    @Test
    void aMissingFileIsNamed() {
        DescribedFile missing = new DescribedFile(dir.resolve("model.onnx"), "0".repeat(64), null, 1L, null);
        assertTrue(assertThrows(InvalidModelException.class, () -> missing.verify(GraphFile.Integrity.SAMPLED))
                .getMessage().contains("does not exist"));
    }

    /** model-export (Python: hashlib, zlib) wrote the demo's hashes; the service must compute the same ones. */
    @Test
    void theSampleHashIsTheOneModelExportRecords() throws IOException {
        Path demo = Path.of("models/efficientnetb4-demo/1");
        ModelSpec spec = new com.fasterxml.jackson.databind.ObjectMapper()
                .readValue(demo.resolve("model.json").toFile(), ModelSpec.class);
        assertEquals(spec.model().sampledSha256(), DescribedFile.sampledSha256(demo.resolve(spec.model().file())));
        assertFalse(spec.runtimeGraphs().isEmpty());
        assertEquals(spec.model().crc32(), DescribedFile.crc32(demo.resolve(spec.model().file())));
        for (ModelSpec.RuntimeGraph g : spec.runtimeGraphs()) {
            assertEquals(g.crc32(), DescribedFile.crc32(demo.resolve(g.file())), g.file());
            assertEquals(g.externalData().crc32(), DescribedFile.crc32(demo.resolve(g.externalData().file())));
            assertEquals(g.sampledSha256(), DescribedFile.sampledSha256(demo.resolve(g.file())), g.file());
            assertEquals(g.externalData().sampledSha256(),
                    DescribedFile.sampledSha256(demo.resolve(g.externalData().file())), g.externalData().file());
        }
    }
}
