package ai.skinlesion.preprocess.jpeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import ai.skinlesion.decode.RgbImage;
import ai.skinlesion.preprocess.LibraryOutputs;

/**
 * JpegRoundTrip against cv2.imencode then tf.io.decode_jpeg (library-outputs.txt), on a 20 × 13 image, so that
 * every block on the right and bottom edge is padded: quality 95 and 50, the three chroma subsamplings, the fast
 * and the accurate inverse DCT.
 */
class JpegRoundTripTest {

    static List<LibraryOutputs.Case> cases() {
        List<LibraryOutputs.Case> cases = LibraryOutputs.cases("jpeg");
        assertFalse(cases.isEmpty());
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void equalsEncodeThenTensorFlowDecode(LibraryOutputs.Case c) {
        String[] w = c.words();
        RgbImage input = LibraryOutputs.input("20x13");
        float[] pixels = new float[input.rgb().length];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = input.rgb()[i] & 0xFF;
        }
        new JpegRoundTrip(Integer.parseInt(w[1]), w[2], w[3].equals("accurate")).apply(pixels, 20, 13);
        assertArrayEquals(c.values(), LibraryOutputs.rounded(pixels), c.name());
    }

    @Test
    void qualityScalesTheStandardTablesAsLibjpegDoes() {
        // jpeg_quality_scaling: 95 -> 10 %, 50 -> 100 %, 10 -> 500 %; entries kept in 1..255 (baseline)
        assertEquals(10, JpegRoundTrip.qualityScaling(95));
        assertEquals(100, JpegRoundTrip.qualityScaling(50));
        assertEquals(500, JpegRoundTrip.qualityScaling(10));
        int[] basic = new int[64];
        basic[0] = 16;
        basic[1] = 99;
        assertEquals(2, JpegRoundTrip.quantTable(basic, 10)[0]);
        assertEquals(10, JpegRoundTrip.quantTable(basic, 10)[1]);
        assertEquals(1, JpegRoundTrip.quantTable(basic, 0)[1]);
        assertEquals(255, JpegRoundTrip.quantTable(basic, 5000)[1]);
    }

    @Test
    void refusesWhatLibjpegWouldNotWrite() {
        assertThrows(IllegalArgumentException.class, () -> new JpegRoundTrip(0, "4:2:0", false));
        assertThrows(IllegalArgumentException.class, () -> new JpegRoundTrip(95, "4:1:1", false));
    }
}
