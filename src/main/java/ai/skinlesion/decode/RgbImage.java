package ai.skinlesion.decode;

/** 8-bit RGB pixels, row by row, three bytes a pixel: what decoding hands to preprocessing. */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + width * height * 3 + " bytes, got " + rgb.length);
        }
    }

    public int red(int x, int y) {
        return rgb[(y * width + x) * 3] & 0xFF;
    }

    public int green(int x, int y) {
        return rgb[(y * width + x) * 3 + 1] & 0xFF;
    }

    public int blue(int x, int y) {
        return rgb[(y * width + x) * 3 + 2] & 0xFF;
    }
}
