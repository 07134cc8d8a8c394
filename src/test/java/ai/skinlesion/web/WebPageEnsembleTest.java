package ai.skinlesion.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
 * The web page with an ensemble of two small members, in Chromium: the members table (name, probability, weight,
 * whether it ran), the spread, and the review advice. A review band of 1.0 puts every probability near the
 * threshold, so the advice is always asked for.
 */
@QuarkusTest
@TestProfile(WebPageEnsembleTest.Ensemble.class)
class WebPageEnsembleTest {

    private static final String PHOTO = "dermoscopy/ISIC_0024310.jpg";
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    public static class Ensemble implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.model.dir", "src/test/resources/models/ensemble-tiny/1",
                    "melanoma.review.band", "1.0");
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
    void theMembersTheSpreadAndTheReviewAdviceAreShown() throws IOException {
        browser.get("http://localhost:" + RestAssured.port + "/");
        new WebDriverWait(browser, PATIENCE).until(d -> !byId("model-footer").getText().startsWith("loading"));
        assertEquals("result", upload(PHOTO), () -> byId("status").getDomProperty("textContent"));

        JsonPath api = new JsonPath(given().contentType("image/jpeg").body(TestData.bytes(PHOTO))
                .when().post("/v1/predictions").then().statusCode(200).extract().asString())
                .using(new JsonPathConfig(NumberReturnType.DOUBLE));
        assertEquals(api.getDouble("malignantProbability"), Double.parseDouble(byId("probability").getAttribute("data-value")),
                0.0, "the page's probability is the API's");

        // one row per member, in the answer's order, with its own probability, weight and whether it ran
        List<Map<String, Object>> members = api.getList("members");
        assertEquals(2, members.size(), "the fixture has two members");
        assertTrue(byId("members").isDisplayed(), "an ensemble shows its members");
        List<WebElement> rows = browser.findElements(By.cssSelector("#members-rows tr"));
        assertEquals(members.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            List<WebElement> cells = rows.get(i).findElements(By.tagName("td"));
            String name = api.getString("members[" + i + "].name");
            double p = api.getDouble("members[" + i + "].probability");
            assertEquals(name, cells.get(0).getText());
            assertEquals(String.format(Locale.ROOT, "%.1f %%", p * 100), cells.get(1).getText(), name);
            assertEquals(p, Double.parseDouble(rows.get(i).getAttribute("data-probability")), 0.0, name);
            assertEquals(api.getDouble("members[" + i + "].weight"), Double.parseDouble(cells.get(2).getText()), 0.0, name);
            assertEquals(api.getBoolean("members[" + i + "].ran") ? "yes" : "no (not needed)", cells.get(3).getText(), name);
        }

        double spread = api.getDouble("spread");
        assertTrue(byId("spread").isDisplayed(), "the spread is shown");
        assertEquals(spread, Double.parseDouble(byId("spread").getAttribute("data-value")), 0.0);
        assertTrue(byId("spread").getText().contains(String.format(Locale.ROOT, "%.1f percentage points", spread * 100)),
                byId("spread").getText());

        // band 1.0: every answer is near the threshold, so the review is asked for, in plain words
        assertEquals(Boolean.TRUE, api.get("requiresReview"));
        List<String> reasons = api.getList("review.reasons");
        assertTrue(reasons.contains("near-threshold"), reasons::toString);
        assertTrue(byId("review").isDisplayed(), "the review advice is shown");
        assertEquals("Ask a dermatologist to look at it.", byId("review-advice").getText());
        String words = byId("review-reasons").getText();
        assertTrue(words.contains("near the threshold"), words);
        assertEquals(reasons.contains("members-disagree"), words.contains("The models disagree"), words);
        assertTrue(byId("status").getDomProperty("textContent").contains("Ask a dermatologist to look at it."),
                "said to screen readers too");
        assertTrue(byId("combination-row").isDisplayed(), "how the members were combined");

        Files.write(Path.of("target", "screenshots", "desktop-ensemble.png"), browser.getScreenshotAs(OutputType.BYTES));
    }

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
