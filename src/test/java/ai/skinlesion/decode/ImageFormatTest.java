package ai.skinlesion.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ai.skinlesion.TestData;

class ImageFormatTest {

    @ParameterizedTest
    @CsvSource({
            "dermoscopy/ISIC_0000000.jpg, JPEG",
            "formats/progressive.jpg, JPEG",
            "formats/mpo-multipicture.mpo, JPEG",
            "formats/png-palette.png, PNG",
            "formats/webp-lossy-exif.webp, WEBP",
            "formats/heic-hevc.heic, HEIF",
            "formats/avif-wide-4096x800.avif, AVIF",
            "formats/gif-animated.gif, GIF",
            "formats/bmp-24bit.bmp, BMP",
            "formats/tiff-lzw.tif, TIFF" })
    void toldFromTheFirstBytes(String file, ImageFormat expected) {
        assertEquals(Optional.of(expected), ImageFormat.sniff(TestData.bytes(file)));
    }

    @ParameterizedTest
    @CsvSource({ "broken/zero-length.jpg", "formats/INDEX.csv" })
    void notAnImage(String file) {
        assertTrue(ImageFormat.sniff(TestData.bytes(file)).isEmpty());
    }
}
