package ai.skinlesion.decode;

/**
 * EXIF Orientation (TIFF tag 274): how the stored pixels must be turned to show the photo as the person who
 * took it saw it. Values 0, 1, missing or out of range mean "as stored".
 */
public enum Orientation {
    NORMAL(1), MIRROR_HORIZONTAL(2), ROTATE_180(3), MIRROR_VERTICAL(4),
    TRANSPOSE(5), ROTATE_90_CW(6), TRANSVERSE(7), ROTATE_270_CW(8);

    private final int exifValue;

    Orientation(int exifValue) {
        this.exifValue = exifValue;
    }

    public static Orientation fromExif(int value) {
        return value >= 1 && value <= 8 ? values()[value - 1] : NORMAL;
    }

    public int exifValue() {
        return exifValue;
    }

    /** Values 5–8 turn the picture a quarter, so width and height swap. */
    public boolean swapsAxes() {
        return exifValue >= 5;
    }

    /**
     * The stored region that, once turned, becomes {@code oriented} (a region of the displayed picture).
     * storedWidth and storedHeight are the stored picture's size.
     */
    public Region toStored(Region oriented, int storedWidth, int storedHeight) {
        Mapping m = mapping(storedWidth, storedHeight);
        int x0 = oriented.left();
        int y0 = oriented.top();
        int x1 = x0 + oriented.width() - 1;
        int y1 = y0 + oriented.height() - 1;
        int ax = m.storedX(x0, y0);
        int ay = m.storedY(x0, y0);
        int bx = m.storedX(x1, y1);
        int by = m.storedY(x1, y1);
        return new Region(Math.min(ax, bx), Math.min(ay, by), Math.abs(ax - bx) + 1, Math.abs(ay - by) + 1);
    }

    /** Turns stored pixels into displayed pixels. */
    public RgbImage apply(RgbImage stored) {
        if (this == NORMAL) {
            return stored;
        }
        int sw = stored.width();
        int sh = stored.height();
        int ow = swapsAxes() ? sh : sw;
        int oh = swapsAxes() ? sw : sh;
        Mapping m = mapping(sw, sh);
        byte[] src = stored.rgb();
        byte[] dst = new byte[src.length];
        int di = 0;
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int si = (m.storedY(x, y) * sw + m.storedX(x, y)) * 3;
                dst[di++] = src[si];
                dst[di++] = src[si + 1];
                dst[di++] = src[si + 2];
            }
        }
        return new RgbImage(ow, oh, dst);
    }

    /** Where displayed pixel (x, y) is stored: an affine map with coefficients in {-1, 0, 1}. */
    private record Mapping(int xx, int xy, int x0, int yx, int yy, int y0) {
        int storedX(int x, int y) {
            return xx * x + xy * y + x0;
        }

        int storedY(int x, int y) {
            return yx * x + yy * y + y0;
        }
    }

    /** For a stored picture of w × h. */
    private Mapping mapping(int w, int h) {
        return switch (this) {
            case NORMAL -> new Mapping(1, 0, 0, 0, 1, 0);
            case MIRROR_HORIZONTAL -> new Mapping(-1, 0, w - 1, 0, 1, 0);
            case ROTATE_180 -> new Mapping(-1, 0, w - 1, 0, -1, h - 1);
            case MIRROR_VERTICAL -> new Mapping(1, 0, 0, 0, -1, h - 1);
            case TRANSPOSE -> new Mapping(0, 1, 0, 1, 0, 0);
            case ROTATE_90_CW -> new Mapping(0, 1, 0, -1, 0, h - 1);
            case TRANSVERSE -> new Mapping(0, -1, w - 1, -1, 0, h - 1);
            case ROTATE_270_CW -> new Mapping(0, -1, w - 1, 1, 0, 0);
        };
    }
}
