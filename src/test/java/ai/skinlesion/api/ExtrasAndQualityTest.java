package ai.skinlesion.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import ai.skinlesion.Forms;
import ai.skinlesion.TestData;
import ai.skinlesion.quality.PhotoVariants;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.path.json.config.JsonPathConfig.NumberReturnType;

/**
 * include=heatmap and include=input, the quality figures in every answer, and POST /v1/quality, as clients see
 * them; run again against the packaged jar and the native binary (ExtrasAndQualityIT).
 */
@QuarkusTest
class ExtrasAndQualityTest {

    private static final String PHOTO = "dermoscopy/ISIC_0000000.jpg";
    /** The reference preprocessing's model input for PHOTO (TensorFlow, model-export reference). */
    private static final String REFERENCE_INPUT = "/reference/efficientnetb4-demo/tensors/dermoscopy__ISIC_0000000.jpg.png";

    private static JsonPath post(String include, byte[] photo) {
        var request = given().contentType("image/jpeg").body(photo);
        if (include != null) {
            request = request.queryParam("include", include);
        }
        String body = request.when().post("/v1/predictions").then().statusCode(200).extract().asString();
        return new JsonPath(body).using(new JsonPathConfig(NumberReturnType.DOUBLE));
    }

    @Test
    void withoutIncludeNothingExtraIsSent() {
        JsonPath a = post(null, TestData.bytes(PHOTO));
        Map<String, Object> answer = a.getMap("");
        assertTrue(!answer.containsKey("heatmap") && !answer.containsKey("input"), answer.keySet().toString());
        assertTrue(!a.getMap("timingsMs").containsKey("extras"), a.getMap("timingsMs").toString());
        assertEquals(List.of(), a.getList("quality.problems"));
    }

