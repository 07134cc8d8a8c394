package ai.skinlesion.ensemble;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * An ensemble of a member that takes patient metadata (the metadata fixture) and one that does not (the ensemble
 * fixture's 64 px member), weights 1 and 3: the metadata reaches the one that takes it and no other, and the answer is
 * TensorFlow's probabilities of the two, combined, for the photos both fixtures computed.
 */
@QuarkusTest
@TestProfile(MetadataMemberTest.Profile.class)
class MetadataMemberTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path METADATA = Path.of("src/test/resources/models/metadata-tiny").toAbsolutePath();
    static final Path TINY64 = Path.of("src/test/resources/models/ensemble-tiny/1/members/tiny64-fold0").toAbsolutePath();
    static final double W_METADATA = 1;
    static final double W_TINY = 3;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.model.dir", ensembleDirectory().toString());
        }
    }

    /** members/with-metadata and members/image-only link to the fixtures; model.json pins their model.json. */
    static Path ensembleDirectory() {
        try {
            Path dir = Files.createTempDirectory("metadata-ensemble");
            Files.createDirectories(dir.resolve("members"));
            Files.createSymbolicLink(dir.resolve("members/with-metadata"), METADATA.resolve("1"));
            Files.createSymbolicLink(dir.resolve("members/image-only"), TINY64);
            ObjectNode spec = JSON.createObjectNode().put("specVersion", 4).put("name", "metadata-ensemble")
                    .put("version", "1").put("trained", false).put("task", "binary-classification");
            var members = spec.putArray("members");
            members.addObject().put("name", "with-metadata").put("dir", "members/with-metadata").put("weight", W_METADATA)
                    .put("specSha256", sha256(METADATA.resolve("1/model.json")));
            members.addObject().put("name", "image-only").put("dir", "members/image-only").put("weight", W_TINY)
                    .put("specSha256", sha256(TINY64.resolve("model.json")));
            spec.putObject("combination").put("method", "weighted-mean-probability").put("tta", "none");
            spec.putObject("decision").put("threshold", 0.5).put("positiveLabel", "malignant").put("negativeLabel", "benign");
            Files.writeString(dir.resolve("model.json"), JSON.writeValueAsString(spec));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theMetadataReachesTheMemberThatTakesItAndTheAnswerIsTensorFlows() throws IOException {
        Map<String, Double> imageOnly = new java.util.HashMap<>();
        for (EnsembleFixture.Photo p : EnsembleFixture.photos()) {
            imageOnly.put(p.file(), p.members().get(EnsembleFixture.CHEAP).get("none"));
        }
        int checked = 0;
        for (JsonNode c : JSON.readTree(METADATA.resolve("expected.json").toFile()).get("predictions")) {
            String file = c.get("file").asText();
            if (!imageOnly.containsKey(file)) {
                continue;
            }
            RequestSpecification request = given().contentType("image/jpeg").body(TestData.bytes(file));
            for (var it = c.get("metadata").fields(); it.hasNext();) {
                var field = it.next();
                request = request.queryParam(field.getKey(), field.getValue().asText());
            }
            JsonPath answer = request.when().post("/v1/predictions").then().statusCode(200).extract().jsonPath();
            double expected = (W_METADATA * c.get("probability").asDouble() + W_TINY * imageOnly.get(file))
                    / (W_METADATA + W_TINY);
            assertEquals(expected, answer.getDouble("malignantProbability"), EnsembleFixture.TOLERANCE,
                    file + " " + c.get("metadata"));
            List<Map<String, Object>> members = answer.getList("members");
            assertEquals(c.get("probability").asDouble(), ((Number) members.get(0).get("probability")).doubleValue(),
                    EnsembleFixture.TOLERANCE);
            assertEquals(imageOnly.get(file), ((Number) members.get(1).get("probability")).doubleValue(),
                    EnsembleFixture.TOLERANCE, "the image-only member is not moved by metadata");
            assertTrue(answer.getBoolean("metadata.used"));
            assertTrue(answer.getString("metadata.note").contains("with-metadata"));
            assertTrue(!answer.getString("metadata.note").contains("image-only"));
            checked++;
        }
        assertTrue(checked >= 8, "the photos both fixtures computed (ISIC_0000000) x the 8 metadata cases: " + checked);
    }
}
