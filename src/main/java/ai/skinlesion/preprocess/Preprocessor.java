package ai.skinlesion.preprocess;

import java.nio.FloatBuffer;

import ai.skinlesion.decode.Region;
import ai.skinlesion.decode.RgbImage;
import ai.skinlesion.modelspec.ModelSpec;
import ai.skinlesion.preprocess.jpeg.JpegRoundTrip;

/**
 * The training pipeline's preprocessing, built from the model's spec (docs/MODEL_SPEC.md): centre crop and resize
 * in the order training did them, 8-bit rounding, the optional JPEG round trip, normalisation. Decoding happens
 * before it and is told the region to deliver ({@link #cropOf}): for crop-then-resize only the crop's pixels are
 * decoded.
 */
public final class Preprocessor {

    private final CenterCrop crop;
    private final Resize resize;
    private final boolean resizeThenCrop;
    private final boolean quantize;
    private final JpegRoundTrip jpegRoundTrip;
    private final Normalize normalize;
    private final int height;
    private final int width;

    public Preprocessor(ModelSpec.Input input) {
        ModelSpec.Preprocessing p = input.preprocessing();
        this.height = input.height();
        this.width = input.width();
        this.crop = new CenterCrop(p.centerCropFraction());
        this.resize = Resize.of(p.resize());
        this.resizeThenCrop = ModelSpec.Preprocessing.RESIZE_THEN_CROP.equals(p.order());
        this.quantize = "uint8".equals(p.quantize());
        this.jpegRoundTrip = p.jpegRoundTrip() == null ? null : JpegRoundTrip.of(p.jpegRoundTrip());
        ModelSpec.Normalization n = input.normalization();
        this.normalize = new Normalize(n.scale(), n.mean(), n.std(), "NHWC".equals(input.layout()));
    }

    /**
     * The region of a displayed width × height photo that preprocessing reads: the centre crop, or the whole photo
     * when training resized before cropping.
     */
    public Region cropOf(int imageWidth, int imageHeight) {
        return resizeThenCrop ? Region.whole(imageWidth, imageHeight) : crop.regionOf(imageWidth, imageHeight);
    }

    /** The centre square of the photo that the model sees, whichever order training used. */
    public Region seenRegionOf(int imageWidth, int imageHeight) {
        return crop.regionOf(imageWidth, imageHeight);
    }

    /**
     * The model's input, height × width × 3 pixels before normalisation, from the pixels of {@link #cropOf}: the
     * exact image the model sees (8-bit values when quantised).
     */
    public float[] resized(RgbImage region) {
        float[] pixels;
        if (resizeThenCrop) {
            pixels = resizeThenCrop(region);
        } else {
            pixels = resize.apply(region, width, height);
            if (quantize) {
                Quantize.toUint8(pixels);
            }
        }
        if (jpegRoundTrip != null) {
            jpegRoundTrip.apply(pixels, width, height);
        }
        return pixels;
    }

    /**
     * The whole photo resized so that its shorter side is T = floor(height / fraction + 0.5) and the longer one
     * floor(L · T / S + 0.5), as model-export's reference does, then the centre side × side square of that.
     */
    private float[] resizeThenCrop(RgbImage image) {
        int shorter = Math.min(image.width(), image.height());
        int target = (int) Math.floor(height / crop.fraction() + 0.5);
        int scaledWidth = image.width() == shorter ? target
                : (int) Math.floor((double) image.width() * target / shorter + 0.5);
        int scaledHeight = image.height() == shorter ? target
                : (int) Math.floor((double) image.height() * target / shorter + 0.5);
        float[] scaled = resize.apply(image, scaledWidth, scaledHeight);
        if (quantize) {
            Quantize.toUint8(scaled);
        }
        int left = (scaledWidth - width) / 2;
        int top = (scaledHeight - height) / 2;
        float[] out = new float[width * height * 3];
        for (int y = 0; y < height; y++) {
            System.arraycopy(scaled, ((top + y) * scaledWidth + left) * 3, out, y * width * 3, width * 3);
        }
        return out;
    }

    /** Fills {@code tensor} with the normalised input for the pixels of {@link #cropOf}. */
    public void toTensor(RgbImage region, FloatBuffer tensor) {
        normalize(resized(region), tensor);
    }

    /** Fills {@code tensor} with the normalised input for pixels that {@link #resized} returned. */
    public void normalize(float[] resized, FloatBuffer tensor) {
        normalize.write(resized, height, width, tensor);
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int tensorSize() {
        return height * width * 3;
    }
}