    @Test
    void includeInputIsTheExactModelInput() throws IOException {
        JsonPath a = post("input", TestData.bytes(PHOTO));
        BufferedImage input = dataUrlPng(a.getString("input"));
        assertEquals(384, input.getWidth());
        assertEquals(384, input.getHeight());
        BufferedImage reference;
        try (var in = ExtrasAndQualityTest.class.getResourceAsStream(REFERENCE_INPUT)) {
            reference = ImageIO.read(in);
        }
        // TensorFlow's preprocessing of the same file: the service holds every pixel to one level (ReferenceParityTest)
        int worst = 0;
        for (int y = 0; y < 384; y++) {
            for (int x = 0; x < 384; x++) {
                int p = input.getRGB(x, y);
                int q = reference.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    worst = Math.max(worst, Math.abs((p >> shift & 0xFF) - (q >> shift & 0xFF)));
                }
            }
        }
        assertTrue(worst <= 1, "max difference to TensorFlow's model input: " + worst);
        assertTrue(!a.getMap("").containsKey("heatmap"));
        assertTrue(a.getDouble("timingsMs.extras") >= 0);
    }

    @Test
    void includeHeatmapGivesTheScaledGridAndAnOverlay() throws IOException {
        byte[] photo = TestData.bytes(PHOTO);
        JsonPath plain = post(null, photo);
        JsonPath a = post("heatmap,input", photo);
        assertEquals(plain.getDouble("malignantProbability"), a.getDouble("malignantProbability"), 0.0,
                "asking for the map does not change the probability");
        List<List<Double>> grid = a.getList("heatmap.grid");
        assertEquals(12, grid.size(), "rows: the last feature map of a 384-pixel EfficientNetB4 input");
        double min = 1;
        double max = 0;
        for (List<Double> row : grid) {
            assertEquals(12, row.size());
            for (double v : row) {
                assertTrue(v >= 0 && v <= 1, "scaled to [0, 1]: " + v);
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        assertEquals(0, min, 0.0);
        assertEquals(1, max, 0.0);
        BufferedImage overlay = dataUrlPng(a.getString("heatmap.png"));
        BufferedImage input = dataUrlPng(a.getString("input"));
        assertEquals(384, overlay.getWidth());
        assertEquals(384, overlay.getHeight());
        // At the centre of the hottest and the coldest cell, the overlay minus the photo under it is the colour of
        // the map there: warmer (more red than blue) at the hottest cell than at the coldest.
        int[] hot = cellOf(grid, 1.0);
        int[] cold = cellOf(grid, 0.0);
        assertTrue(redMinusBlue(overlay, input, hot) > redMinusBlue(overlay, input, cold) + 100,
                "hot " + redMinusBlue(overlay, input, hot) + ", cold " + redMinusBlue(overlay, input, cold));
        // another photo, another map
        JsonPath other = post("heatmap", TestData.bytes("dermoscopy/ISIC_0024310.jpg"));
        assertTrue(!grid.equals(other.getList("heatmap.grid")), "maps differ between photos");
    }

    @Test
    void theHeatmapWorksWithEveryBodyShape() {
        byte[] photo = TestData.bytes(PHOTO);
        List<?> raw = post("heatmap", photo).getList("heatmap.grid");
        List<?> multipart = doubles(Forms.given().multiPart("image", "photo.jpg", photo, "image/jpeg")
                .queryParam("include", "heatmap").post("/v1/predictions").then().statusCode(200).extract().asString())
                .getList("heatmap.grid");
        List<?> json = doubles(given().contentType("application/json").queryParam("include", "heatmap")
                .body("{\"image\": \"" + Base64.getEncoder().encodeToString(photo) + "\"}")
                .post("/v1/predictions").then().statusCode(200).extract().asString()).getList("heatmap.grid");
        assertEquals(raw, multipart);
        assertEquals(raw, json);
    }

    @Test
    void anUnknownIncludeIsA400NamingTheAllowedValues() {
        given().contentType("image/jpeg").body(TestData.bytes(PHOTO)).queryParam("include", "heatmap,saliency")
                .when().post("/v1/predictions")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:problem-type:melanoma:unknown-include"))
                .body("allowed", contains("heatmap", "input"))
                .body("detail", containsString("saliency"));
    }

    @Test
    void everyAnswerCarriesTheQualityFigures() {
        given().contentType("image/jpeg").body(TestData.bytes(PHOTO))
                .when().post("/v1/predictions")
                .then().statusCode(200)
                .body("quality.problems", empty())
                .body("quality.advice", empty())
                .body("review.reasons", not(hasItem("quality")))
                .body("quality.sharpness", greaterThan(0f))
                .body("quality.brightness", greaterThan(0f))
                .body("quality.contrast", greaterThan(0f))
                .body("quality.darkShare", greaterThanOrEqualTo(0f))
                .body("quality.brightShare", greaterThanOrEqualTo(0f));
    }

    @Test
    void aBlurredCopyIsFlaggedInThePredictionAndByTheQualityCheck() {
        byte[] blurred = PhotoVariants.png(PhotoVariants.blurred(PhotoVariants.read(TestData.bytes(PHOTO)),
                PhotoVariants.BLUR_SIGMA_AT_INPUT));
        given().contentType("image/png").body(blurred)
                .when().post("/v1/predictions")
                .then().statusCode(200)
                .body("quality.problems", contains("blurry"))
                .body("quality.advice[0]", containsString("blurred"))
                .body("requiresReview", equalTo(true))
                .body("review.reasons[0]", equalTo("quality"));
        given().contentType("image/png").body(blurred)
                .when().post("/v1/quality")
                .then().statusCode(200)
                .contentType("application/json")
                .body("quality.problems", contains("blurry"))
                .body("image.format", equalTo("image/png"))
                .body("image.crop.size", equalTo(384))
                .body("$", not(hasKey("malignantProbability")));
    }

    @Test
    void theQualityCheckTakesTheThreeBodyShapes() {
        byte[] dark = PhotoVariants.png(PhotoVariants.exposed(PhotoVariants.read(TestData.bytes(PHOTO)),
                PhotoVariants.DARKEN));
        given().contentType("image/png").body(dark).post("/v1/quality")
                .then().statusCode(200).body("quality.problems", hasItem("too-dark"));
        Forms.given().multiPart("image", "dark.png", dark, "image/png").post("/v1/quality")
                .then().statusCode(200).body("quality.problems", hasItem("too-dark"));
        given().contentType("application/json")
                .body("{\"image\": \"" + Base64.getEncoder().encodeToString(dark) + "\"}")
                .post("/v1/quality")
                .then().statusCode(200).body("quality.problems", hasItem("too-dark"));
    }

    @Test
    void theQualityCheckAnswersBadInputLikePredictions() {
        given().contentType("image/jpeg").body(TestData.bytes("broken/truncated.jpg"))
                .when().post("/v1/quality")
                .then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("urn:problem-type:melanoma:corrupt-image"));
        given().contentType("image/jpeg").body(new byte[0])
                .when().post("/v1/quality")
                .then().statusCode(400).body("type", equalTo("urn:problem-type:melanoma:empty-body"));
    }

    @Test
    void aFlatGreyImageIsUniform() {
        byte[] grey = PhotoVariants.png(PhotoVariants.flat(800, 600, 128));
        given().contentType("image/png").body(grey).post("/v1/quality")
                .then().statusCode(200).body("quality.problems", contains("uniform"));
    }

    private static JsonPath doubles(String body) {
        return new JsonPath(body).using(new JsonPathConfig(NumberReturnType.DOUBLE));
    }

    private static BufferedImage dataUrlPng(String url) throws IOException {
        String prefix = "data:image/png;base64,";
        assertTrue(url.startsWith(prefix), url.substring(0, Math.min(40, url.length())));
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(url.substring(prefix.length()))));
    }

    private static int[] cellOf(List<List<Double>> grid, double value) {
        for (int r = 0; r < grid.size(); r++) {
            for (int c = 0; c < grid.get(r).size(); c++) {
                if (grid.get(r).get(c) == value) {
                    return new int[] { r, c };
                }
            }
        }
        throw new AssertionError("no cell of value " + value);
    }

    /** (red − blue) of the colour blended in at the cell's centre pixel: (overlay − 0.55 · photo) / 0.45. */
    private static double redMinusBlue(BufferedImage overlay, BufferedImage photo, int[] cell) {
        int x = cell[1] * 32 + 16;
        int y = cell[0] * 32 + 16;
        int o = overlay.getRGB(x, y);
        int p = photo.getRGB(x, y);
        double red = ((o >> 16 & 0xFF) - 0.55 * (p >> 16 & 0xFF)) / 0.45;
        double blue = ((o & 0xFF) - 0.55 * (p & 0xFF)) / 0.45;
        return red - blue;
    }
}
