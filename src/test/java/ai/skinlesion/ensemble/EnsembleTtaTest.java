package ai.skinlesion.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The same members with dihedral8 test-time augmentation: each member's probability is the mean over the 8 views that
 * TensorFlow computed with numpy's rot90 and fliplr, and the combination is weighted as without it. The views change
 * the members' probabilities by more than the tolerance, so a wrong or missing view would show.
 */
@QuarkusTest
@TestProfile(EnsembleTtaTest.Profile.class)
class EnsembleTtaTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.model.dir", EnsembleFixture.DIHEDRAL8);
        }
    }

    @Test
    void eachMemberAveragesTheEightViewsAsTensorFlowDid() {
        double worst = 0;
        double largestEffect = 0;
        for (EnsembleFixture.Photo photo : EnsembleFixture.photos()) {
            JsonPath answer = EnsembleTest.predict(photo.file());
            double p = answer.getDouble("malignantProbability");
            worst = Math.max(worst, Math.abs(p - photo.ensemble().get("dihedral8")));
            largestEffect = Math.max(largestEffect, Math.abs(photo.ensemble().get("dihedral8") - photo.ensemble().get("none")));
            assertEquals(photo.ensemble().get("dihedral8"), p, EnsembleFixture.TOLERANCE, photo.file());
            for (Map<String, Object> m : answer.<Map<String, Object>>getList("members")) {
                assertEquals(photo.members().get((String) m.get("name")).get("dihedral8"),
                        ((Number) m.get("probability")).doubleValue(), EnsembleFixture.TOLERANCE,
                        photo.file() + " " + m.get("name"));
            }
            assertEquals("dihedral8", answer.getString("combination.tta"));
        }
        org.junit.jupiter.api.Assertions.assertTrue(largestEffect > 100 * EnsembleFixture.TOLERANCE,
                "the fixture's views must move the answer, or this test could not see them: " + largestEffect);
        System.out.printf("ensemble with dihedral8: max |service - TensorFlow| = %.3g over %d photos (TTA moves the"
                + " answer by up to %.3g)%n", worst, EnsembleFixture.photos().size(), largestEffect);
    }

    @Test
    void theHeatmapOfTheViewsIsBroughtBackAndAveraged() {
        String file = EnsembleFixture.photos().get(0).file();
        JsonPath answer = io.restassured.RestAssured.given().contentType("image/jpeg")
                .body(ai.skinlesion.TestData.bytes(file)).queryParam("include", "heatmap").when()
                .post("/v1/predictions").then().statusCode(200).extract().jsonPath();
        List<List<Float>> grid = answer.getList("heatmap.grid");
        assertEquals(16, grid.size());
    }
}
