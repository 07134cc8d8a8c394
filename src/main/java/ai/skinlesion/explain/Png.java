package ai.skinlesion.explain;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** RGB pixels to a PNG file (the JDK's own ImageIO writer, which the native image carries too) and a data URL. */
public final class Png {

    private Png() {
    }

    /** @param hwc height × width × 3 values 0..255, row by row; rounded to the nearest level and clamped */
    public static byte[] encode(float[] hwc, int height, int width) {
        byte[] rgb = new byte[height * width * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) Math.max(0, Math.min(255, Math.round(hwc[i])));
        }
        return encode(rgb, height, width);
    }

    /** @param rgb height × width × 3 bytes, row by row */
    public static byte[] encode(byte[] rgb, int height, int width) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(rgb.length / 2);
        // in memory, whatever ImageIO's cache setting: a PNG made from a photo never touches the disk
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            if (!ImageIO.write(image, "png", stream)) {
                throw new IllegalStateException("no PNG writer in this runtime");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing a PNG to memory failed", e);
        }
        return out.toByteArray();
    }

    public static String dataUrl(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }
}
