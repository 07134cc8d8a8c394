package ai.skinlesion.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Collectors;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import ai.skinlesion.Forms;
import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.path.json.config.JsonPathConfig.NumberReturnType;

/**
 * The web page in a real browser: Debian's headless Chromium ({@link Chromium}). The page is served by the
 * mock Lambda event server, so every request, the page's own files included, takes the API Gateway event
 * path. Screenshots go to target/screenshots/.
 */
@QuarkusTest
class WebPageTest {

    private static final String PHOTO = "dermoscopy/ISIC_0024310.jpg";
    /** Generous: the first answer may wait for a cold JIT on a busy two-core machine. Only an upper bound. */
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    /** The test profile's byte limit (application.properties). */
    private static final int TEST_MAX_IMAGE_BYTES = 4 * 1024 * 1024;

    private static ChromeDriver browser;

    @BeforeAll
    static void startBrowser() throws IOException {
        browser = Chromium.start();
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stopBrowser() {
        Chromium.stop(browser);
    }

    @BeforeEach
    void openThePage() {
        // A 1280 × 900 desktop viewport (a window size would include the browser's own frame).
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 1280, "height", 900, "deviceScaleFactor", 1, "mobile", false));
        browser.get("http://localhost:" + RestAssured.port + "/");
        // The model is read on load: wait for the page to know it.
        new WebDriverWait(browser, PATIENCE).until(d -> !byId("model-footer").getText().startsWith("loading"));
    }

    @Test
    void aPhotoGetsTheApisProbabilityAndShowsWhatTheModelSees() throws IOException {
        // The keyboard reaches the file input first, and its label (the drop zone) shows the focus.
        new Actions(browser).sendKeys(Keys.TAB).perform();
        assertEquals("photo", browser.switchTo().activeElement().getAttribute("id"));
        assertEquals("solid", byId("dropzone").getCssValue("outline-style"), "the focused drop zone is outlined");
        assertFalse(browser.findElement(By.cssSelector("label[for=camera]")).isDisplayed(), "no camera button on a desktop");

        String state = upload(PHOTO);
        assertEquals("result", state, () -> "the page shows: " + byId("status").getDomProperty("textContent"));

        String answer = given().contentType("image/jpeg").body(TestData.bytes(PHOTO))
                .when().post("/v1/predictions")
                .then().statusCode(200).extract().asString();
        JsonPath api = new JsonPath(answer).using(new JsonPathConfig(NumberReturnType.DOUBLE));
        double expected = api.getDouble("malignantProbability");

        WebElement probability = byId("probability");
        assertEquals(expected, Double.parseDouble(probability.getAttribute("data-value")), 0.0,
                "the page's probability is the API's for the same file");
        String shown = probability.getText();
        assertTrue(shown.matches("\\d{1,3}\\.\\d %"), shown);
        assertEquals(expected * 100, Double.parseDouble(shown.replace(" %", "")), 0.05 + 1e-9, shown);
        assertTrue(byId("label").getText().contains(api.getString("label")), byId("label").getText());
        assertTrue(byId("threshold").getText().startsWith("50.0 %"), byId("threshold").getText());
        // the demo has no calibration map: the page must not present its number as calibrated
        assertTrue(byId("calibration").getText().startsWith("none"), byId("calibration").getText());
        assertTrue(byId("model").getText().contains(api.getString("model.name") + " version " + api.getString("model.version")));

        // The outline is the server's crop, scaled to the preview.
        assertOutlineIsTheCrop(api);
        assertTrue(byId("crop-view").isDisplayed());

        // One model: no members, no spread, no combination; review advice exactly when the answer asks for it;
        // no patient details sent, so no echo unless the service gives one.
        assertFalse(byId("members").isDisplayed(), "a single model has no members table");
        assertFalse(byId("spread").isDisplayed());
        assertFalse(byId("combination-row").isDisplayed());
        assertEquals(Boolean.TRUE.equals(api.get("requiresReview")), byId("review").isDisplayed(),
                "the review advice follows requiresReview (absent: not shown)");
        assertEquals(api.get("metadata") != null, byId("metadata-row").isDisplayed());


        // The demo model is untrained: said at the top and in the answer. The disclaimer is always there.
        assertTrue(byId("model-warning").isDisplayed());
        assertTrue(byId("model-warning").getText().toLowerCase().contains("untrained"));
        assertEquals(api.getString("warning"), byId("answer-warning").getText());
        assertTrue(byId("disclaimer").isDisplayed());
        assertTrue(byId("disclaimer").getText().startsWith("Not a diagnosis"));
        assertEquals(api.getString("disclaimer"), byId("answer-disclaimer").getText());
        assertEquals("answer-heading", browser.switchTo().activeElement().getAttribute("id"), "focus moves to the answer");
        assertFalse(byId("notice").isDisplayed(), "a photo the service reads is sent as it is");

        // The quality check comes before the number, and the model's own input square beside the browser's cut,
        // with the heatmap over it (the demo model has a class activation map): the API's PNGs for the same file.
        WebElement quality = byId("quality");
        assertTrue(quality.isDisplayed());
        assertTrue(byId("quality-summary").getText().startsWith("Photo quality:"), byId("quality-summary").getText());
        assertTrue(quality.getRect().getY() < probability.getRect().getY(), "quality advice above the result");
        String withExtras = given().contentType("image/jpeg").body(TestData.bytes(PHOTO)).queryParam("include", "input,heatmap")
                .when().post("/v1/predictions").then().statusCode(200).extract().asString();
        JsonPath extras = new JsonPath(withExtras);
        assertTrue(byId("model-input").isDisplayed());
        assertEquals(extras.getString("input"), byId("model-input").getAttribute("src"));
        WebElement overlay = byId("heatmap");
        assertTrue(overlay.isDisplayed(), "the heatmap is drawn over the model's input");
        assertEquals(extras.getString("heatmap.png"), overlay.getAttribute("src"));
        assertEquals(Boolean.TRUE, browser.executeScript("return document.getElementById('heatmap').complete"
                + " && document.getElementById('heatmap').naturalWidth === 384"), "the overlay PNG decodes in the browser");
        Rectangle under = byId("model-input").getRect();
        Rectangle over = overlay.getRect();
        assertEquals(under, over, "the overlay covers the input square exactly");
        screenshot("desktop-heatmap.png");
        byId("heatmap-toggle").click();
        assertFalse(overlay.isDisplayed(), "the toggle hides the heatmap");
        assertTrue(byId("model-input").isDisplayed());
        byId("heatmap-toggle").click();
        assertTrue(overlay.isDisplayed(), "and shows it again");

        assertContrast();
        screenshot("desktop.png");

        // Phone widths: one column, nothing wider than the screen.
        browser.executeCdpCommand("Emulation.setTouchEmulationEnabled", Map.of("enabled", true, "maxTouchPoints", 5));
        for (int width : new int[] { 360, 390 }) {
            browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                    Map.of("width", width, "height", 844, "deviceScaleFactor", 1, "mobile", true));
            Number pageWidth = (Number) browser.executeScript("return document.documentElement.scrollWidth");
            assertTrue(pageWidth.intValue() <= width, "no sideways scrolling at " + width + " px: " + pageWidth);
        }
        assertTrue(browser.findElement(By.cssSelector("label[for=camera]")).isDisplayed(), "a touch screen may take a photo");
        assertTrue(byId("probability").isDisplayed());
        browser.executeScript("window.scrollTo(0, 0)");
        screenshot("phone.png");
        browser.executeScript("document.getElementById('answer-heading').scrollIntoView()");
        screenshot("phone-result.png");
        Number pageHeight = (Number) browser.executeScript("return document.documentElement.scrollHeight");
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 390, "height", pageHeight.intValue(), "deviceScaleFactor", 1, "mobile", true));
        screenshot("phone-full.png");
        browser.executeCdpCommand("Emulation.setTouchEmulationEnabled", Map.of("enabled", false));

        assertNoPageErrors();
    }

    @Test
    void errorsAreShownInPlainWords() throws IOException {
        assertEquals("error", upload("broken/truncated.jpg"));
        String text = byId("error-text").getText();
        assertTrue(text.contains("damaged or incomplete"), text);
        assertTrue(byId("error-detail").getText().contains("HTTP 422"), byId("error-detail").getText());
        assertFalse(byId("result").isDisplayed());

        // Chromium has no HEIC decoder, so the page sends the file and the service's 415 is put in plain words.
        assertEquals("error", upload("formats/heic-hevc.heic"));
        text = byId("error-text").getText();
        assertTrue(text.contains("HEIC") && text.contains("JPEG") && text.contains("Most Compatible"), text);
        assertTrue(byId("status").getDomProperty("textContent").startsWith("No answer for this photo."));
        assertContrast();
        screenshot("desktop-error.png");
        assertNoPageErrors();
    }

    /**
     * The browser turns the preview as the service turned the photo (stored 450 × 600, orientation 6: displayed
     * 600 × 450), and the outline sits on the answer's crop of the turned photo: its position, and its content,
     * which is the model's own input square (include=input) and not that square turned.
     */
    @Test
    void theOutlineFollowsTheExifOrientation() throws IOException {
        String photo = "exif-orientation/dermoscopy_orientation_6.jpg";
        assertEquals("result", upload(photo));
        assertTrue(byId("photo-facts").getText().equals("600 × 450 pixels, JPEG, EXIF orientation 6 applied"),
                byId("photo-facts").getText());
        assertEquals(List.of(600L, 450L), browser.executeScript(
                "const img = document.getElementById('preview-img'); return [img.naturalWidth, img.naturalHeight]"));
        assertFalse(byId("notice").isDisplayed(), "sent as it is");

        JsonPath api = new JsonPath(given().contentType("image/jpeg").body(TestData.bytes(photo))
                .when().post("/v1/predictions").then().statusCode(200).extract().asString());
        assertEquals(List.of(600, 450, 187, 112, 225), List.of(api.getInt("image.width"), api.getInt("image.height"),
                api.getInt("image.crop.left"), api.getInt("image.crop.top"), api.getInt("image.crop.size")),
                "the service's crop of the turned photo: 50 % of 450 = 225, centred");
        assertOutlineIsTheCrop(api);

        // The browser's cut under the outline against the model's input, as it is and turned a quarter: the
        // right square is close to the first and far from the second.
        @SuppressWarnings("unchecked")
        List<Number> differences = (List<Number>) browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const side = 96;
                const levels = (source, quarterTurns) => {
                  const canvas = document.createElement('canvas');
                  canvas.width = side;
                  canvas.height = side;
                  const g = canvas.getContext('2d');
                  g.translate(side / 2, side / 2);
                  g.rotate(quarterTurns * Math.PI / 2);
                  g.drawImage(source, -side / 2, -side / 2, side, side);
                  return g.getImageData(0, 0, side, side).data;
                };
                const meanAbs = (a, b) => {
                  let sum = 0;
                  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) sum += Math.abs(a[i] - b[i]);
                  return sum / (a.length / 4 * 3);
                };
                const model = new Image();
                model.onload = () => {
                  const cut = levels(document.getElementById('crop-view'), 0);
                  done([meanAbs(cut, levels(model, 0)), meanAbs(cut, levels(model, 1))]);
                };
                model.onerror = () => done([-1, -1]);
                model.src = document.getElementById('model-input').getAttribute('src');
                """);
        double asIs = differences.get(0).doubleValue();
        double turned = differences.get(1).doubleValue();
        System.out.printf("outlined square vs the model's input: %.2f levels; vs it turned a quarter: %.2f%n", asIs, turned);
        assertTrue(asIs >= 0 && asIs < 8, () -> "the outlined square shows the model's input: mean difference " + asIs);
        assertTrue(asIs * 2 < turned, () -> "and not a turned copy of it: " + asIs + " vs " + turned + " levels");
    }

    /** The outline over the preview is the answer's crop (displayed coordinates), scaled to the shown photo. */
    private static void assertOutlineIsTheCrop(JsonPath api) {
        WebElement crop = byId("crop");
        assertTrue(crop.isDisplayed(), "the crop outline is shown");
        Rectangle img = byId("preview-img").getRect();
        Rectangle box = crop.getRect();
        double scale = img.getWidth() / (double) api.getInt("image.width");
        assertEquals(api.getInt("image.height") * scale, img.getHeight(), 1.5, "the preview has the answer's shape");
        assertEquals(api.getInt("image.crop.left") * scale, box.getX() - img.getX(), 1.5, "outline left");
        assertEquals(api.getInt("image.crop.top") * scale, box.getY() - img.getY(), 1.5, "outline top");
        assertEquals(api.getInt("image.crop.size") * scale, box.getWidth(), 1.5, "outline width");
        assertEquals(api.getInt("image.crop.size") * scale, box.getHeight(), 1.5, "outline height");
    }

    /**
     * The patient details go with the photo as the multipart fields age, sex, site (only those given), seen in the
     * request the page hands the browser: a wrapper around fetch, installed through the DevTools protocol before
     * the page's own script runs. The echo is shown when the service gives one.
     */
    @Test
    void patientDetailsAreSentWithThePhoto() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> script = browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", """
                window.__requests = [];
                const realFetch = window.fetch;
                window.fetch = function (url, init) {
                  const body = init && init.body;
                  window.__requests.push({
                    url: String(url),
                    contentType: new Request(new URL(url, location.href), init).headers.get('content-type') || '',
                    fields: body instanceof FormData ? [...body.entries()].map(([name, value]) =>
                      typeof value === 'string' ? [name, value] : [name, `file ${value.type} ${value.size}`]) : null,
                  });
                  return realFetch.apply(this, arguments);
                };
                """));
        try {
            browser.navigate().refresh();
            new WebDriverWait(browser, PATIENCE).until(d -> !byId("model-footer").getText().startsWith("loading"));
            for (String id : List.of("age", "sex", "site")) {
                assertTrue(byId(id).isDisplayed(), id + " can be given");
            }
            @SuppressWarnings("unchecked")
            List<String> sites = (List<String>) browser.executeScript(
                    "return [...document.getElementById('site').options].map((o) => o.value).filter(Boolean)");
            assertEquals(List.of("head/neck", "upper extremity", "lower extremity", "torso", "palms/soles", "oral/genital"),
                    sites, "the six ISIC 2020 sites, in the API's words");

            // nothing given: nothing but the photo is sent
            assertEquals("result", upload(PHOTO));
            assertEquals(List.of(List.of("image", "file image/jpeg " + TestData.bytes(PHOTO).length)),
                    lastPrediction().get("fields"));

            byId("age").sendKeys("55");
            new Select(byId("sex")).selectByValue("female");
            new Select(byId("site")).selectByValue("torso");
            // changing a detail after a photo asks again, with the details (the last change is the site's)
            assertEquals("result", settled(), () -> byId("status").getDomProperty("textContent"));
            Map<String, Object> sent = lastPrediction();
            assertTrue(String.valueOf(sent.get("contentType")).startsWith("multipart/form-data; boundary="),
                    () -> "sent as a multipart form: " + sent);
            assertEquals(List.of(List.of("image", "file image/jpeg " + TestData.bytes(PHOTO).length),
                    List.of("age", "55"), List.of("sex", "female"), List.of("site", "torso")), sent.get("fields"));

            // What the service says about them, from the same request made directly.
            JsonPath api = new JsonPath(Forms.given().multiPart("image", "photo.jpg", TestData.bytes(PHOTO), "image/jpeg")
                    .multiPart("age", "55").multiPart("sex", "female").multiPart("site", "torso")
                    .when().post("/v1/predictions").then().statusCode(200).extract().asString());
            assertEquals(api.get("metadata") != null, byId("metadata-row").isDisplayed(), "the echo when there is one");
            if (api.get("metadata") != null) {
                String shown = byId("metadata").getText();
                assertTrue(shown.startsWith(Boolean.TRUE.equals(api.get("metadata.used")) ? "used" : "ignored"), shown);
                if (api.getString("metadata.note") != null) {
                    assertTrue(shown.contains(api.getString("metadata.note")), shown);
                }
            }

            // an age the API would refuse is not sent: the page says what is wrong
            byId("age").clear();
            settled();
            int before = ((Number) browser.executeScript("return window.__requests.length")).intValue();
            byId("age").sendKeys("130");
            browser.executeScript("document.getElementById('age').blur()"); // a typed value is committed on blur
            assertEquals("error", settled());
            assertTrue(byId("error-text").getText().contains("from 0 to 120"), byId("error-text").getText());
            assertEquals(before, ((Number) browser.executeScript("return window.__requests.length")).intValue(),
                    "nothing sent");
            assertNoPageErrors();
        } finally {
            browser.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier", script.get("identifier")));
        }
    }

    /** Waits for the page to settle on "result" or "error" after something it is already busy with. */
    private static String settled() {
        return new WebDriverWait(browser, PATIENCE).until(d -> {
            Object state = browser.executeScript("return document.body.dataset.state");
            return "result".equals(state) || "error".equals(state) ? (String) state : null;
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> lastPrediction() {
        return (Map<String, Object>) browser.executeScript(
                "return window.__requests.filter((r) => r.url.includes('v1/predictions')).pop()");
    }

    /** The service reads WebP (what many Android apps save), so the page sends it as it is, unconverted. */
    @Test
    void aWebpPhotoIsSentAsItIs() throws IOException {
        assertEquals("result", upload("formats/webp-lossy-exif.webp"), () -> byId("status").getDomProperty("textContent"));
        assertFalse(byId("notice").isDisplayed(), () -> "nothing converted: " + byId("notice").getText());
        assertTrue(byId("photo-facts").getText().contains("480 × 360 pixels, WEBP"), byId("photo-facts").getText());
        assertTrue(byId("crop").isDisplayed());
    }

    /** A quality problem sends the answer to review, and the page says which problem, in words. */
    @Test
    void aTooDarkPhotoIsSentToReviewAndThePageSaysWhy() throws IOException {
        Path dark = Files.createTempFile("dark", ".png");
        try {
            Files.write(dark, ai.skinlesion.quality.PhotoVariants.png(ai.skinlesion.quality.PhotoVariants.exposed(
                    ai.skinlesion.quality.PhotoVariants.read(TestData.bytes(PHOTO)),
                    ai.skinlesion.quality.PhotoVariants.DARKEN)));
            assertEquals("result", upload(dark), () -> byId("status").getDomProperty("textContent"));
        } finally {
            Files.delete(dark);
        }
        assertTrue(byId("review").isDisplayed(), "a quality problem asks for review");
        String words = byId("review-reasons").getText();
        assertTrue(words.contains("quality problem (too-dark"), words);
        assertNoPageErrors();
    }

    /** Over the byte limit the page learns the limit from the 413, sends a reduced copy and says so. */
    @Test
    void aPhotoOverTheByteLimitIsReducedAndThePageSaysSo() throws IOException {
        Path big = bigJpeg();
        assertEquals("result", upload(big), () -> byId("status").getDomProperty("textContent"));
        String notice = byId("notice").getText();
        assertTrue(notice.contains("larger than the service accepts (4.0 MB)"), notice);
        // 1536 = the shorter side that keeps the model's square at twice its 384-pixel input
        assertTrue(byId("photo-facts").getText().startsWith("2310 × 1536 pixels"), byId("photo-facts").getText());
        assertTrue(byId("crop-facts").getText().startsWith("768 × 768"), byId("crop-facts").getText());
        assertTrue(byId("crop").isDisplayed());
        screenshot("desktop-reduced.png");
    }

    /**
     * A real photo enlarged 1.25× (as a higher-resolution camera would take it) and encoded at the highest
     * JPEG quality: more bytes than the test profile accepts.
     */
    private static Path bigJpeg() throws IOException {
        Path file = Path.of("target", "web-page-test", "over-the-limit.jpg");
        if (Files.isRegularFile(file)) {
            return file;
        }
        Files.createDirectories(file.getParent());
        BufferedImage original = ImageIO.read(TestData.path("dermoscopy/ISIC_0012221.jpg").toFile()); // 3008 × 2000
        BufferedImage photo = new BufferedImage(3760, 2500, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = photo.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(original, 0, 0, 3760, 2500, null);
        g.dispose();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam quality = writer.getDefaultWriteParam();
        quality.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        quality.setCompressionQuality(1.0f);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(photo, null, null), quality);
        } finally {
            writer.dispose();
        }
        assertTrue(Files.size(file) > TEST_MAX_IMAGE_BYTES, "the photo must be over the limit: " + Files.size(file));
        return file;
    }

    /** Hands the file to the page's file input and waits for the page to settle on "result" or "error". */
    private static String upload(String testPhoto) throws IOException {
        return upload(TestData.path(testPhoto));
    }

    private static String upload(Path file) throws IOException {
        browser.executeScript("document.body.dataset.state = 'test-upload'");
        browser.findElement(By.id("photo")).sendKeys(file.toRealPath().toString());
        return new WebDriverWait(browser, PATIENCE).until(d -> {
            Object state = browser.executeScript("return document.body.dataset.state");
            return "result".equals(state) || "error".equals(state) ? (String) state : null;
        });
    }

    private static WebElement byId(String id) {
        return browser.findElement(By.id(id));
    }

    private static void screenshot(String name) throws IOException {
        Files.write(SCREENSHOTS.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
    }

    /** Every visible text has a contrast of at least 4.5:1 (WCAG AA) against the background under it. */
    private static void assertContrast() {
        @SuppressWarnings("unchecked")
        List<String> low = (List<String>) browser.executeScript("""
                const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
                const lum = (c) => {
                  const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
                  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
                };
                const background = (el) => {
                  for (; el; el = el.parentElement) {
                    const c = rgb(getComputedStyle(el).backgroundColor);
                    if (c.length < 4 || c[3] > 0) return c;
                  }
                  return [255, 255, 255];
                };
                const low = [];
                for (const el of document.querySelectorAll('body *')) {
                  const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
                  if (!text || !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
                  const a = lum(rgb(getComputedStyle(el).color));
                  const b = lum(background(el));
                  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
                  if (ratio < 4.5) low.push(`${el.tagName}#${el.id}.${el.className}: ${ratio.toFixed(2)}`);
                }
                return low;
                """);
        assertTrue(low.isEmpty(), () -> "text below 4.5:1 contrast: " + low);
    }

    /** No script error and no Content-Security-Policy violation (which would mean something external). */
    private static void assertNoPageErrors() {
        List<LogEntry> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                // the answers the error cases ask for are logged by Chromium as failed loads
                .filter(e -> !e.getMessage().contains("the server responded with a status of 4"))
                .collect(Collectors.toList());
        assertTrue(severe.isEmpty(), () -> "browser errors: " + severe);
    }
}
