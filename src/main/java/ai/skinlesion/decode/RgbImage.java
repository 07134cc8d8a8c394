package ai.skinlesion.decode;

/** 8-bit RGB pixels, row by row, three bytes a pixel: what decoding hands to preprocessing. */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + width * height * 3 + " bytes, got " + rgb.length);
        }
    }

    /** The pixels of a rectangle inside this image; this image itself when the rectangle is all of it. */
    public RgbImage crop(int left, int top, int cropWidth, int cropHeight) {
        if (left == 0 && top == 0 && cropWidth == width && cropHeight == height) {
            return this;
        }
        if (left < 0 || top < 0 || cropWidth <= 0 || cropHeight <= 0 || left + cropWidth > width
                || top + cropHeight > height) {
            throw new IllegalArgumentException("the crop " + left + "," + top + " " + cropWidth + "x" + cropHeight
                    + " is not inside the " + width + "x" + height + " image");
        }
        byte[] out = new byte[cropWidth * cropHeight * 3];
        for (int y = 0; y < cropHeight; y++) {
            System.arraycopy(rgb, ((top + y) * width + left) * 3, out, y * cropWidth * 3, cropWidth * 3);
        }
        return new RgbImage(cropWidth, cropHeight, out);
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
