package ai.skinlesion.preprocess;

import java.nio.FloatBuffer;

import ai.skinlesion.decode.Region;
import ai.skinlesion.decode.RgbImage;
import ai.skinlesion.inference.ModelSpec;

/**
 * The training pipeline's preprocessing, built from the model's spec (docs/MODEL_SPEC.md): centre crop,
 * resize, 8-bit rounding, normalisation. Decoding happens before it and is told the crop region, so that only
 * those pixels are decoded.
 */
public final class Preprocessor {

    private final CenterCrop crop;
    private final Resize resize;
    private final boolean quantize;
    private final Normalize normalize;
    private final int height;
    private final int width;

    public Preprocessor(ModelSpec.Input input) {
        ModelSpec.Preprocessing p = input.preprocessing();
        this.height = input.height();
        this.width = input.width();
        this.crop = new CenterCrop(p.centerCropFraction());
        this.resize = new Resize(ResizeKernel.forMethod(p.resize().method()), p.resize().antialias(), width, height);
        this.quantize = "uint8".equals(p.quantize());
        ModelSpec.Normalization n = input.normalization();
        this.normalize = new Normalize(n.scale(), n.mean(), n.std(), "NHWC".equals(input.layout()));
    }

    /** The region of a displayed width × height photo that the model sees. */
    public Region cropOf(int imageWidth, int imageHeight) {
        return crop.regionOf(imageWidth, imageHeight);
    }

    /** The model's input size, height × width pixels, before normalisation: what {@link #resized} returns. */
    public float[] resized(RgbImage cropped) {
        float[] pixels = resize.apply(cropped);
        if (quantize) {
            Quantize.toUint8(pixels);
        }
        return pixels;
    }

    /** Fills {@code tensor} with the normalised input for the cropped pixels. */
    public void toTensor(RgbImage cropped, FloatBuffer tensor) {
        normalize(resized(cropped), tensor);
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
