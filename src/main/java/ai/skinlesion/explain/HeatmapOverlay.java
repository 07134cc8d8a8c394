package ai.skinlesion.explain;

/**
 * Draws a scaled class activation map over the model's input square: the grid upsampled bilinearly to the square
 * (pixel centres aligned, as OpenCV's and TensorFlow's bilinear resize do), coloured with the Turbo colormap and
 * alpha-blended onto the pixels the model saw.
 */
public final class HeatmapOverlay {

    /** Weight of the colour over the photo: enough to read the map, little enough to see the lesion under it. */
    static final double ALPHA = 0.45;

    private HeatmapOverlay() {
    }

    /**
     * @param grid rows × columns values in [0, 1]
     * @param hwc the model's input square, height × width × 3 values 0..255
     * @return height × width × 3 bytes, row by row
     */
    public static byte[] render(double[][] grid, float[] hwc, int height, int width) {
        int rows = grid.length;
        int columns = grid[0].length;
        byte[] out = new byte[height * width * 3];
        for (int y = 0; y < height; y++) {
            double gy = clamp((y + 0.5) * rows / height - 0.5, 0, rows - 1);
            int r0 = (int) Math.floor(gy);
            int r1 = Math.min(r0 + 1, rows - 1);
            double fy = gy - r0;
            for (int x = 0; x < width; x++) {
                double gx = clamp((x + 0.5) * columns / width - 0.5, 0, columns - 1);
                int c0 = (int) Math.floor(gx);
                int c1 = Math.min(c0 + 1, columns - 1);
                double fx = gx - c0;
                double v = (1 - fy) * ((1 - fx) * grid[r0][c0] + fx * grid[r0][c1])
                        + fy * ((1 - fx) * grid[r1][c0] + fx * grid[r1][c1]);
                int p = (y * width + x) * 3;
                double[] colour = turbo(v);
                for (int c = 0; c < 3; c++) {
                    double blended = (1 - ALPHA) * hwc[p + c] + ALPHA * 255 * colour[c];
                    out[p + c] = (byte) Math.max(0, Math.min(255, Math.round(blended)));
                }
            }
        }
        return out;
    }

    /**
     * Turbo (A. Mikhailov, Google, 2019), the polynomial approximation its authors published: a rainbow map
     * with perceptually smooth steps, dark blue (0) to dark red (1), as Grad-CAM overlays are usually drawn.
     */
    static double[] turbo(double x) {
        double t = clamp(x, 0, 1);
        double t2 = t * t;
        double t3 = t2 * t;
        double t4 = t2 * t2;
        double t5 = t4 * t;
        double r = 0.13572138 + 4.61539260 * t - 42.66032258 * t2 + 132.13108234 * t3 - 152.94239396 * t4
                + 59.28637943 * t5;
        double g = 0.09140261 + 2.19418839 * t + 4.84296658 * t2 - 14.18503333 * t3 + 4.27729857 * t4
                + 2.82956604 * t5;
        double b = 0.10667330 + 12.64194608 * t - 60.58204836 * t2 + 110.36276771 * t3 - 89.90310912 * t4
                + 27.34824973 * t5;
        return new double[] { clamp(r, 0, 1), clamp(g, 0, 1), clamp(b, 0, 1) };
    }

    private static double clamp(double v, double low, double high) {
        return Math.max(low, Math.min(high, v));
    }
}
