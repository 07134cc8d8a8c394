package ai.skinlesion.telemetry;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The request id, the EMF lines (Lambda build) and the Prometheus endpoint (plain-HTTP build) as a client and an
 * operator see them. In test mode requests go through the mock Lambda event server, as on Lambda.
 */
@QuarkusTest
class TelemetryTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String PHOTO = "dermoscopy/ISIC_0000000.jpg";
    static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    static boolean lambdaBuild() {
        try {
            Class.forName("io.quarkus.amazon.lambda.http.LambdaHttpHandler", false, TelemetryTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Test
    void everyAnswerCarriesItsRequestId() {
        String echoed = given().contentType("image/jpeg").header(RequestIds.HEADER, "client-id-1")
                .body(TestData.bytes(PHOTO)).post("/v1/predictions")
                .then().statusCode(200).extract().header(RequestIds.HEADER);
        if (lambdaBuild()) {
            // Lambda's aws request id, not the client's
            assertTrue(echoed != null && echoed.matches(UUID_PATTERN), echoed);
        } else {
            assertEquals("client-id-1", echoed);
        }
        // a refusal too, and a client id that is not sane is never echoed
        given().contentType("image/jpeg").header(RequestIds.HEADER, "two words").body(new byte[] { 1, 2, 3 })
                .post("/v1/predictions")
                .then().statusCode(422).header(RequestIds.HEADER, matchesPattern(UUID_PATTERN));
    }

    /** The EMF lines the application writes to stdout while {@code requests} runs. */
    protected List<JsonNode> emfLinesDuring(Runnable requests) throws IOException {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            requests.run();
        } finally {
            System.setOut(stdout);
        }
        return emf(captured.toString(StandardCharsets.UTF_8).lines().toList());
    }

    static List<JsonNode> emf(List<String> lines) throws IOException {
        List<JsonNode> emf = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("{\"_aws\"")) {
                emf.add(JSON.readTree(line));
            }
        }
        return emf;
    }

    @Test
    void onLambdaEachRequestIsOneEmfLine() throws IOException {
        Assumptions.assumeTrue(lambdaBuild(), "EMF lines are the Lambda build's metrics; -Dhttp has /q/metrics");
        List<String> ids = new ArrayList<>();
        List<JsonNode> lines = emfLinesDuring(() -> {
            ids.add(given().contentType("image/jpeg").body(TestData.bytes(PHOTO)).post("/v1/predictions")
                    .then().statusCode(200).extract().header(RequestIds.HEADER));
            ids.add(given().contentType("image/jpeg").body("not a photo".getBytes(StandardCharsets.UTF_8))
                    .post("/v1/predictions").then().statusCode(422).extract().header(RequestIds.HEADER));
        });
        List<JsonNode> ours = lines.stream().filter(l -> ids.contains(l.path("requestId").asText())).toList();
        assertEquals(2, ours.size(), "one EMF line per request: " + lines);
        for (JsonNode line : ours) {
            assertEquals(List.of(), EmfSpec.violations(line), line.toString());
            assertEquals("efficientnetb4-demo/1", line.get("Model").asText());
        }
        JsonNode prediction = ours.get(0);
        assertEquals(200, prediction.get("status").asInt());
        assertTrue(prediction.get("InferenceMs").asDouble() > 0, prediction.toString());
        assertTrue(prediction.get("DecodeMs").asDouble() > 0, prediction.toString());
        assertTrue(prediction.get("ProbabilityBucket").asText().matches("0\\.[0-9]-[01]\\.[0-9]"), prediction.toString());
        JsonNode refusal = ours.get(1);
        assertEquals("not-an-image", refusal.get("RefusalType").asText(), refusal.toString());
        assertEquals(1, refusal.get("Refusals").asInt());
        assertEquals(0, refusal.get("ColdStart").asInt(), "only a process's first request is a cold start");
    }

    @Test
    void overHttpTheSameFiguresAreAtQMetrics() {
        Assumptions.assumeTrue(!lambdaBuild(), "the Lambda build has no /q/metrics: its metrics are EMF lines");
        given().contentType("image/jpeg").body(TestData.bytes(PHOTO)).post("/v1/predictions").then().statusCode(200);
        given().contentType("image/jpeg").body("not a photo".getBytes(StandardCharsets.UTF_8)).post("/v1/predictions")
                .then().statusCode(422);
        String model = "model=\"efficientnetb4-demo\",model_version=\"1\"";
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("melanoma_requests_total{" + model + ",outcome=\"prediction\"}"))
                .body(containsString("melanoma_refusals_total{" + model + ",type=\"not-an-image\"}"))
                .body(containsString("melanoma_stage_seconds_bucket{" + model + ",stage=\"inference\",le=\"0.25\"}"))
                .body(containsString("melanoma_stage_seconds_count{" + model + ",stage=\"decode\"}"))
                .body(containsString("melanoma_malignant_probability_bucket{" + model + ",le=\"0.5\"}"))
                .body(containsString("melanoma_cold_starts_total{" + model + "} 1.0"))
                .body(not(containsString("melanoma_refusals_total{" + model + ",type=\"prediction\"}")));
    }

    @Test
    void theModelSpecIsNeitherAPredictionNorARefusal() throws IOException {
        String id = given().get("/v1/model").then().statusCode(200).extract().header(RequestIds.HEADER);
        assertTrue(id != null && !id.isBlank(), "X-Request-Id on every /v1 answer");
        if (lambdaBuild()) {
            List<JsonNode> lines = emfLinesDuring(() -> given().get("/v1/model").then().statusCode(200));
            assertEquals(1, lines.size(), lines.toString());
            assertEquals(0, lines.get(0).get("Refusals").asInt(), lines.toString());
            assertEquals(List.of(), EmfSpec.violations(lines.get(0)), lines.toString());
        }
    }
}
