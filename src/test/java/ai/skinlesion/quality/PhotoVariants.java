package ai.skinlesion.quality;

import java.awt.image.BufferedImage;
import java.awt.image.ConvolveOp;
import java.awt.image.Kernel;
import java.awt.image.RescaleOp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import javax.imageio.ImageIO;

/**
 * Degraded copies of a real photo, made with the JDK's own image operations (java.awt.image), written as PNG so
 * that no JPEG loss blurs or sharpens them further: what the quality check must flag.
 */
public final class PhotoVariants {

    /** The blur, in pixels of the model's 384-pixel input: a photo a hand or the focus got wrong. */
    public static final double BLUR_SIGMA_AT_INPUT = 2.0;
    public static final float DARKEN = 0.25f;
    public static final float BRIGHTEN = 2.2f;

    private PhotoVariants() {
    }

    public static BufferedImage read(byte[] file) {
        try {
            BufferedImage image = ImageIO.read(new java.io.ByteArrayInputStream(file));
            BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(image, 0, 0, null);
            return rgb;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Gaussian blur of {@code sigmaAtInput} pixels at the model's input, i.e. scaled by how much the centre crop
     * (half the shorter side) shrinks to 384 pixels; separable, in two passes.
     */
    public static BufferedImage blurred(BufferedImage photo, double sigmaAtInput) {
        double crop = 0.5 * Math.min(photo.getWidth(), photo.getHeight());
        double sigma = Math.max(0.3, sigmaAtInput * crop / 384);
        int radius = (int) Math.ceil(3 * sigma);
        float[] weights = new float[2 * radius + 1];
        float sum = 0;
        for (int i = -radius; i <= radius; i++) {
            weights[i + radius] = (float) Math.exp(-(i * i) / (2 * sigma * sigma));
            sum += weights[i + radius];
        }
        for (int i = 0; i < weights.length; i++) {
            weights[i] /= sum;
        }
        BufferedImage across = new ConvolveOp(new Kernel(weights.length, 1, weights), ConvolveOp.EDGE_NO_OP, null)
                .filter(photo, null);
        return new ConvolveOp(new Kernel(1, weights.length, weights), ConvolveOp.EDGE_NO_OP, null).filter(across, null);
    }

    /** Every channel times {@code factor}, clipped at 255: under- or overexposure. */
    public static BufferedImage exposed(BufferedImage photo, float factor) {
        return new RescaleOp(factor, 0, null).filter(photo, null);
    }

    public static BufferedImage flat(int width, int height, int grey) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int rgb = grey << 16 | grey << 8 | grey;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
