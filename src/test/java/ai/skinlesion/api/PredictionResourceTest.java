package ai.skinlesion.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Base64;

import org.junit.jupiter.api.Test;

import ai.skinlesion.Forms;
import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * The API as clients use it. In test mode every request goes through Quarkus' mock Lambda event server,
 * which turns it into an API Gateway HTTP API event: the same path as on AWS Lambda.
 */
@QuarkusTest
class PredictionResourceTest {

    private static final String PHOTO = "dermoscopy/ISIC_0000000.jpg";

    @Test
    void rawJpegGetsTheFullAnswer() {
        given().contentType("image/jpeg").body(TestData.bytes(PHOTO))
                .when().post("/v1/predictions")
                .then().statusCode(200)
                .contentType("application/json")
                .body("malignantProbability", allOf(greaterThanOrEqualTo(0f), lessThanOrEqualTo(1f)))
                // the demo's model.json has no calibration: the model's own output, and nothing else said about it
                .body("calibrated", equalTo(false))
                .body("$", not(hasKey("uncalibratedProbability")))
                .body("label", oneOf("malignant", "benign"))
                .body("threshold", equalTo(0.5f))
                .body("model.name", not(emptyString()))
                .body("model.sha256", matchesPattern("[0-9a-f]{64}"))
                .body("model.trained", equalTo(false))
                .body("image.format", equalTo("image/jpeg"))
                .body("image.width", equalTo(1022))
                .body("image.height", equalTo(767))
                .body("image.exifOrientation", equalTo(1))
                // 50% of the shorter side, rounded half up: floor(383.5 + 0.5) = 384
                .body("image.crop.size", equalTo(384))
                .body("image.crop.left", equalTo(319))
                .body("image.crop.top", equalTo(191))
                .body("timingsMs.decode", greaterThan(0f))
                .body("timingsMs.preprocess", greaterThan(0f))
                .body("timingsMs.inference", greaterThan(0f))
                .body("timingsMs.total", greaterThan(0f))
                .body("disclaimer", containsString("Not a diagnosis"))
                .body("warning", containsString("UNTRAINED"));
    }

    @Test
    void theThreeBodyShapesGiveTheSameProbability() {
        byte[] photo = TestData.bytes(PHOTO);
        float raw = given().contentType("image/jpeg").body(photo).post("/v1/predictions")
                .then().statusCode(200).extract().path("malignantProbability");
        float multipart = Forms.given().multiPart("image", "photo.jpg", photo, "image/jpeg").post("/v1/predictions")
                .then().statusCode(200).extract().path("malignantProbability");
        float json = given().contentType("application/json")
                .body("{\"image\": \"" + Base64.getEncoder().encodeToString(photo) + "\"}")
                .post("/v1/predictions")
                .then().statusCode(200).extract().path("malignantProbability");
        assertEquals(raw, multipart, 0.0);
        assertEquals(raw, json, 0.0);
    }

    @Test
    void pngIsAccepted() {
        given().contentType("image/png").body(TestData.bytes("formats/png16-rgb.png"))
                .when().post("/v1/predictions")
                .then().statusCode(200)
                .body("image.format", equalTo("image/png"))
                .body("image.width", equalTo(900));
    }

    /** WebP, what many Android apps save, as a raw body, a form part and base64 alike, its EXIF orientation applied. */
    @Test
    void webpIsAcceptedInEveryBodyShape() {
        byte[] webp = TestData.bytes("exif-orientation/webp_orientation_6.webp");
        float raw = given().contentType("image/webp").body(webp).post("/v1/predictions")
                .then().statusCode(200)
                .body("image.format", equalTo("image/webp"))
                .body("image.exifOrientation", equalTo(6))
                .body("image.width", equalTo(128))
                .extract().path("malignantProbability");
        float multipart = Forms.given().multiPart("image", "photo.webp", webp, "image/webp").post("/v1/predictions")
                .then().statusCode(200).body("image.format", equalTo("image/webp")).extract().path("malignantProbability");
        float json = given().contentType("application/json")
                .body("{\"image\": \"data:image/webp;base64," + Base64.getEncoder().encodeToString(webp) + "\"}")
                .post("/v1/predictions")
                .then().statusCode(200).body("image.format", equalTo("image/webp")).extract().path("malignantProbability");
        assertEquals(raw, multipart, 0.0);
        assertEquals(raw, json, 0.0);
        given().contentType("image/webp").body(TestData.bytes("formats/webp-lossless-rgba.webp")).post("/v1/predictions")
                .then().statusCode(200).body("image.format", equalTo("image/webp"));
    }

    @Test
    void theFormatComesFromTheBytesNotTheLabel() {
        given().contentType("image/png").body(TestData.bytes(PHOTO))
                .when().post("/v1/predictions")
                .then().statusCode(200).body("image.format", equalTo("image/jpeg"));
    }

    @Test
    void exifOrientationIsApplied() {
        given().contentType("image/jpeg").body(TestData.bytes("exif-orientation/dermoscopy_orientation_6.jpg"))
                .when().post("/v1/predictions")
                .then().statusCode(200)
                .body("image.exifOrientation", equalTo(6))
                .body("image.width", equalTo(600))
                .body("image.height", equalTo(450));
    }

