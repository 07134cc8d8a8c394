package ai.skinlesion.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import ai.skinlesion.TestData;

/**
 * The EXIF orientation test set: Landscape_N.jpg and Portrait_N.jpg store the same picture turned eight
 * ways, with EXIF Orientation N saying how to turn it back. Applied correctly, all eight look the same.
 */
class OrientationTest {

    private static final ImageDecoder DECODER = new ImageDecoder(50_000_000, 1);

    private static RgbImage displayed(String file) {
        try (OpenedImage image = DECODER.open(TestData.bytes(file))) {
            return image.read(Region.whole(image.width(), image.height()));
        }
    }

    private static double meanAbsDiff(RgbImage a, RgbImage b) {
        assertEquals(a.width(), b.width());
        assertEquals(a.height(), b.height());
        long sum = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            sum += Math.abs((a.rgb()[i] & 0xFF) - (b.rgb()[i] & 0xFF));
        }
        return (double) sum / a.rgb().length;
    }

    /** The pixels as stored in the file, no orientation applied. */
    private static RgbImage stored(String file) throws IOException {
        return PixelConverter.toRgb(ImageIO.read(new ByteArrayInputStream(TestData.bytes(file))));
    }

    /**
     * Of the eight ways to turn the stored pixels, the one EXIF names must match the upright photo, and
     * clearly better than any other (JPEG re-encoding noise keeps even the right one from matching exactly).
     */
    @ParameterizedTest
    @ValueSource(ints = { 2, 3, 4, 5, 6, 7, 8 })
    void theNamedOrientationRestoresTheUprightPicture(int value) throws IOException {
        for (String set : new String[] { "Landscape", "Portrait" }) {
            RgbImage upright = displayed("exif-orientation/" + set + "_1.jpg");
            String file = "exif-orientation/" + set + "_" + value + ".jpg";
            RgbImage displayed = displayed(file);
            double named = meanAbsDiff(upright, displayed);
            assertTrue(named < 5.0, file + ": " + named);
            RgbImage raw = stored(file);
            for (Orientation other : Orientation.values()) {
                RgbImage turned = other.apply(raw);
                if (other.exifValue() != value && turned.width() == upright.width()) {
                    double wrong = meanAbsDiff(upright, turned);
                    assertTrue(wrong > 4 * named, file + ": " + other + " gives " + wrong + ", the named one " + named);
                }
            }
        }
    }

    @Test
    void invalidOrientationZeroMeansAsStored() {
        try (OpenedImage image = DECODER.open(TestData.bytes("exif-orientation/Landscape_0.jpg"))) {
            assertEquals(Orientation.NORMAL, image.orientation());
        }
        assertTrue(meanAbsDiff(displayed("exif-orientation/Landscape_1.jpg"), displayed("exif-orientation/Landscape_0.jpg")) < 3.0);
    }

    @Test
    void dermoscopyPhotoStoredSidewaysIsTurnedUpright() {
        try (OpenedImage image = DECODER.open(TestData.bytes("exif-orientation/dermoscopy_orientation_6.jpg"))) {
            assertEquals(Orientation.ROTATE_90_CW, image.orientation());
            assertEquals(600, image.width());
            assertEquals(450, image.height());
        }
    }

    @Test
    void regionOfATurnedPhotoIsTheSameAsTurningThenCropping() {
        RgbImage whole = displayed("exif-orientation/Portrait_6.jpg");
        Region crop = new Region(100, 250, 300, 300);
        RgbImage region;
        try (OpenedImage image = DECODER.open(TestData.bytes("exif-orientation/Portrait_6.jpg"))) {
            region = image.read(crop);
        }
        for (int y = 0; y < crop.height(); y += 37) {
            for (int x = 0; x < crop.width(); x += 41) {
                assertEquals(whole.red(crop.left() + x, crop.top() + y), region.red(x, y));
                assertEquals(whole.blue(crop.left() + x, crop.top() + y), region.blue(x, y));
            }
        }
    }
}
