package ai.skinlesion.preprocess.jpeg;

import ai.skinlesion.modelspec.ModelSpec;

/**
 * What storing the model-sized image as a JPEG and reading it back did to it, as training's pipeline did it:
 * written by libjpeg-turbo (through {@code cv2.imencode} or Pillow's {@code Image.save}) at a quality and chroma
 * subsampling, read by {@code tf.io.decode_jpeg} (libjpeg-turbo again: fancy upsampling, the fast or the accurate
 * integer inverse DCT).
 * <p>
 * The result does not depend on the entropy coding, which is lossless, so only the lossy stages run, each in
 * libjpeg-turbo's integer arithmetic: RGB to YCbCr (jccolor.c), chroma downsampling (jcsample.c) over edges
 * padded as the compressor pads them, the accurate forward DCT (jfdctint.c), quantisation by the quality-scaled
 * standard tables (jcparam.c) with libjpeg-turbo's reciprocal division (jcdctmgr.c); then dequantisation, the
 * inverse DCT (jidctfst.c or jidctint.c), fancy upsampling (jdsample.c) and YCbCr to RGB (jdcolor.c). Pure Java,
 * so the JVM and the native binary give the same pixels.
 */
public final class JpegRoundTrip {

    private static final int[] STD_LUMINANCE = { 16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14,
            13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64,
            81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99 };
    private static final int[] STD_CHROMINANCE = { 17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24,
            26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
            99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99 };

    private final BlockCodec luma;
    private final BlockCodec chroma;
    /** Chroma subsampling factors: 2 × 2 (4:2:0), 2 × 1 (4:2:2) or 1 × 1 (4:4:4). */
    private final int hFactor;
    private final int vFactor;

    public JpegRoundTrip(int quality, String chromaSubsampling, boolean accurateIdct) {
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must lie in 1..100, not " + quality);
        }
        switch (chromaSubsampling) {
            case "4:2:0" -> {
                hFactor = 2;
                vFactor = 2;
            }
            case "4:2:2" -> {
                hFactor = 2;
                vFactor = 1;
            }
            case "4:4:4" -> {
                hFactor = 1;
                vFactor = 1;
            }
            default -> throw new IllegalArgumentException("unsupported chroma subsampling " + chromaSubsampling);
        }
        int scale = qualityScaling(quality);
        this.luma = new BlockCodec(quantTable(STD_LUMINANCE, scale), accurateIdct);
        this.chroma = new BlockCodec(quantTable(STD_CHROMINANCE, scale), accurateIdct);
    }

    public static JpegRoundTrip of(ModelSpec.JpegRoundTrip spec) {
        return new JpegRoundTrip(spec.quality(), spec.chromaSubsampling(), "accurate".equals(spec.dctMethod()));
    }

    /** jpeg_quality_scaling: quality 50 keeps the standard tables, 100 makes every entry 1. */
    static int qualityScaling(int quality) {
        return quality < 50 ? 5000 / quality : 200 - quality * 2;
    }

    /** jpeg_add_quant_table with force_baseline, as both encoders call jpeg_set_quality: entries 1..255. */
    static int[] quantTable(int[] basic, int scale) {
        int[] table = new int[64];
        for (int i = 0; i < 64; i++) {
            long t = ((long) basic[i] * scale + 50) / 100;
            table[i] = (int) Math.max(1, Math.min(255, t));
        }
        return table;
    }

    /** Replaces {@code rgb} (height × width × 3 whole values 0..255, row by row) by its round trip. */
    public void apply(float[] rgb, int width, int height) {
        int n = width * height;
        byte[] y = new byte[n];
        byte[] cb = new byte[n];
        byte[] cr = new byte[n];
        ColorConvert.toYcc(rgb, y, cb, cr);
        // luma at full resolution, decoded in place (the codec reads a padded copy first)
        luma.roundTrip(y, width, height, width, height, 1, 1, y);
        int cw = (width + hFactor - 1) / hFactor;
        int ch = (height + vFactor - 1) / vFactor;
        byte[] decoded = new byte[cw * ch];
        chroma.roundTrip(cb, width, height, cw, ch, hFactor, vFactor, decoded);
        Upsample.fancy(decoded, cw, ch, width, height, hFactor, vFactor, cb);
        chroma.roundTrip(cr, width, height, cw, ch, hFactor, vFactor, decoded);
        Upsample.fancy(decoded, cw, ch, width, height, hFactor, vFactor, cr);
        ColorConvert.toRgb(y, cb, cr, rgb);
    }
}
