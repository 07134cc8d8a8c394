package ai.skinlesion.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A model.json with a Platt calibration and a threshold chosen on the calibrated scale (as melanoma-export
 * calibrate writes it), beside the demo's graphs: every answer says calibrated, carries the model's own output too,
 * and the label follows the threshold on the calibrated probability. /v1/model points at the card.
 */
@QuarkusTest
@TestProfile(CalibratedModelTest.Calibrated.class)
class CalibratedModelTest {

    static final double A = 1.7;
    static final double B = -0.4;
    static final double THRESHOLD = 0.3;

    public static class Calibrated implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.model.dir", calibratedCopyOfTheDemo().toString());
        }
    }

    /** The demo's directory with links to its graphs and a calibrated model.json (a new version, specVersion 3). */
    static Path calibratedCopyOfTheDemo() {
        try {
            Path demo = Path.of("models/efficientnetb4-demo/1").toAbsolutePath();
            Path dir = Files.createTempDirectory("calibrated-model");
            dir.toFile().deleteOnExit();
            try (Stream<Path> files = Files.list(demo)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (!f.getFileName().toString().equals("model.json")) {
                        Files.createSymbolicLink(dir.resolve(f.getFileName()), f);
                    }
                }
            }
            ObjectMapper json = new ObjectMapper();
            ObjectNode spec = (ObjectNode) json.readTree(demo.resolve("model.json").toFile());
            spec.put("specVersion", 3).put("version", "2");
            ObjectNode decision = (ObjectNode) spec.get("decision");
            decision.put("threshold", THRESHOLD);
            decision.putObject("chosenBy").put("method", "fixed").put("scale", "calibrated");
            spec.putObject("calibration").put("method", "platt").put("a", A).put("b", B);
            spec.putObject("evaluation").put("auc", 0.5).put("n", 38);
            Files.writeString(dir.resolve("model.json"), json.writeValueAsString(spec));
            Files.writeString(dir.resolve("MODEL_CARD.md"), "# Model card: efficientnetb4-demo 2\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theAnswerIsTheCalibratedProbabilityAndSaysSo() throws IOException {
        for (String photo : new String[] { "dermoscopy/ISIC_0000000.jpg", "dermoscopy/ISIC_0024310.jpg" }) {
            String body = given().contentType("image/jpeg").body(TestData.bytes(photo))
                    .when().post("/v1/predictions")
                    .then().statusCode(200)
                    .body("calibrated", equalTo(true))
                    .body("threshold", equalTo((float) THRESHOLD))
                    .extract().asString();
            JsonNode answer = new ObjectMapper().readTree(body); // doubles as sent (RestAssured reads floats)
            double raw = answer.get("uncalibratedProbability").doubleValue();
            double logit = Math.log(raw / (1 - raw));
            double expected = 1 / (1 + Math.exp(-(A * logit + B)));
            assertEquals(expected, answer.get("malignantProbability").doubleValue(), 1e-12, photo);
            assertEquals(expected >= THRESHOLD ? "malignant" : "benign", answer.get("label").textValue(), photo);
        }
    }

    @Test
    void theModelEndpointShowsTheCalibrationAndLinksTheCard() {
        given().when().get("/v1/model")
                .then().statusCode(200)
                .body("specVersion", equalTo(3))
                .body("calibration.method", equalTo("platt"))
                .body("decision.chosenBy.scale", equalTo("calibrated"))
                .body("evaluation.n", equalTo(38))
                .body("modelCard", equalTo("/v1/model/card"));
        given().when().get("/v1/model/card")
                .then().statusCode(200)
                .contentType(containsString("text/markdown"))
                .body(containsString("# Model card: efficientnetb4-demo 2"));
    }
}
