package ai.skinlesion.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.skinlesion.TestData;
import ai.skinlesion.classify.LesionClassifier;
import ai.skinlesion.quality.PhotoVariants;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Refusal mode (melanoma.quality.refuse) and a model whose spec declares no class activation map: the demo's
 * model.onnx with a model.json that lists no extra output and tightens one quality threshold.
 */
@QuarkusTest
@TestProfile(QualityRefusalTest.RefusingWithoutMap.class)
class QualityRefusalTest {

    /** A dark photo: mean luminance 53.6, above the configured minimum of 50, below this spec's 60. */
    private static final String PHOTO = "dermoscopy/ISIC_0000000.jpg";
    private static final String BRIGHTER_PHOTO = "dermoscopy/ISIC_0024310.jpg";

    public static class RefusingWithoutMap implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.quality.refuse", "true", "melanoma.model.dir", modelWithoutMap().toString(),
                    "melanoma.model.graph", "model.onnx");
        }

        /** A copy of the demo's model.json without extraOutputs and with quality.minBrightness 60, beside its model.onnx. */
        static Path modelWithoutMap() {
            try {
                Path demo = Path.of("models", "efficientnetb4-demo", "1");
                Path dir = Path.of("target", "test-models", "no-map", "1");
                Files.createDirectories(dir);
                ObjectMapper json = new ObjectMapper();
                ObjectNode spec = (ObjectNode) json.readTree(demo.resolve("model.json").toFile());
                spec.putArray("extraOutputs");
                spec.remove("runtimeGraphs");
                spec.putObject("quality").put("minBrightness", 60.0);
                json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model.json").toFile(), spec);
                Path onnx = dir.resolve("model.onnx");
                if (!Files.exists(onnx) || Files.size(onnx) != Files.size(demo.resolve("model.onnx"))) {
                    Files.copy(demo.resolve("model.onnx"), onnx, StandardCopyOption.REPLACE_EXISTING);
                }
                return dir.toAbsolutePath();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    LesionClassifier classifier;

    @Test
    void aGoodPhotoIsStillClassified() {
        given().contentType("image/jpeg").body(TestData.bytes(BRIGHTER_PHOTO))
                .when().post("/v1/predictions")
                .then().statusCode(200).body("quality.problems", empty());
    }

    @Test
    void aPoorPhotoIsRefusedWithAdviceAndTheModelIsNotRun() {
        byte[] dark = PhotoVariants.png(PhotoVariants.exposed(PhotoVariants.read(TestData.bytes(PHOTO)),
                PhotoVariants.DARKEN));
        long before = classifier.inferences();
        given().contentType("image/png").body(dark)
                .when().post("/v1/predictions")
                .then().statusCode(422)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:problem-type:melanoma:poor-quality"))
                .body("problems", hasItem("too-dark"))
                .body("advice[0]", containsString("light"))
                .body("detail", containsString("too-dark"))
                .body("quality.brightness", lessThan(50f));
        assertEquals(before, classifier.inferences(), "a refused photo is not classified");
    }

    @Test
    void theSpecsThresholdOverridesTheConfiguration() {
        given().contentType("image/jpeg").body(TestData.bytes(PHOTO))
                .when().post("/v1/quality")
                .then().statusCode(200)
                .body("quality.problems", contains("too-dark"))
                .body("quality.brightness", allOf(greaterThan(50f), lessThan(60f)));
    }

    @Test
    void aHeatmapFromAModelWithoutAMapIsA400() {
        long before = classifier.inferences();
        given().contentType("image/jpeg").body(TestData.bytes(BRIGHTER_PHOTO)).queryParam("include", "heatmap")
                .when().post("/v1/predictions")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:problem-type:melanoma:heatmap-unavailable"))
                .body("detail", containsString("class activation map"));
        assertEquals(before, classifier.inferences());
        given().contentType("image/jpeg").body(TestData.bytes(BRIGHTER_PHOTO)).queryParam("include", "input")
                .when().post("/v1/predictions")
                .then().statusCode(200).body("input", startsWith("data:image/png;base64,"));
    }
}
