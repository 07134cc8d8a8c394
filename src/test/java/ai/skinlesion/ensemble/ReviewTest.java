package ai.skinlesion.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The review advice follows its configuration: with a band of 0.2 and a spread limit of 0.25, each answer's reasons
 * are exactly the ones TensorFlow's probabilities for the fixture imply, and the fixture's photos give each reason at
 * least once.
 */
@QuarkusTest
@TestProfile(ReviewTest.Profile.class)
class ReviewTest {

    static final double BAND = 0.2;
    static final double MAX_SPREAD = 0.25;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.model.dir", EnsembleFixture.NONE, "melanoma.review.band", Double.toString(BAND),
                    "melanoma.review.max-spread", Double.toString(MAX_SPREAD));
        }
    }

    @Test
    void reasonsFollowTheBandAndTheSpreadLimit() {
        int near = 0;
        int disagree = 0;
        for (EnsembleFixture.Photo photo : EnsembleFixture.photos()) {
            double p = photo.ensemble().get("none");
            double spread = Math.abs(photo.members().get(EnsembleFixture.CHEAP).get("none")
                    - photo.members().get(EnsembleFixture.OTHER).get("none"));
            if (Math.abs(Math.abs(p - 0.5) - BAND) < 1e-4 || Math.abs(spread - MAX_SPREAD) < 1e-4) {
                continue; // too close to a limit for the tolerance to decide
            }
            JsonPath answer = EnsembleTest.predict(photo.file());
            List<String> expected = new java.util.ArrayList<>();
            if (!answer.getList("quality.problems").isEmpty()) {
                expected.add("quality");
            }
            if (Math.abs(p - 0.5) <= BAND) {
                expected.add("near-threshold");
                near++;
            }
            if (spread > MAX_SPREAD) {
                expected.add("members-disagree");
                disagree++;
            }
            assertEquals(expected, answer.getList("review.reasons"), photo.file());
            assertEquals(!expected.isEmpty(), answer.getBoolean("requiresReview"), photo.file());
            assertEquals(BAND, answer.getDouble("review.band"), 1e-9);
            assertEquals(MAX_SPREAD, answer.getDouble("review.maxSpread"), 1e-9);
        }
        assertTrue(near > 0 && disagree > 0, "near " + near + ", disagree " + disagree);
    }
}
