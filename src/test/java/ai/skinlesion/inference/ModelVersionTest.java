package ai.skinlesion.inference;

import ai.skinlesion.modelspec.InvalidModelException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An ensemble directory loads only as model-export wrote it: each member's model.json the one the ensemble pins,
 * inside the ensemble's directory, a single model itself; a single model loads as one member of weight 1.
 */
class ModelVersionTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path FIXTURE = Path.of("src/test/resources/models/ensemble-tiny/1");
    static final CpuFeatures CPU = CpuFeatures.detect();

    @TempDir
    Path dir;

    @BeforeEach
    void copyTheFixture() throws IOException {
        try (Stream<Path> files = Files.walk(FIXTURE)) {
            for (Path f : (Iterable<Path>) files.sorted(Comparator.naturalOrder())::iterator) {
                Path to = dir.resolve(FIXTURE.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
    }

    ObjectNode spec() throws IOException {
        return (ObjectNode) JSON.readTree(dir.resolve("model.json").toFile());
    }

    void write(ObjectNode spec) throws IOException {
        Files.writeString(dir.resolve("model.json"), JSON.writeValueAsString(spec));
    }

    String refused() {
        return assertThrows(InvalidModelException.class,
                () -> ModelVersion.load(dir, JSON, ModelDirectory.AUTO, CPU)).getMessage();
    }

    @Test
    void theFixtureLoadsWithItsWeightsAndCosts() {
        ModelVersion v = ModelVersion.load(dir, JSON, ModelDirectory.AUTO, CPU);
        assertTrue(v.isEnsemble());
        assertEquals(2, v.members().size());
        assertEquals("tiny64-fold0", v.members().get(0).name());
        assertEquals(2.0, v.members().get(1).weight());
        assertTrue(v.members().get(0).medianMs() < v.members().get(1).medianMs());
        assertTrue(v.sha256().matches("[0-9a-f]{64}"));
    }

    @Test
    void aSingleModelIsOneMemberOfWeightOne() {
        ModelVersion v = ModelVersion.load(dir.resolve("members/tiny64-fold0"), JSON, ModelDirectory.AUTO, CPU);
        assertEquals(1, v.members().size());
        assertEquals(1.0, v.members().get(0).weight());
        assertEquals(v.spec().model().sha256(), v.sha256());
    }

    @Test
    void aChangedMemberSpecIsRefused() throws IOException {
        Path member = dir.resolve("members/tiny96-fold1/model.json");
        Files.writeString(member, Files.readString(member).replace("\"threshold\": 0.5", "\"threshold\": 0.4"));
        String m = refused();
        assertTrue(m.contains("member tiny96-fold1") && m.contains("sha256"), m);
    }

    @Test
    void aMemberOutsideTheDirectoryIsRefused() throws IOException {
        ObjectNode spec = spec();
        ((ObjectNode) spec.get("members").get(0)).put("dir", "members/../../elsewhere");
        write(spec);
        assertTrue(refused().contains("members[0].dir"));
    }

    @Test
    void aMissingMemberIsNamed() throws IOException {
        ObjectNode spec = spec();
        ((ObjectNode) spec.get("members").get(1)).put("dir", "members/not-there");
        write(spec);
        String m = refused();
        assertTrue(m.contains("member tiny96-fold1") && m.contains("does not exist"), m);
    }

    @Test
    void anEnsembleOfEnsemblesIsRefused() throws IOException {
        Path nested = dir.resolve("members/tiny64-fold0/model.json");
        Files.copy(dir.resolve("model.json"), nested, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ObjectNode spec = spec();
        ((ObjectNode) spec.get("members").get(0)).put("specSha256", DescribedFile.sha256(nested));
        write(spec);
        String m = refused();
        assertTrue(m.contains("must be single models"), m);
    }

    @Test
    void aGraphChoiceCannotApplyToAnEnsemble() {
        String m = assertThrows(InvalidModelException.class,
                () -> ModelVersion.load(dir, JSON, "model.onnx", CPU)).getMessage();
        assertTrue(m.contains("auto"), m);
    }

    @Test
    void anEmptyMemberListIsRefusedNamingIt() throws IOException {
        ObjectNode spec = spec();
        ((ArrayNode) spec.get("members")).removeAll();
        write(spec);
        String m = refused();
        assertTrue(m.contains("members: must have at least 1 items"), m);
    }
}
