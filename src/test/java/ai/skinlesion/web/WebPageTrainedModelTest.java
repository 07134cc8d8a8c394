package ai.skinlesion.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.path.json.config.JsonPathConfig.NumberReturnType;

/**
 * The web page on the default model, the trained B0 (the other page tests use the untrained demo): no "untrained"
 * warning anywhere, the model's own threshold, a coloured label that follows the API's, and its class activation
 * map over the model's input. Two labelled photos, a melanoma and a nevus; what the model answers for them is the
 * API's business (its accuracy is measured by `melanoma-export evaluate`), the page must show exactly that.
 */
@QuarkusTest
@TestProfile(WebPageTrainedModelTest.DefaultModel.class)
class WebPageTrainedModelTest {

    private static final String MELANOMA = "dermoscopy/ISIC_0000002.jpg";
    private static final String NEVUS = "dermoscopy/ISIC_0024310.jpg";
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    /** The model the service serves with no settings (application.properties without the test profile's demo). */
    public static class DefaultModel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.model.dir", "models/melanoma-b0/1");
        }
    }

    private static ChromeDriver browser;

    @BeforeAll
    static void startBrowser() throws IOException {
        browser = Chromium.start();
        Files.createDirectories(Path.of("target", "screenshots"));
    }

    @AfterAll
    static void stopBrowser() {
        Chromium.stop(browser);
    }

    @Test
    void theTrainedModelsAnswerIsShownWithoutTheDemoWarning() throws IOException {
        // The default model's spec (9 KB) is over the framework's 8 KiB buffer: sent chunked, it reached the browser
        // with the empty Transfer-Encoding that Quarkus' Lambda handler leaves, and the page waited for ever.
        var spec = given().accept("application/json").when().get("/v1/model").then().statusCode(200).extract();
        assertTrue(spec.asByteArray().length > 8192, "the spec must be over 8 KiB to test this: " + spec.asByteArray().length);
        assertNull(spec.header("Transfer-Encoding"), "a whole answer with its Content-Length, not chunked");
        assertEquals(String.valueOf(spec.asByteArray().length), spec.header("Content-Length"));

        browser.get("http://localhost:" + RestAssured.port + "/");
        new WebDriverWait(browser, PATIENCE).until(d -> !byId("model-footer").getText().startsWith("loading"));
        assertEquals("melanoma-b0 version 1", byId("model-footer").getText(), "a trained model is not called a demo");
        assertFalse(byId("model-warning").isDisplayed(), "no untrained-model warning for a trained model");

        Set<String> labels = new HashSet<>();
        for (String photo : new String[] { MELANOMA, NEVUS }) {
            assertEquals("result", upload(photo), () -> byId("status").getDomProperty("textContent"));
            JsonPath api = new JsonPath(given().contentType("image/jpeg").body(TestData.bytes(photo))
                    .queryParam("include", "heatmap").when().post("/v1/predictions").then().statusCode(200)
                    .extract().asString()).using(new JsonPathConfig(NumberReturnType.DOUBLE));
            assertTrue(api.getBoolean("model.trained"));
            assertNull(api.get("warning"), "the API gives no untrained warning either");

            assertEquals(api.getDouble("malignantProbability"),
                    Double.parseDouble(byId("probability").getAttribute("data-value")), 0.0, photo);
            String threshold = String.format(Locale.ROOT, "%.1f %%", api.getDouble("threshold") * 100);
            assertTrue(byId("threshold").getText().startsWith(threshold), byId("threshold").getText());
            String label = api.getString("label");
            labels.add(label);
            WebElement shown = byId("label");
            assertTrue(shown.getText().toLowerCase(Locale.ROOT).contains("labelled " + label), shown.getText());
            assertTrue(shown.getAttribute("class").contains(label), "a trained model's label is coloured: "
                    + shown.getAttribute("class"));
            assertFalse(byId("answer-warning").isDisplayed(), "no untrained warning in the answer");
            assertTrue(byId("answer-disclaimer").getText().startsWith("Not a diagnosis"));
            assertEquals(Boolean.TRUE.equals(api.get("requiresReview")), byId("review").isDisplayed(), photo);

            // B0's class activation map, over its 160-pixel input square
            WebElement overlay = byId("heatmap");
            assertTrue(overlay.isDisplayed(), "the trained model has a class activation map: " + photo);
            assertEquals(api.getString("heatmap.png"), overlay.getAttribute("src"));
            assertEquals(Boolean.TRUE, browser.executeScript("return document.getElementById('heatmap').complete"
                    + " && document.getElementById('heatmap').naturalWidth === 160"), "the overlay PNG decodes");
            Files.write(Path.of("target", "screenshots", "trained-" + Path.of(photo).getFileName() + ".png"),
                    browser.getScreenshotAs(OutputType.BYTES));
        }
        System.out.println("trained model on the page: labels " + labels);
    }

    /** Hands the file to the page's file input and waits for the page to settle on "result" or "error". */
    private static String upload(String testPhoto) throws IOException {
        browser.executeScript("document.body.dataset.state = 'test-upload'");
        browser.findElement(By.id("photo")).sendKeys(TestData.path(testPhoto).toRealPath().toString());
        return new WebDriverWait(browser, PATIENCE).until(d -> {
            Object state = browser.executeScript("return document.body.dataset.state");
            return "result".equals(state) || "error".equals(state) ? (String) state : null;
        });
    }

    private static WebElement byId(String id) {
        return browser.findElement(By.id(id));
    }
}
