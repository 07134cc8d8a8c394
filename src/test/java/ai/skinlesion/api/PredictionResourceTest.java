package ai.skinlesion.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;

import org.junit.jupiter.api.Test;

import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class PredictionResourceTest {

    @Test
    void rawJpegGetsAProbability() {
        given().contentType("image/jpeg").body(TestData.bytes("dermoscopy/ISIC_0000000.jpg"))
                .when().post("/v1/predictions")
                .then().statusCode(200)
                .body("malignantProbability", allOf(greaterThanOrEqualTo(0f), lessThanOrEqualTo(1f)))
                .body("image.width", equalTo(1022));
    }
}
