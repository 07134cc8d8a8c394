package ai.skinlesion.decode;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns what ImageIO decoded into 8-bit RGB by the spec's rules, from the raw samples and never through
 * AWT colour management: alpha is dropped, grey is replicated, 16-bit samples keep their high byte, and
 * CMYK becomes RGB by the same arithmetic as TensorFlow's JPEG decoder (docs/MODEL_SPEC.md).
 */
final class PixelConverter {

    /** What the decoder was asked for (OpenedImage: how), and so how its samples become RGB. */
    enum Samples {
        /** RGB, grey or palette, with or without alpha, at 8 or 16 bits: the file's values, no colour management */
        AS_STORED,
        /** four-band JPEG as stored: Adobe's inverted CMYK (plain CMYK JPEGs), from the raw raster */
        INVERTED_CMYK,
        /** four-band JPEG through the reader's CMYK type: true CMYK (what YCCK becomes) */
        CMYK
    }

    private PixelConverter() {
    }

    /** A decoded image of the file's own samples (tests, and what {@link Samples#AS_STORED} reads). */
    static RgbImage toRgb(BufferedImage image) {
        return toRgb(image.getRaster(), image.getColorModel(), Samples.AS_STORED);
    }

    /** The one place decoded samples become 8-bit RGB; {@code model} may be null for a raw raster. */
    static RgbImage toRgb(Raster raster, ColorModel model, Samples samples) {
        if (samples != Samples.AS_STORED) {
            return fromCmyk(raster, samples == Samples.INVERTED_CMYK);
        }
        if (model instanceof IndexColorModel palette) {
            return fromPalette(raster, palette);
        }
        if (raster.getDataBuffer() instanceof DataBufferByte bytes && bytes.getNumBanks() == 1 && bytes.getOffset() == 0
                && raster.getSampleModel() instanceof ComponentSampleModel layout
                && layout.getPixelStride() == layout.getNumBands()
                && layout.getScanlineStride() == layout.getPixelStride() * raster.getWidth()
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0) {
            return fromInterleavedBytes(raster.getWidth(), raster.getHeight(), bytes.getData(), layout);
        }
        return fromSamples(raster);
    }

    /** The common case (JPEG, 8-bit PNG): bytes laid out pixel by pixel, bands in any order. */
    private static RgbImage fromInterleavedBytes(int width, int height, byte[] data, ComponentSampleModel model) {
        int stride = model.getPixelStride();
        int[] offsets = model.getBandOffsets();
        int r = offsets[0];
        int g = offsets[stride >= 3 ? 1 : 0];
        int b = offsets[stride >= 3 ? 2 : 0];
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0, s = 0; i < rgb.length; i += 3, s += stride) {
            rgb[i] = data[s + r];
            rgb[i + 1] = data[s + g];
            rgb[i + 2] = data[s + b];
        }
        return new RgbImage(width, height, rgb);
    }

    private static RgbImage fromPalette(Raster raster, IndexColorModel palette) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        byte[] rgb = new byte[width * height * 3];
        int[] row = new int[width];
        int i = 0;
        for (int y = 0; y < height; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, 0, row);
            for (int x = 0; x < width; x++) {
                rgb[i++] = (byte) palette.getRed(row[x]);
                rgb[i++] = (byte) palette.getGreen(row[x]);
                rgb[i++] = (byte) palette.getBlue(row[x]);
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** Anything else (16-bit PNG, packed ints): sample by sample, bands R, G, B[, A] or grey[, A]. */
    private static RgbImage fromSamples(Raster raster) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        int bands = raster.getNumBands();
        int shift = raster.getTransferType() == DataBuffer.TYPE_USHORT ? 8 : 0;
        boolean grey = bands < 3;
        byte[] rgb = new byte[width * height * 3];
        int[] row = new int[width * bands];
        int i = 0;
        for (int y = 0; y < height; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, width, 1, row);
            for (int x = 0, s = 0; x < width; x++, s += bands) {
                int r = row[s] >>> shift;
                rgb[i++] = (byte) r;
                rgb[i++] = (byte) (grey ? r : row[s + 1] >>> shift);
                rgb[i++] = (byte) (grey ? r : row[s + 2] >>> shift);
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /**
     * Four-band JPEG samples to RGB. {@code inverted}: Adobe's inverted CMYK as stored (plain CMYK JPEGs), where
     * R = C·K/255; otherwise true CMYK (what the YCCK path yields), where R = (255−C)(255−K)/255. Integer
     * division, as TensorFlow does.
     */
    private static RgbImage fromCmyk(Raster raster, boolean inverted) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        byte[] rgb = new byte[width * height * 3];
        int[] row = new int[width * 4];
        int i = 0;
        for (int y = 0; y < height; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, width, 1, row);
            for (int s = 0; s < row.length; s += 4) {
                int k = inverted ? row[s + 3] : 255 - row[s + 3];
                for (int c = 0; c < 3; c++) {
                    int v = inverted ? row[s + c] : 255 - row[s + c];
                    rgb[i++] = (byte) (v * k / 255);
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }
}
