package ai.skinlesion.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.junit.QuarkusTest;

/**
 * The page's three files are served by the application itself, through the Lambda path, and ask for nothing
 * from elsewhere (so the page works offline and in the native Lambda).
 */
@QuarkusTest
class WebAssetsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern EXTERNAL = Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}");

    @Test
    void theThreeFilesAreServedWithTheirTypes() {
        String page = given().when().get("/")
                .then().statusCode(200).contentType(startsWith("text/html"))
                .body(containsString("<label for=\"photo\""))
                .extract().asString();
        String script = given().when().get("/app.js")
                .then().statusCode(200).contentType(containsString("javascript"))
                .extract().asString();
        String style = given().when().get("/app.css")
                .then().statusCode(200).contentType(startsWith("text/css"))
                .extract().asString();
        for (String file : new String[] { page, script, style }) {
            assertFalse(EXTERNAL.matcher(file).find(), () -> "a URL outside the application: " + EXTERNAL.matcher(file).results()
                    .map(m -> m.group()).toList());
        }
        assertTrue(page.contains("Content-Security-Policy"), "the browser is told to load nothing from elsewhere");
    }

    /** A real API Gateway HTTP API event for GET /, as a browser's first request arrives on AWS Lambda. */
    @Tag("lambda")
    @Test
    void thePageArrivesThroughAnApiGatewayEvent() throws IOException {
        ObjectNode event;
        try (InputStream in = WebAssetsTest.class.getResourceAsStream("/apigateway/http-api-v2-post.json")) {
            event = (ObjectNode) JSON.readTree(in);
        }
        event.put("routeKey", "GET /");
        event.put("rawPath", "/");
        event.put("body", (String) null);
        event.put("isBase64Encoded", false);
        ObjectNode headers = (ObjectNode) event.get("headers");
        headers.remove("content-type");
        headers.remove("content-length");
        headers.put("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        ObjectNode context = (ObjectNode) event.get("requestContext");
        context.put("routeKey", "GET /");
        ((ObjectNode) context.get("http")).put("method", "GET").put("path", "/");

        JsonNode response = JSON.readTree(given().contentType("application/json").body(JSON.writeValueAsString(event))
                .when().post("/_lambda_")
                .then().statusCode(200).extract().asString());
        assertEquals(200, response.get("statusCode").asInt(), response::toString);
        String body = response.get("body").asText();
        if (response.path("isBase64Encoded").asBoolean()) {
            body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        assertTrue(body.contains("<title>Skin-lesion check"), body);
    }
}
