package ai.skinlesion.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ai.skinlesion.decode.RgbImage;

/**
 * TensorFlowResize must agree with TensorFlow's tf.image.resize. The expected values were printed by TensorFlow 2.21
 * for a fixed 9x7 random image:
 * <pre>
 * img = np.random.default_rng(3).integers(0, 256, (7, 9, 3)).astype(np.uint8)
 * tf.image.resize(img.astype(np.float32), [h, w], method=m, antialias=aa)
 * </pre>
 */
class TensorFlowResizeTest {

    private static final int[] INPUT = { 207, 21, 45, 60, 46, 205, 222, 149, 10, 24, 85, 110, 159, 122, 67, 40, 177, 188, 8,
            29, 115, 100, 227, 132, 107, 110, 170, 150, 44, 188, 193, 244, 201, 72, 81, 166, 166, 178, 222, 74, 240, 0, 19,
            249, 241, 76, 35, 80, 11, 228, 169, 149, 62, 120, 48, 197, 121, 7, 65, 180, 133, 95, 64, 23, 155, 169, 133, 238,
            237, 53, 155, 161, 63, 76, 124, 189, 74, 184, 167, 55, 99, 212, 215, 168, 1, 174, 57, 209, 233, 109, 244, 194,
            83, 224, 98, 26, 151, 217, 168, 100, 230, 122, 98, 37, 54, 178, 204, 74, 160, 223, 37, 70, 134, 143, 101, 102,
            33, 156, 238, 50, 204, 46, 11, 191, 46, 192, 84, 145, 240, 235, 121, 52, 64, 217, 150, 43, 226, 246, 248, 159,
            249, 155, 128, 248, 154, 201, 86, 202, 249, 13, 137, 94, 13, 21, 68, 49, 183, 54, 160, 219, 126, 32, 17, 75, 105,
            126, 78, 217, 145, 247, 239, 181, 7, 54, 191, 139, 241, 180, 209, 13, 75, 174, 162, 94, 40, 150, 22, 171, 205 };

    private static RgbImage input() {
        byte[] rgb = new byte[INPUT.length];
        for (int i = 0; i < INPUT.length; i++) {
            rgb[i] = (byte) INPUT[i];
        }
        return new RgbImage(9, 7, rgb);
    }

    @ParameterizedTest(name = "{0}x{1} antialias={2} {3}")
    @CsvSource(delimiter = ';', value = {
            // shrinking 9x7 to 4x3, antialiased: the kernel widens
            "3;4;true;bilinear;128.16122436523438,104.95305633544922,148.0387725830078,106.52960968017578,145.20730590820312,130.36061096191406,60.804874420166016,156.39370727539062,144.513916015625,95.67347717285156,120.5857162475586,138.0612335205078,104.77143859863281,167.33782958984375,121.37142944335938,155.98133850097656,166.25108337402344,96.36727905273438,131.48922729492188,146.28407287597656,132.7747344970703,136.68740844726562,122.93445587158203,106.71597290039062,121.07144165039062,150.10816955566406,187.85714721679688,165.2909393310547,150.80487060546875,118.64283752441406,141.85537719726562,129.09580993652344,88.26655578613281,123.21226501464844,111.63674926757812,127.40612030029297",
            // shrinking without antialiasing
            "3;4;false;bilinear;156.29165649414062,124.87499237060547,179.0833282470703,119.08332824707031,141.5833282470703,175.8333282470703,29.416667938232422,201.0,206.875,76.04167175292969,171.5416717529297,149.1666717529297,80.125,189.375,98.625,239.625,198.875,86.25,144.625,218.625,162.25,128.0,99.625,61.5,142.45835876464844,148.37503051757812,223.58335876464844,161.5833282470703,140.2500457763672,96.54167175292969,137.29165649414062,128.7082977294922,22.208328247070312,153.3333740234375,83.70832824707031,131.54165649414062",
            // bicubic (Keys, a = -0.5), antialiased
            "4;3;true;bicubic;144.01776123046875,96.67137145996094,140.110107421875,78.27242279052734,155.32479858398438,122.22181701660156,66.70401763916016,133.3651885986328,144.62355041503906,94.73146057128906,148.6479949951172,133.95460510253906,112.74247741699219,179.3097686767578,147.74951171875,119.13520812988281,108.80686950683594,126.47333526611328,130.91493225097656,182.59715270996094,105.92245483398438,177.61196899414062,134.8927764892578,78.98932647705078,141.09976196289062,134.28799438476562,115.93687438964844,129.55833435058594,139.42417907714844,205.32196044921875,164.2424774169922,150.4122314453125,96.58718872070312,106.94918823242188,107.034423828125,120.41358947753906",
    })
    void agreesWithTensorFlow(int height, int width, boolean antialias, String method, String expected) {
        float[] actual = new TensorFlowResize(ResizeKernel.forMethod(method), antialias).apply(input(), width, height);
        double[] want = Arrays.stream(expected.split(",")).mapToDouble(Double::parseDouble).toArray();
        double[] got = new double[actual.length];
        for (int i = 0; i < actual.length; i++) {
            got[i] = actual[i];
        }
        assertArrayEquals(want, got, 1e-3);
    }

    @ParameterizedTest(name = "enlarging to {0}x{1}")
    @CsvSource(delimiter = ';', value = {
            "12;5;145.07142639160156,40.857139587402344,111.0714340209961,129.75,109.68749237060547,77.8125,99.23529815673828,126.23530578613281,105.58824157714844,35.25000762939453,112.37501525878906,141.00001525878906,96.92855072021484,154.35714721679688,149.78570556640625" })
    void enlargingAgreesWithTensorFlow(int height, int width, String expectedFirstRow) {
        float[] actual = new TensorFlowResize(ResizeKernel.TRIANGLE, true).apply(input(), width, height);
        double[] want = Arrays.stream(expectedFirstRow.split(",")).mapToDouble(Double::parseDouble).toArray();
        double[] got = new double[want.length];
        for (int i = 0; i < want.length; i++) {
            got[i] = actual[i];
        }
        assertArrayEquals(want, got, 1e-3);
    }
}
