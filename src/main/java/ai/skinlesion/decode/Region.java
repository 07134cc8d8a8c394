package ai.skinlesion.decode;

/** A rectangle of pixels: left and top corner, width and height. */
public record Region(int left, int top, int width, int height) {

    public Region {
        if (left < 0 || top < 0 || width <= 0 || height <= 0) {
            throw new IllegalArgumentException("not a region: " + left + "," + top + " " + width + "x" + height);
        }
    }

    public static Region whole(int width, int height) {
        return new Region(0, 0, width, height);
    }
}
