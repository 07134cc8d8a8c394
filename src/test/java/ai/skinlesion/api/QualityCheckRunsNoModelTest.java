package ai.skinlesion.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import ai.skinlesion.TestData;
import ai.skinlesion.classify.LesionClassifier;
import io.quarkus.test.junit.QuarkusTest;

/** POST /v1/quality decodes and preprocesses the photo and never runs the model; a prediction runs it once. */
@QuarkusTest
class QualityCheckRunsNoModelTest {

    @Inject
    LesionClassifier classifier;

    @Test
    void theQualityCheckNeverRunsTheModel() {
        byte[] photo = TestData.bytes("dermoscopy/ISIC_0024310.jpg");
        long before = classifier.inferences();
        for (int i = 0; i < 3; i++) {
            given().contentType("image/jpeg").body(photo).post("/v1/quality").then().statusCode(200);
        }
        assertEquals(before, classifier.inferences(), "/v1/quality ran the model");
        given().contentType("image/jpeg").body(photo).post("/v1/predictions").then().statusCode(200);
        assertEquals(before + 1, classifier.inferences(), "the counter counts a prediction's run");
    }
}