    @Test
    void differentPhotosGetDifferentProbabilities() {
        float a = given().contentType("image/jpeg").body(TestData.bytes(PHOTO)).post("/v1/predictions")
                .then().statusCode(200).extract().path("malignantProbability");
        float b = given().contentType("image/jpeg").body(TestData.bytes("dermoscopy/ISIC_0024310.jpg"))
                .post("/v1/predictions").then().statusCode(200).extract().path("malignantProbability");
        org.junit.jupiter.api.Assertions.assertNotEquals(a, b);
    }

    @Test
    void modelSpecIsServed() {
        given().when().get("/v1/model")
                .then().statusCode(200)
                .body("specVersion", equalTo(3))
                .body("trained", equalTo(false))
                .body("input.preprocessing.centerCropFraction", equalTo(0.5f))
                .body("model.sha256", matchesPattern("[0-9a-f]{64}"))
                .body("$", not(hasKey("modelCard")));
        // the demo's directory has no MODEL_CARD.md
        given().when().get("/v1/model/card").then().statusCode(404).contentType("application/problem+json");
    }

    /** The endpoint carries the model's check; that the check is down before the warm-up: ModelReadinessTest. */
    @Test
    void theReadinessEndpointCarriesTheModelsCheck() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'model' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'model' }.data.trained", equalTo(false));
    }

    @Test
    void openApiDocumentsTheEndpointsWithExamples() {
        Response doc = given().queryParam("format", "json").when().get("/q/openapi");
        doc.then().statusCode(200)
                .body("paths.'/v1/predictions'.post.requestBody.content", hasKey("image/jpeg"))
                .body("paths.'/v1/predictions'.post.requestBody.content", hasKey("multipart/form-data"))
                .body("paths.'/v1/predictions'.post.requestBody.content", hasKey("application/json"))
                .body("paths.'/v1/model'.get", notNullValue())
                .body("components.schemas.Prediction.properties", hasKey("malignantProbability"))
                .body("components.schemas.Prediction.properties", hasKey("requiresReview"))
                .body("components.schemas.Prediction.properties", hasKey("members"))
                .body("components.schemas.Prediction.properties", hasKey("metadata"))
                .body("components.schemas.Base64Image.properties", hasKey("metadata"));
        org.junit.jupiter.api.Assertions.assertTrue(doc.asString().contains("urn:problem-type:melanoma:too-many-pixels"),
                "problem examples are documented");
        org.junit.jupiter.api.Assertions.assertTrue(doc.asString().contains("urn:problem-type:melanoma:invalid-metadata"),
                "the metadata refusal is documented");
    }

    /**
     * The demo takes no metadata: what was sent is checked all the same (so that a typo is caught whatever model is
     * deployed) and the answer says it was ignored; without metadata sent there is no metadata field at all.
     */
    @Test
    void metadataSentToAModelWithoutItIsCheckedThenIgnored() {
        Response withMetadata = given().contentType("image/jpeg").body(TestData.bytes(PHOTO))
                .queryParam("sex", "female").queryParam("age", "55")
                .when().post("/v1/predictions").then().statusCode(200)
                .body("metadata.used", equalTo(false))
                .body("metadata.sex", equalTo("female"))
                .body("metadata.age", equalTo(55))
                .body("metadata.note", containsString("ignored"))
                .extract().response();
        Response without = given().contentType("image/jpeg").body(TestData.bytes(PHOTO))
                .when().post("/v1/predictions").then().statusCode(200)
                .body("$", not(hasKey("metadata")))
                .body("$", not(hasKey("members")))
                .body("$", not(hasKey("spread")))
                .extract().response();
        assertEquals(without.jsonPath().getDouble("malignantProbability"),
                withMetadata.jsonPath().getDouble("malignantProbability"), 0.0);
        given().contentType("image/jpeg").body(TestData.bytes(PHOTO)).queryParam("gender", "female")
                .when().post("/v1/predictions").then().statusCode(422)
                .body("type", equalTo("urn:problem-type:melanoma:invalid-metadata"))
                .body("field", equalTo("gender"));
        given().contentType("image/jpeg").body(TestData.bytes(PHOTO)).queryParam("site", "elbow")
                .when().post("/v1/predictions").then().statusCode(422)
                .body("type", equalTo("urn:problem-type:melanoma:invalid-metadata"))
                .body("field", equalTo("site"));
    }

    /** A single model answers requiresReview from its distance to the threshold alone (melanoma.review.band 0.1). */
    @Test
    void everyAnswerSaysWhetherItNeedsReview() {
        Response r = given().contentType("image/jpeg").body(TestData.bytes(PHOTO))
                .when().post("/v1/predictions").then().statusCode(200)
                .body("review.band", equalTo(0.1f))
                .body("review.maxSpread", equalTo(0.3f))
                .extract().response();
        double p = r.jsonPath().getDouble("malignantProbability");
        boolean near = Math.abs(p - 0.5) <= 0.1;
        assertEquals(near, r.jsonPath().getBoolean("requiresReview"));
        assertEquals(near ? java.util.List.of("near-threshold") : java.util.List.of(), r.jsonPath().getList("review.reasons"));
    }
}
