package ai.skinlesion.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.TestData;
import ai.skinlesion.RejectedInputException;

/**
 * Every WebP test image (lossy, lossless, alpha, EXIF orientations 1, 5 and 6) decodes to exactly the pixels
 * TensorFlow's decode_image gives, oriented as the reference orients them; Pillow agreed with TensorFlow when the
 * fixtures were written (model-export/fixtures/webp_decoded.py), so these are libwebp's pixels. A crop reads the
 * same pixels as the whole picture cut afterwards, since the WebP reader always decodes the whole picture.
 */
class WebpDecodeParityTest {

    private static final ImageDecoder DECODER = new ImageDecoder(50_000_000, 1);
    private static final String FIXTURES = "/decoded-webp/";

    static Stream<JsonNode> images() throws IOException {
        try (InputStream in = WebpDecodeParityTest.class.getResourceAsStream(FIXTURES + "index.json")) {
            JsonNode index = new ObjectMapper().readTree(in);
            assertTrue(index.get("images").size() >= 6, "the fixtures hold too few WebP images");
            return Stream.of(index.get("images")).flatMap(images -> java.util.stream.StreamSupport.stream(
                    images.spliterator(), false));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void decodesTheSamePixelsAsTensorFlow(JsonNode image) throws IOException {
        String file = image.get("file").asText();
        byte[] bytes = TestData.bytes(file);
        assertEquals(image.get("fileSha256").asText(), sha256(bytes), file + " differs from the one the fixtures were made from");
        byte[] expected = referencePixels(image.get("pixels").asText());
        try (OpenedImage opened = DECODER.open(bytes)) {
            assertEquals(ImageFormat.WEBP, opened.format(), file);
            assertEquals(image.get("width").asInt(), opened.width(), file);
            assertEquals(image.get("height").asInt(), opened.height(), file);
            int orientation = image.get("exifOrientation").isNull() ? 1 : image.get("exifOrientation").asInt();
            assertEquals(orientation, opened.orientation().exifValue(), file);
            RgbImage whole = opened.read(Region.whole(opened.width(), opened.height()));
            assertEquals(expected.length, whole.rgb().length, file);
            int differing = 0;
            int max = 0;
            for (int i = 0; i < expected.length; i++) {
                int d = Math.abs((expected[i] & 0xFF) - (whole.rgb()[i] & 0xFF));
                if (d != 0) {
                    differing++;
                    max = Math.max(max, d);
                }
            }
            assertEquals(0, differing, file + ": " + differing + " samples differ from TensorFlow's, by up to " + max);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void aCropIsTheWholePictureCut(JsonNode image) throws IOException {
        byte[] bytes = TestData.bytes(image.get("file").asText());
        RgbImage whole;
        try (OpenedImage opened = DECODER.open(bytes)) {
            whole = opened.read(Region.whole(opened.width(), opened.height()));
        }
        // an odd offset and size: libwebp's own cropping would round them to even
        int side = Math.min(whole.width(), whole.height()) / 2 + 1;
        int left = (whole.width() - side) / 2 | 1;
        int top = (whole.height() - side) / 2 | 1;
        try (OpenedImage opened = DECODER.open(bytes)) {
            RgbImage crop = opened.read(new Region(left, top, side, side));
            RgbImage cut = whole.crop(left, top, side, side);
            assertEquals(side, crop.width());
            assertEquals(side, crop.height());
            assertArrayEquals(cut.rgb(), crop.rgb(), image.get("file").asText());
        }
    }

    @Test
    void aTruncatedWebpIsACorruptImage() {
        RejectedInputException e = assertThrows(RejectedInputException.class,
                () -> {
                    try (OpenedImage opened = DECODER.open(TestData.bytes("broken/webp-truncated.webp"))) {
                        opened.read(Region.whole(opened.width(), opened.height()));
                    }
                });
        assertFalse(e.getMessage().isBlank());
    }

    private static byte[] referencePixels(String name) throws IOException {
        try (InputStream in = WebpDecodeParityTest.class.getResourceAsStream(FIXTURES + name)) {
            var raster = ImageIO.read(in).getRaster();
            assertEquals(3, raster.getNumBands(), name + " is not an RGB PNG");
            int[] samples = raster.getPixels(0, 0, raster.getWidth(), raster.getHeight(), (int[]) null);
            byte[] bytes = new byte[samples.length];
            for (int i = 0; i < samples.length; i++) {
                bytes[i] = (byte) samples[i];
            }
            return bytes;
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
