package ai.skinlesion.metadata;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.skinlesion.Forms;
import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * A model with a patient metadata input (convert --metadata isic2020 of a tiny two-input Keras model,
 * model-export/fixtures/metadata.sh): for real photos and metadata cases, the service's answer against TensorFlow's,
 * whichever way the metadata comes (JSON metadata object, multipart fields, query parameters on a raw upload); the
 * echo; and every refusal.
 */
@QuarkusTest
@TestProfile(MetadataModelTest.Profile.class)
class MetadataModelTest {

    static final String DIR = "src/test/resources/models/metadata-tiny";
    static final ObjectMapper JSON = new ObjectMapper();

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.model.dir", DIR + "/1");
        }
    }

    record Case(String file, JsonNode metadata, double probability) {
    }

    static List<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();
        for (JsonNode p : JSON.readTree(Path.of(DIR, "expected.json").toFile()).get("predictions")) {
            cases.add(new Case(p.get("file").asText(), p.get("metadata"), p.get("probability").asDouble()));
        }
        return cases;
    }

    static JsonPath json(String file, JsonNode metadata) {
        ObjectNode body = JSON.createObjectNode().put("image", Base64.getEncoder().encodeToString(TestData.bytes(file)));
        body.set("metadata", metadata);
        return given().contentType("application/json").body(body.toString()).when().post("/v1/predictions")
                .then().statusCode(200).extract().jsonPath();
    }

    @Test
    void jsonMetadataGivesTensorFlowsProbability() throws IOException {
        double worst = 0;
        double smallestEffect = 1;
        Map<String, List<Double>> byPhoto = new java.util.HashMap<>();
        for (Case c : cases()) {
            JsonPath answer = json(c.file(), c.metadata());
            double p = answer.getDouble("malignantProbability");
            worst = Math.max(worst, Math.abs(p - c.probability()));
            assertEquals(c.probability(), p, 1e-5, c.file() + " " + c.metadata());
            assertTrue(answer.getBoolean("metadata.used"));
            byPhoto.computeIfAbsent(c.file(), f -> new ArrayList<>()).add(c.probability());
        }
        for (List<Double> ps : byPhoto.values()) {
            smallestEffect = Math.min(smallestEffect, ps.stream().mapToDouble(d -> d).max().orElseThrow()
                    - ps.stream().mapToDouble(d -> d).min().orElseThrow());
        }
        assertTrue(smallestEffect > 1e-3, "the metadata must move the fixture's answers, or this test could not see"
                + " it being ignored: " + smallestEffect);
        System.out.printf("metadata model: max |service - TensorFlow| = %.3g over %d photo x metadata cases%n", worst,
                cases().size());
    }

    @Test
    void multipartFieldsAndQueryParametersAreTheSameMetadata() throws IOException {
        for (Case c : cases()) {
            if (c.metadata().size() < 2) {
                continue;
            }
            RequestSpecification form = Forms.given().multiPart("image", "photo.jpg", TestData.bytes(c.file()), "image/jpeg");
            RequestSpecification raw = given().contentType("image/jpeg").body(TestData.bytes(c.file()));
            for (var it = c.metadata().fields(); it.hasNext();) {
                var field = it.next();
                form = form.multiPart(field.getKey(), field.getValue().asText());
                raw = raw.queryParam(field.getKey(), field.getValue().asText());
            }
            for (RequestSpecification request : List.of(form, raw)) {
                var answer = request.when().post("/v1/predictions").then().extract();
                String what = (request == form ? "form fields " : "query parameters ") + c.file() + " "
                        + c.metadata();
                assertEquals(200, answer.statusCode(), what + ": " + answer.asString());
                assertEquals(c.probability(), answer.jsonPath().getDouble("malignantProbability"), 1e-5, what);
            }
        }
    }

    @Test
    void theAnswerEchoesWhatWasUnderstood() {
        JsonPath answer = json("dermoscopy/ISIC_0000000.jpg",
                JSON.createObjectNode().put("sex", "Female").put("site", "upper_extremity"));
        assertEquals("female", answer.getString("metadata.sex"));
        assertEquals("upper extremity", answer.getString("metadata.site"));
        assertEquals(List.of("age"), answer.getList("metadata.missing"));
        assertTrue(answer.getString("metadata.note").contains("missing"));
        JsonPath none = given().contentType("image/jpeg").body(TestData.bytes("dermoscopy/ISIC_0000000.jpg"))
                .when().post("/v1/predictions").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("sex", "age", "site"), none.getList("metadata.missing"));
        assertTrue(none.getBoolean("metadata.used"));
    }

    @Test
    void everyWrongValueIsA422NamingTheFieldAndWhatItAllows() {
        String photo = Base64.getEncoder().encodeToString(TestData.bytes("dermoscopy/ISIC_0000000.jpg"));
        Object[][] wrong = {
                { "{\"sex\": \"other\"}", "sex", "male" },
                { "{\"site\": \"back\"}", "site", "torso" },
                { "{\"age\": 130}", "age", "0..120" },
                { "{\"age\": -5}", "age", "0..120" },
                { "{\"age\": \"fifty\"}", "age", "0..120" },
                { "{\"weight\": 70}", "weight", "site" },
                { "{\"sex\": {\"value\": \"male\"}}", "sex", null },
                { "{\"site\": [\"torso\"]}", "site", null },
                { "\"male, 55\"", "metadata", null } };
        for (Object[] w : wrong) {
            var then = given().contentType("application/json")
                    .body("{\"image\": \"" + photo + "\", \"metadata\": " + w[0] + "}").when().post("/v1/predictions")
                    .then().statusCode(422).contentType("application/problem+json")
                    .body("type", equalTo("urn:problem-type:melanoma:invalid-metadata"))
                    .body("field", equalTo(w[1]))
                    .body("detail", containsString((String) w[1]));
            if (w[2] != null) {
                then.body("allowed", hasItem((String) w[2]));
            }
        }
        Forms.given().multiPart("image", "photo.jpg", TestData.bytes("dermoscopy/ISIC_0000000.jpg"), "image/jpeg")
                .multiPart("sex", "unknown").when().post("/v1/predictions").then().statusCode(422)
                .body("field", equalTo("sex")).body("allowed", contains("male", "female"));
        given().contentType("image/jpeg").body(TestData.bytes("dermoscopy/ISIC_0000000.jpg")).queryParam("site", "nose")
                .when().post("/v1/predictions").then().statusCode(422).body("field", equalTo("site"));
        given().contentType("image/jpeg").body(TestData.bytes("dermoscopy/ISIC_0000000.jpg"))
                .queryParam("age", "40").queryParam("age", "41").when().post("/v1/predictions").then().statusCode(422)
                .body("field", equalTo("age")).body("detail", containsString("2 times"));
        given().contentType("application/json").queryParam("age", "40")
                .body("{\"image\": \"" + photo + "\", \"metadata\": {\"age\": 41}}").when().post("/v1/predictions")
                .then().statusCode(422).body("field", equalTo("age")).body("detail", containsString("twice"));
    }

    /** One rule in the three forms: a mistyped field is refused naming it, whether in JSON, a form field or the query. */
    @Test
    void anUnknownFieldIsA422InEveryFormTheApiTakes() {
        byte[] jpeg = TestData.bytes("dermoscopy/ISIC_0000000.jpg");
        given().contentType("application/json")
                .body("{\"image\": \"" + Base64.getEncoder().encodeToString(jpeg) + "\", \"metadata\": {\"gender\": \"female\"}}")
                .when().post("/v1/predictions").then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("urn:problem-type:melanoma:invalid-metadata")).body("field", equalTo("gender"));
        Forms.given().multiPart("image", "photo.jpg", jpeg, "image/jpeg").multiPart("gender", "female")
                .when().post("/v1/predictions").then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("urn:problem-type:melanoma:invalid-metadata")).body("field", equalTo("gender"))
                .body("allowed", hasItem("sex"));
        given().contentType("image/jpeg").body(jpeg).queryParam("gender", "female")
                .when().post("/v1/predictions").then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("urn:problem-type:melanoma:invalid-metadata")).body("field", equalTo("gender"))
                .body("detail", containsString("\"gender\""));
        // the API's own parameter is not metadata; a field given twice in a form is refused
        given().contentType("image/jpeg").body(jpeg).queryParam("include", "input").queryParam("sex", "female")
                .when().post("/v1/predictions").then().statusCode(200).body("metadata.sex", equalTo("female"));
        Forms.given().multiPart("image", "photo.jpg", jpeg, "image/jpeg").multiPart("age", "40").multiPart("age", "41")
                .when().post("/v1/predictions").then().statusCode(422).body("field", equalTo("age"));
    }

    /** A wrong value is refused before the photo is decoded: a broken photo with wrong metadata is a metadata 422. */
    @Test
    void metadataIsCheckedBeforeThePhoto() {
        given().contentType("image/jpeg").body(new byte[] { 1, 2, 3 }).queryParam("sex", "x").when()
                .post("/v1/predictions").then().statusCode(422)
                .body("type", equalTo("urn:problem-type:melanoma:invalid-metadata"));
    }

    /**
     * The model's head reads the pooled image features beside the metadata branch, so the metadata adds the same
     * amount to every cell of its class activation map: the scaled map (what the answer shows) is the image's alone,
     * while the probability moves.
     */
    @Test
    void theHeatmapIsTheImagesWhateverTheMetadata() {
        String photo = "dermoscopy/ISIC_0000000.jpg";
        JsonPath a = given().contentType("image/jpeg").body(TestData.bytes(photo)).queryParam("include", "heatmap")
                .when().post("/v1/predictions").then().statusCode(200).extract().jsonPath();
        JsonPath b = given().contentType("image/jpeg").body(TestData.bytes(photo)).queryParam("include", "heatmap")
                .queryParam("sex", "male").queryParam("age", "80").queryParam("site", "palms/soles")
                .when().post("/v1/predictions").then().statusCode(200).extract().jsonPath();
        List<List<Float>> gridA = a.getList("heatmap.grid");
        List<List<Float>> gridB = b.getList("heatmap.grid");
        assertEquals(16, gridA.size());
        for (int r = 0; r < gridA.size(); r++) {
            for (int c = 0; c < gridA.get(r).size(); c++) {
                assertEquals(gridA.get(r).get(c), gridB.get(r).get(c), 1e-4, "cell " + r + "," + c);
            }
        }
        assertTrue(Math.abs(a.getDouble("malignantProbability") - b.getDouble("malignantProbability")) > 1e-3);
    }
}
