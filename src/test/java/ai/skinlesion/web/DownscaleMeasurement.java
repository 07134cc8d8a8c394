package ai.skinlesion.web;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.TestData;
import ai.skinlesion.decode.ImageDecoder;
import ai.skinlesion.decode.OpenedImage;
import ai.skinlesion.inference.ModelDirectory;
import ai.skinlesion.preprocess.Preprocessor;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.path.json.config.JsonPathConfig.NumberReturnType;

/**
 * What the page's in-browser copy changes in the model's input (docs/DESIGN.md, "The web page"). For each
 * photo the page is made to believe that the service refused it as too large (a wrapper around fetch answers
 * its first POST with a 413), so it makes and sends its reduced JPEG copy with its own code; the copy is
 * captured, and the original and the copy both go through the service's own decoding, crop and resize. The
 * report compares the two 384 × 384 × 3 inputs (8-bit levels) and the two probabilities.
 * <p>
 * A measurement, not a test: no assertion, and its name keeps it out of the default run. Run it with
 * {@code ./mvnw test -Dtest=DownscaleMeasurement}; it writes target/downscale-report.txt.
 */
@QuarkusTest
class DownscaleMeasurement {

    private static final List<String> PHOTOS = List.of(
            "dermoscopy/ISIC_0012221.jpg", // 3008 × 2000, reduced to 2310 × 1536
            "dermoscopy/ISIC_0012222.jpg",
            "dermoscopy/ISIC_0074542.jpg", // 5184 × 3456, reduced to 2304 × 1536
            "formats/ultrahdr-gainmap-3840x2160.jpg",
            "exif-orientation/Landscape_6.jpg", // 1800 × 1200 or smaller from here on: re-encoded only
            "exif-orientation/Portrait_8.jpg",
            "exif-orientation/dermoscopy_orientation_6.jpg",
            "dermoscopy/ISIC_0024310.jpg",
            "dermoscopy/ISIC_0000000.jpg",
            "formats/icc-500kb-profile-progressive.jpg", // a non-sRGB ICC profile
            "formats/grayscale-icc-exif.jpg",
            "formats/png16-rgb.png");

    /** The first POST of each photo gets a 413; the body of the second is kept for the measurement. */
    private static final String WRAP_FETCH = """
            const variant = arguments[0];
            window.__refused = false;
            window.__sent = null;
            const realFetch = window.fetch;
            window.fetch = async (url, init) => {
              if (String(url).endsWith('v1/predictions')) {
                if (!window.__refused) {
                  window.__refused = true;
                  return new Response(JSON.stringify({ type: 'urn:problem-type:melanoma:too-many-bytes', status: 413,
                    maxBytes: 4194304 }), { status: 413, headers: { 'content-type': 'application/problem+json' } });
                }
                window.__sent = init.body instanceof FormData ? init.body.get('image') : init.body; // the photo part
              }
              return realFetch(url, init);
            };
            if (variant === 'managed') { // the alternative: let the browser convert colours through the ICC profile
              const real = window.createImageBitmap;
              window.createImageBitmap = (blob, options) =>
                real(blob, options ? { ...options, colorSpaceConversion: 'default' } : options);
            }
            if (variant === 'q95') { // the alternative: JPEG quality 95 (with chroma subsampling)
              const real = HTMLCanvasElement.prototype.toBlob;
              HTMLCanvasElement.prototype.toBlob = function (callback, type) { real.call(this, callback, type, 0.95); };
            }
            """;

    /** What the page does; the same at JPEG quality 95; the same with the browser's colour management. */
    private static final List<String> VARIANTS = List.of("page", "q95", "managed");

    private static ChromeDriver browser;
    private static Preprocessor preprocessor;
    private static final ImageDecoder DECODER = new ImageDecoder(50_000_000, 1);

    @BeforeAll
    static void start() throws IOException {
        browser = Chromium.start();
        preprocessor = new Preprocessor(ModelDirectory.load(Path.of("models/efficientnetb4-demo/1"), new ObjectMapper())
                .spec().input());
    }

    @AfterAll
    static void stop() {
        Chromium.stop(browser);
    }

