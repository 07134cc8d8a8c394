package ai.skinlesion.ensemble;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * An ensemble of two members of different sizes, crops and resize choices, without test-time augmentation: the
 * service's answer for real photos against TensorFlow's, member by member and combined with the weights.
 */
@QuarkusTest
@TestProfile(EnsembleTest.Profile.class)
class EnsembleTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.model.dir", EnsembleFixture.NONE);
        }
    }

    static JsonPath predict(String file) {
        return given().contentType("image/jpeg").body(TestData.bytes(file)).when().post("/v1/predictions")
                .then().statusCode(200).extract().jsonPath();
    }

    @Test
    void theAnswerIsTensorFlowsWeightedMeanOfTheMembers() {
        double worst = 0;
        for (EnsembleFixture.Photo photo : EnsembleFixture.photos()) {
            JsonPath answer = predict(photo.file());
            double p = answer.getDouble("malignantProbability");
            worst = Math.max(worst, Math.abs(p - photo.ensemble().get("none")));
            assertEquals(photo.ensemble().get("none"), p, EnsembleFixture.TOLERANCE, photo.file());
            List<Map<String, Object>> members = answer.getList("members");
            assertEquals(2, members.size());
            double min = 1;
            double max = 0;
            for (Map<String, Object> m : members) {
                double expected = photo.members().get((String) m.get("name")).get("none");
                double got = ((Number) m.get("probability")).doubleValue();
                assertEquals(expected, got, EnsembleFixture.TOLERANCE, photo.file() + " " + m.get("name"));
                assertEquals(true, m.get("ran"));
                min = Math.min(min, got);
                max = Math.max(max, got);
            }
            assertEquals(1.0, ((Number) members.get(0).get("weight")).doubleValue());
            assertEquals(2.0, ((Number) members.get(1).get("weight")).doubleValue());
            assertEquals(max - min, answer.getDouble("spread"), 1e-6, photo.file());
            assertEquals("none", answer.getString("combination.tta"));
            assertEquals("full", answer.getString("combination.mode"));
            assertTrue(answer.getBoolean("combination.escalated"));
            assertEquals(p >= 0.5 ? "malignant" : "benign", answer.getString("label"));
        }
        System.out.printf("ensemble without TTA: max |service - TensorFlow| = %.3g over %d photos%n", worst,
                EnsembleFixture.photos().size());
    }

    /** The members weigh differently, so an unweighted mean would be wrong: the fixture's photos tell them apart. */
    @Test
    void theWeightsMatter() {
        EnsembleFixture.Photo photo = EnsembleFixture.photos().get(0);
        double unweighted = (photo.members().get(EnsembleFixture.CHEAP).get("none")
                + photo.members().get(EnsembleFixture.OTHER).get("none")) / 2;
        assertTrue(Math.abs(unweighted - photo.ensemble().get("none")) > 100 * EnsembleFixture.TOLERANCE);
    }

    @Test
    void theAnswerNamesTheEnsembleByItsModelJson() throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(Path.of(EnsembleFixture.NONE, "model.json"))));
        JsonPath answer = predict(EnsembleFixture.photos().get(0).file());
        assertEquals(sha, answer.getString("model.sha256"));
        assertEquals("ensemble-tiny", answer.getString("model.name"));
        assertFalse(answer.getBoolean("model.trained"));
        assertTrue(answer.getString("warning").contains("UNTRAINED"));
    }

    /**
     * One map over the first member's square, from both members' maps: its grid is the first member's, and it differs
     * from what the first member alone gives (the second member's map is in it).
     */
    @Test
    void theHeatmapCombinesTheMembersMaps() {
        String file = EnsembleFixture.photos().get(0).file();
        JsonPath answer = given().contentType("image/jpeg").body(TestData.bytes(file)).queryParam("include", "heatmap,input")
                .when().post("/v1/predictions").then().statusCode(200).extract().jsonPath();
        List<List<Float>> grid = answer.getList("heatmap.grid");
        assertEquals(16, grid.size(), "the 64 px member's map: 16 x 16");
        assertEquals(16, grid.get(0).size());
        assertTrue(answer.getString("heatmap.png").startsWith("data:image/png;base64,"));
        assertTrue(answer.getString("input").startsWith("data:image/png;base64,"));
        assertEquals(EnsembleFixture.photos().get(0).ensemble().get("none"), answer.getDouble("malignantProbability"),
                EnsembleFixture.TOLERANCE, "a heatmap does not change the answer");
    }

    @Test
    void theModelEndpointShowsTheEnsemblesSpec() {
        given().when().get("/v1/model").then().statusCode(200)
                .body("specVersion", org.hamcrest.Matchers.equalTo(4))
                .body("members.name", org.hamcrest.Matchers.contains(EnsembleFixture.CHEAP, EnsembleFixture.OTHER));
    }
}
