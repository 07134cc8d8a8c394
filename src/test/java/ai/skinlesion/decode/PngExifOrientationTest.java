package ai.skinlesion.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

import javax.imageio.ImageIO;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import ai.skinlesion.TestData;

/**
 * A PNG's EXIF orientation (its eXIf chunk) is applied as a JPEG's is, as the reference (Pillow) and docs/MODEL_SPEC.md
 * do: the PNGs are made here from a real test photo's stored pixels, with the eXIf chunk of the same photo's JPEG
 * (Landscape_6.jpg, Orientation 6), placed before the image data, after it, or damaged.
 */
class PngExifOrientationTest {

    private static final ImageDecoder DECODER = new ImageDecoder(50_000_000, 1);
    private static final String PHOTO = "exif-orientation/Landscape_6.jpg";

    private static RgbImage decode(byte[] bytes, int expectedOrientation) {
        try (OpenedImage image = DECODER.open(bytes)) {
            assertEquals(expectedOrientation, image.orientation().exifValue());
            return image.read(Region.whole(image.width(), image.height()));
        }
    }

    /** The photo's pixels as stored in its JPEG, written as a PNG with the given chunk before or after IDAT. */
    private static byte[] png(byte[] chunk, boolean afterImageData) throws IOException {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        ImageIO.write(ImageIO.read(new ByteArrayInputStream(TestData.bytes(PHOTO))), "png", plain);
        byte[] b = plain.toByteArray();
        // IHDR is the first chunk (8 + 25 bytes); IEND the last 12
        int at = afterImageData ? b.length - 12 : 8 + 25;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, at);
        out.write(chunk);
        out.write(b, at, b.length - at);
        return out.toByteArray();
    }

    private static byte[] exifChunk(byte[] tiff) {
        byte[] type = "eXIf".getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(type);
        crc.update(tiff);
        return ByteBuffer.allocate(12 + tiff.length).putInt(tiff.length).put(type).put(tiff).putInt((int) crc.getValue())
                .array();
    }

    /** Orientation 6 as a minimal big-endian TIFF: header, one IFD with one SHORT entry (tag 274). */
    private static byte[] orientationTiff(int value) {
        return ByteBuffer.allocate(26).put(new byte[] { 'M', 'M', 0, 42 }).putInt(8).putShort((short) 1)
                .putShort((short) 274).putShort((short) 3).putInt(1).putShort((short) value).putShort((short) 0)
                .putInt(0).array();
    }

    @ParameterizedTest(name = "eXIf after the image data: {0}")
    @ValueSource(booleans = { false, true })
    void theEXIfOrientationTurnsThePngAsItTurnsTheJpeg(boolean afterImageData) throws IOException {
        RgbImage fromJpeg = decode(TestData.bytes(PHOTO), 6);
        RgbImage fromPng = decode(png(exifChunk(orientationTiff(6)), afterImageData), 6);
        RgbImage stored = PixelConverter.toRgb(ImageIO.read(new ByteArrayInputStream(TestData.bytes(PHOTO))));
        assertEquals(stored.height(), fromPng.width(), "a quarter turn swaps width and height");
        assertArrayEquals(Orientation.ROTATE_90_CW.apply(stored).rgb(), fromPng.rgb());
        assertArrayEquals(fromJpeg.rgb(), fromPng.rgb(), "the PNG displays as the JPEG it was made from");
    }

    @ParameterizedTest(name = "Exif\\0\\0 prefix: {0}")
    @ValueSource(booleans = { false, true })
    void readsTheTiffWithOrWithoutAnExifPrefix(boolean prefixed) throws IOException {
        byte[] tiff = orientationTiff(3);
        if (prefixed) {
            tiff = ByteBuffer.allocate(6 + tiff.length).put("Exif\0\0".getBytes(StandardCharsets.US_ASCII)).put(tiff)
                    .array();
        }
        decode(png(exifChunk(tiff), false), 3);
    }

    @ParameterizedTest(name = "damaged eXIf of {0} bytes")
    @ValueSource(ints = { 0, 3, 12 })
    void aDamagedEXIfCostsTheOrientationNotThePhoto(int length) throws IOException {
        byte[] broken = new byte[length];
        System.arraycopy(orientationTiff(6), 0, broken, 0, length);
        decode(png(exifChunk(broken), false), 1);
    }
}