    @Test
    void measure() throws IOException {
        List<String> report = new ArrayList<>();
        report.add("The page's JPEG copy vs the original, through the service's decoding, crop and resize to 384 x 384 x 3.");
        report.add("Levels are 8-bit. Variants: 'page' = what the page does; 'q95' = the same at JPEG quality 95;"
                + " 'managed' = the same with the browser's colour management on.");
        report.add(String.format("%-46s %-8s %11s %11s %7s %8s %8s %8s %9s %9s %9s", "photo", "variant", "original", "copy",
                "chroma", "copyKB", "meanAbs", "maxAbs", ">2 lev %", "pOriginal", "pCopy"));
        for (String photo : PHOTOS) {
            for (String variant : VARIANTS) {
                report.add(measure(photo, variant));
            }
        }
        Files.write(Path.of("target", "downscale-report.txt"), report);
        report.forEach(System.out::println);
    }

    private static String measure(String photo, String variant) throws IOException {
        byte[] original = TestData.bytes(photo);
        browser.get("http://localhost:" + RestAssured.port + "/");
        browser.executeScript(WRAP_FETCH, variant);
        browser.findElement(By.id("photo")).sendKeys(TestData.path(photo).toRealPath().toString());
        Object state = new WebDriverWait(browser, Duration.ofSeconds(120)).until(d -> {
            Object s = browser.executeScript("return document.body.dataset.state");
            return "result".equals(s) || "error".equals(s) ? s : null;
        });
        if (!"result".equals(state)) {
            return String.format("%-46s %-8s page error: %s", photo, variant,
                    browser.findElement(By.id("error-text")).getText());
        }
        String base64 = (String) browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const reader = new FileReader();
                reader.onload = () => done(reader.result.split(',')[1]);
                reader.readAsDataURL(window.__sent);
                """);
        byte[] copy = Base64.getDecoder().decode(base64);
        double pCopy = Double.parseDouble(browser.findElement(By.id("probability")).getAttribute("data-value"));
        double pOriginal = new JsonPath(given().contentType("application/octet-stream").body(original)
                .post("/v1/predictions").then().statusCode(200).extract().asString())
                .using(new JsonPathConfig(NumberReturnType.DOUBLE)).getDouble("malignantProbability");

        Input a = input(original);
        Input b = input(copy);
        double sum = 0;
        int max = 0;
        int over2 = 0;
        for (int i = 0; i < a.pixels.length; i++) {
            int d = Math.round(Math.abs(a.pixels[i] - b.pixels[i]));
            sum += d;
            max = Math.max(max, d);
            over2 += d > 2 ? 1 : 0;
        }
        return String.format("%-46s %-8s %11s %11s %7s %8d %8.2f %8d %9.2f %9.5f %9.5f", photo, variant,
                a.size, b.size, chroma(copy), copy.length / 1024, sum / a.pixels.length, max, 100.0 * over2 / a.pixels.length,
                pOriginal, pCopy);
    }

    /** The chroma subsampling in a JPEG's frame header: 4:2:0, 4:2:2 or 4:4:4 (or the luma factors). */
    private static String chroma(byte[] jpeg) {
        for (int i = 2; i + 4 < jpeg.length;) {
            int marker = jpeg[i + 1] & 0xFF;
            int length = ((jpeg[i + 2] & 0xFF) << 8) | (jpeg[i + 3] & 0xFF);
            if (marker >= 0xC0 && marker <= 0xC2) {
                int luma = jpeg[i + 11] & 0xFF; // first component's sampling factors, H << 4 | V
                return switch (luma) {
                    case 0x22 -> "4:2:0";
                    case 0x21 -> "4:2:2";
                    case 0x11 -> "4:4:4";
                    default -> Integer.toHexString(luma);
                };
            }
            i += 2 + length;
        }
        return "?";
    }

    private record Input(String size, float[] pixels) {
    }

    private static Input input(byte[] bytes) {
        try (OpenedImage opened = DECODER.open(bytes)) {
            var crop = preprocessor.cropOf(opened.width(), opened.height());
            return new Input(opened.width() + "x" + opened.height(), preprocessor.resized(opened.read(crop)));
        }
    }
}
