package ai.skinlesion.preprocess;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The service end to end with a model that uses what the demo does not: NCHW layout, a non-identity mean and std,
 * {@code quantize: none}. Its graph (src/test/resources/models/nchw-mean-std/1, made with the onnx package) is no
 * classifier: it answers sigmoid(mean of the red plane), so a photo of one colour has an answer worked out by hand.
 * For (200, 100, 50): red (200 / 255 − 0.5) / 0.25 = 1.1373, sigmoid 0.7572. Written channels-last instead, the
 * "red plane" would hold red, green and blue in turn: mean (1.1373 − 0.0392 − 1.0392) / 3, sigmoid 0.505; without
 * the mean and std, sigmoid(200 / 255) = 0.687.
 */
@QuarkusTest
@TestProfile(NchwMeanStdModelTest.NchwModel.class)
class NchwMeanStdModelTest {

    public static class NchwModel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("melanoma.model.dir", "src/test/resources/models/nchw-mean-std/1");
        }
    }

    @Test
    void aPhotoOfOneColourGetsTheHandWorkedAnswer() throws IOException {
        double red = (200 / 255.0 - 0.5) / 0.25;
        double expected = 1 / (1 + Math.exp(-red));
        Number probability = given().contentType("image/png").body(png(200, 160, 200, 100, 50))
                .when().post("/v1/predictions")
                .then().statusCode(200)
                .extract().path("malignantProbability");
        assertEquals(expected, probability.doubleValue(), 1e-4);
    }

    /** Lossless, so that the decoded pixels are exactly the colour given. */
    private static byte[] png(int width, int height, int r, int g, int b) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
