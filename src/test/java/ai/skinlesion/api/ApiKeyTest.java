package ai.skinlesion.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * With melanoma.security.api-key set (MELANOMA_SECURITY_API_KEY), /v1/* answers only requests that carry the key
 * in X-API-Key; everything else there gets 401 problem+json with a WWW-Authenticate hint. Health and the OpenAPI
 * document stay open.
 */
@QuarkusTest
@TestProfile(ApiKeyTest.WithApiKey.class)
class ApiKeyTest {

    static final String KEY = "test-key-6c1f0e2b9a";
    private static final String PHOTO = "dermoscopy/ISIC_0024306.jpg";

    public static class WithApiKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.security.api-key", KEY);
        }
    }

    @Test
    void theRightKeyIsLetThrough() {
        given().header("X-API-Key", KEY).contentType("image/jpeg").body(TestData.bytes(PHOTO))
                .when().post("/v1/predictions")
                .then().statusCode(200).body("label", org.hamcrest.Matchers.oneOf("benign", "malignant"));
        given().header("x-api-key", KEY).when().get("/v1/model").then().statusCode(200);
    }

    @Test
    void noKeyIsA401Problem() {
        given().contentType("image/jpeg").body(TestData.bytes(PHOTO))
                .when().post("/v1/predictions")
                .then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "ApiKey header=\"X-API-Key\"")
                .body("type", equalTo("urn:problem-type:melanoma:unauthorized"))
                .body("status", equalTo(401))
                .body("detail", containsString("X-API-Key"));
        given().when().get("/v1/model").then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void aWrongKeyIsA401Problem() {
        for (String wrong : List.of("", " ", KEY + "x", KEY.substring(1), KEY.toUpperCase(), "Bearer " + KEY, "x".repeat(1_000))) {
            given().header("X-API-Key", wrong).contentType("image/jpeg").body(TestData.bytes(PHOTO))
                    .when().post("/v1/predictions")
                    .then().statusCode(401).contentType("application/problem+json")
                    .body("detail", containsString("not valid"));
        }
    }

    /** The key is checked before anything else looks at the request: no Content-Type, bad body, wrong method. */
    @Test
    void theKeyComesFirst() throws Exception {
        assertEquals(401, raw("POST", "/v1/predictions", null).statusCode());
        given().contentType("application/json").body("{not json").when().post("/v1/predictions").then().statusCode(401);
        given().when().get("/v1/predictions").then().statusCode(401);
        given().when().get("/v1/no-such-thing").then().statusCode(401);
    }

    @Test
    void otherSpellingsOfTheApiPathAreNotLetThrough() throws Exception {
        for (String path : List.of("//v1/predictions", "/v1//predictions", "/v1/./predictions", "/x/../v1/predictions",
                "/V1/predictions", "/v1;a=b/predictions", "/%76%31/predictions", "/v1%2Fpredictions")) {
            HttpResponse<String> answer = raw("POST", path, "image/jpeg");
            assertNotEquals(200, answer.statusCode(), path + ": " + answer.body());
            assertTrue(answer.statusCode() == 401 || answer.statusCode() == 404 || answer.statusCode() == 400,
                    path + ": " + answer.statusCode());
        }
    }

    @Test
    void healthAndTheApiDocumentStayOpen() {
        given().when().get("/q/health/ready").then().statusCode(200);
        given().when().get("/q/openapi").then().statusCode(200);
    }

    private static HttpResponse<String> raw(String method, String path, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + path))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(TestData.bytes(PHOTO)));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
