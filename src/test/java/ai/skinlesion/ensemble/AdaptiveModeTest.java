package ai.skinlesion.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Adaptive mode on the ensemble with dihedral8: the cheapest member (the smaller measured cost in model.json) runs
 * alone, without augmentation; when its probability is within the band of the threshold the answer is exactly the
 * full one (every member, every view), otherwise it is that member's own. The band is chosen so that the fixture's
 * photos fall on both sides, which the test checks before relying on it.
 */
@QuarkusTest
@TestProfile(AdaptiveModeTest.Profile.class)
class AdaptiveModeTest {

    static final double BAND = 0.06;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.model.dir", EnsembleFixture.DIHEDRAL8, "melanoma.ensemble.mode", "adaptive",
                    "melanoma.ensemble.adaptive-band", Double.toString(BAND));
        }
    }

    @Test
    void escalatedAnswersAreTheFullOnesAndTheOthersTheCheapMembers() {
        int escalated = 0;
        int cheapOnly = 0;
        for (EnsembleFixture.Photo photo : EnsembleFixture.photos()) {
            double cheap = photo.members().get(EnsembleFixture.CHEAP).get("none");
            JsonPath answer = EnsembleTest.predict(photo.file());
            List<Map<String, Object>> members = answer.getList("members");
            Map<String, Object> other = members.stream().filter(m -> m.get("name").equals(EnsembleFixture.OTHER))
                    .findFirst().orElseThrow();
            assertEquals("adaptive", answer.getString("combination.mode"));
            if (Math.abs(cheap - 0.5) <= BAND) {
                escalated++;
                assertTrue(answer.getBoolean("combination.escalated"), photo.file());
                assertEquals(photo.ensemble().get("dihedral8"), answer.getDouble("malignantProbability"),
                        EnsembleFixture.TOLERANCE, photo.file() + ": escalated = full mode");
                assertEquals(true, other.get("ran"));
            } else {
                cheapOnly++;
                assertFalse(answer.getBoolean("combination.escalated"), photo.file());
                assertEquals(cheap, answer.getDouble("malignantProbability"), EnsembleFixture.TOLERANCE,
                        photo.file() + ": the cheap member alone, without augmentation");
                assertEquals(false, other.get("ran"));
                assertNull(other.get("probability"));
                assertFalse(answer.getMap("$").containsKey("spread"), "one member ran: no spread");
                // outside the band the cheap answer is on the same side of the threshold as itself, by construction;
                // what the full answer would have said is measured in docs/BENCHMARKS.md, not promised here
                assertEquals(cheap >= 0.5 ? "malignant" : "benign", answer.getString("label"));
            }
        }
        assertTrue(escalated > 0 && cheapOnly > 0, "the band must split the fixture's photos: escalated " + escalated
                + ", cheap only " + cheapOnly);
    }
}
