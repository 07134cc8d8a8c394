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

    /** The smallest region that holds all of them. */
    public static Region enclosing(Region... regions) {
        int left = Integer.MAX_VALUE;
        int top = Integer.MAX_VALUE;
        int right = 0;
        int bottom = 0;
        for (Region r : regions) {
            left = Math.min(left, r.left);
            top = Math.min(top, r.top);
            right = Math.max(right, r.left + r.width);
            bottom = Math.max(bottom, r.top + r.height);
        }
        return new Region(left, top, right - left, bottom - top);
    }
}
