package ai.skinlesion.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.FloatBuffer;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.decode.RgbImage;
import ai.skinlesion.modelspec.ModelSpec;

/**
 * Settings that model.json allows and the validator accepts but the demo model does not use: {@code quantize:
 * none}, NCHW layout, a non-identity mean and std. The input section is read from JSON, as the service reads it.
 */
class PreprocessorSettingsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A 2 × 1 photo, black then white: resized to 3 × 1 the middle pixel lies between them. */
    private static final RgbImage BLACK_WHITE = new RgbImage(2, 1, new byte[] { 0, 0, 0, -1, -1, -1 });

    @Test
    void quantizeNoneKeepsTheFractionalValuesThatResizingMakes() {
        float[] none = preprocessor("none", "NHWC", "[0.0, 0.0, 0.0]", "[1.0, 1.0, 1.0]").resized(BLACK_WHITE);
        float[] uint8 = preprocessor("uint8", "NHWC", "[0.0, 0.0, 0.0]", "[1.0, 1.0, 1.0]").resized(BLACK_WHITE);
        float middle = none[3];
        assertNotEquals(Math.rint(middle), middle, 1e-3, "the middle of black and white is not a whole value: " + middle);
        for (float v : uint8) {
            assertEquals(Math.rint(v), v, 0.0, "uint8 leaves whole values only");
        }
        for (int i = 0; i < none.length; i++) {
            assertEquals(Math.min(255, Math.max(0, Math.rint(none[i]))), uint8[i], 0.0, "uint8 is none, rounded, at " + i);
        }
    }

    @Test
    void nchwWithMeanAndStdIsThePlanesOfTheNormalisedResizedPixels() {
        Preprocessor nchw = preprocessor("none", "NCHW", "[0.5, 0.4, 0.2]", "[0.25, 0.5, 0.1]");
        float[] hwc = nchw.resized(BLACK_WHITE);
        float[] expected = new float[hwc.length];
        float[] mean = { 0.5f, 0.4f, 0.2f };
        float[] std = { 0.25f, 0.5f, 0.1f };
        int plane = hwc.length / 3;
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                expected[c * plane + p] = (hwc[p * 3 + c] / 255f - mean[c]) / std[c];
            }
        }
        FloatBuffer tensor = FloatBuffer.allocate(nchw.tensorSize());
        nchw.toTensor(BLACK_WHITE, tensor);
        float[] actual = new float[tensor.remaining()];
        tensor.get(actual);
        assertArrayEquals(expected, actual, 1e-5f);
        // black is (0 − mean) / std in every plane's first value: −2, −0.8, −2
        assertArrayEquals(new float[] { -2f, -0.8f, -2f }, new float[] { actual[0], actual[plane], actual[2 * plane] }, 1e-5f);
    }

    private static Preprocessor preprocessor(String quantize, String layout, String mean, String std) {
        String input = """
                {"name": "image", "dtype": "float32", "layout": "%s", "height": 1, "width": 3, "channels": 3,
                 "channelOrder": "RGB",
                 "preprocessing": {"exifOrientation": "apply", "alpha": "drop", "grayscale": "replicate",
                   "cmyk": "naive-inverted", "centerCropFraction": 1.0,
                   "resize": {"method": "bilinear", "antialias": false}, "quantize": "%s"},
                 "normalization": {"scale": %s, "mean": %s, "std": %s}}"""
                .formatted(layout, quantize, "NCHW".equals(layout) ? "0.00392156862745098" : "1.0", mean, std);
        try {
            return new Preprocessor(JSON.readValue(input, ModelSpec.Input.class));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
