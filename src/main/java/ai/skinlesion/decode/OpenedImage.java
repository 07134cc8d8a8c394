package ai.skinlesion.decode;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.util.Iterator;

import javax.imageio.IIOException;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadUpdateListener;
import javax.imageio.stream.ImageInputStream;

import ai.skinlesion.Deadline;
import ai.skinlesion.decode.PixelConverter.Samples;

/**
 * A photo whose header has been read and accepted. Only the region the model will see is decoded, which on
 * a 12-megapixel phone photo saves most of the decoding time and memory.
 */
public final class OpenedImage implements AutoCloseable {

    private static final int ADOBE_YCCK = 2;

    private final ImageFormat format;
    private final ImageReader reader;
    private final ImageInputStream stream;
    private final int storedWidth;
    private final int storedHeight;
    private final Orientation orientation;
    private final int adobeTransform;
    private final Deadline deadline;

    OpenedImage(ImageFormat format, ImageReader reader, ImageInputStream stream, int storedWidth, int storedHeight,
            Orientation orientation, int adobeTransform, Deadline deadline) {
        this.format = format;
        this.reader = reader;
        this.stream = stream;
        this.storedWidth = storedWidth;
        this.storedHeight = storedHeight;
        this.orientation = orientation;
        this.adobeTransform = adobeTransform;
        this.deadline = deadline;
    }

    public ImageFormat format() {
        return format;
    }

    public Orientation orientation() {
        return orientation;
    }

    /** Width as displayed, after the EXIF orientation. */
    public int width() {
        return orientation.swapsAxes() ? storedHeight : storedWidth;
    }

    /** Height as displayed, after the EXIF orientation. */
    public int height() {
        return orientation.swapsAxes() ? storedWidth : storedHeight;
    }

    /** Decodes the pixels of {@code region}, given in displayed (oriented) coordinates, as displayed. */
    public RgbImage read(Region region) {
        if (region.left() + region.width() > width() || region.top() + region.height() > height()) {
            throw new IllegalArgumentException(region + " lies outside the " + width() + "x" + height() + " image");
        }
        Region stored = orientation.toStored(region, storedWidth, storedHeight);
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceRegion(new Rectangle(stored.left(), stored.top(), stored.width(), stored.height()));
        try {
            return orientation.apply(decode(param));
        } catch (IOException | RuntimeException e) {
            throw ImageDecoder.failed(format, e, deadline, "decoding the pixels");
        } catch (OutOfMemoryError e) {
            // libwebp's reader throws a new, message-less OutOfMemoryError for libwebp's VP8_STATUS_OUT_OF_MEMORY,
            // which a damaged file's sizes give (found by fuzzing): a refusal, not the JVM running out of heap
            if (format == ImageFormat.WEBP && e.getMessage() == null) {
                throw ImageDecoder.failed(format, e, deadline, "decoding the pixels");
            }
            throw e;
        }
    }

    /**
     * One decode: the samples chosen ({@link #decoding()}), read within the deadline and watched for truncation,
     * then turned into RGB by {@link PixelConverter}.
     */
    private RgbImage decode(ImageReadParam param) throws IOException {
        Decoding decoding = decoding();
        if (decoding.destination() != null) {
            param.setDestinationType(decoding.destination());
        }
        JpegTruncation.Watch truncation = new JpegTruncation.Watch();
        reader.addIIOReadWarningListener(truncation);
        try {
            RgbImage rgb;
            if (decoding.samples() == Samples.INVERTED_CMYK) {
                // the raw raster: ImageIO would otherwise convert it through a colour profile
                rgb = PixelConverter.toRgb(readWithin(() -> reader.readRaster(0, param)), null, decoding.samples());
            } else {
                BufferedImage image = readWithin(() -> reader.read(0, param));
                rgb = PixelConverter.toRgb(regionOf(image, param.getSourceRegion()), image.getColorModel(),
                        decoding.samples());
            }
            truncation.check();
            return rgb;
        } finally {
            reader.removeIIOReadWarningListener(truncation);
        }
    }

    /**
     * The region's pixels. ImageIO's JPEG and PNG readers decode only the region; libwebp's reader ignores it and
     * returns the whole picture (it decodes in one native call), from which the region is cut here.
     */
    private static Raster regionOf(BufferedImage image, Rectangle region) {
        Raster raster = image.getRaster();
        if (raster.getWidth() == region.width && raster.getHeight() == region.height) {
            return raster;
        }
        if (region.x + region.width > raster.getWidth() || region.y + region.height > raster.getHeight()) {
            throw new IllegalStateException("the decoder returned " + raster.getWidth() + "x" + raster.getHeight()
                    + " pixels, which do not hold the region " + region);
        }
        return raster.createChild(region.x, region.y, region.width, region.height, 0, 0, null);
    }

    /** Which samples to ask the decoder for, and the destination type that gets them (null: the reader's default). */
    private record Decoding(Samples samples, ImageTypeSpecifier destination) {
    }

    /**
     * The training pipeline (TensorFlow) ignores ICC profiles and converts CMYK by plain arithmetic, so the decoder
     * is asked for the file's own samples, never colour-managed ones:
     * <ul>
     * <li>a four-band JPEG stored as YCCK (Adobe transform 2): the reader's CMYK type, which undoes the YCC;</li>
     * <li>any other four-band JPEG: the raw raster, Adobe's inverted CMYK as stored;</li>
     * <li>a JPEG with an embedded non-sRGB ICC profile, offered first as an sRGB type (which makes ImageIO convert
     * colours): the type tagged with the embedded profile, whose samples are the decoded values, unconverted;</li>
     * <li>everything else (PNG, plain JPEG): the reader's default type, which is the stored samples.</li>
     * </ul>
     */
    private Decoding decoding() throws IOException {
        ImageTypeSpecifier raw = reader.getRawImageType(0);
        boolean cmyk = format == ImageFormat.JPEG && raw != null && raw.getNumBands() == 4;
        if (cmyk && adobeTransform != ADOBE_YCCK) {
            return new Decoding(Samples.INVERTED_CMYK, null);
        }
        for (Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0); types.hasNext();) {
            ImageTypeSpecifier type = types.next();
            if (cmyk && type.getNumBands() == 4) {
                return new Decoding(Samples.CMYK, type);
            }
            if (!cmyk && type.getNumBands() == 3 && type.getBufferedImageType() == BufferedImage.TYPE_3BYTE_BGR
                    && !type.getColorModel().getColorSpace().isCS_sRGB()) {
                return new Decoding(Samples.AS_STORED, type);
            }
        }
        // a YCCK JPEG the reader offers no CMYK type for is read as stored, like plain CMYK
        return cmyk ? new Decoding(Samples.INVERTED_CMYK, null) : new Decoding(Samples.AS_STORED, null);
    }

    private interface Read<T> {
        T run() throws IOException;
    }

    /**
     * Runs one read that stops once the deadline passes. The stream alone checks only when the decoder wants more
     * bytes, and a progressive JPEG makes libjpeg (inside ImageIO) run a whole output pass per scan: the 4 KB it
     * reads at a time can hold a hundred tiny scans, seconds of work. So the reader's own per-row and per-pass
     * callbacks check too, and throw: ImageIO's JPEG reader gives up its native decode as soon as a callback
     * throws (calling abort() instead would still let libjpeg read through every remaining scan), and the PNG
     * reader is plain Java.
     */
    private <T> T readWithin(Read<T> read) throws IOException {
        DeadlineWatch watch = new DeadlineWatch(deadline);
        reader.addIIOReadUpdateListener(watch);
        try {
            T result = read.run();
            if (deadline.passed()) {
                throw new IIOException("the request's time limit was reached while decoding");
            }
            return result;
        } finally {
            reader.removeIIOReadUpdateListener(watch);
        }
    }

    /** Thrown from inside a decoder's callback; the caller sees the deadline passed and answers too-slow. */
    private static final class DeadlinePassed extends RuntimeException {
        DeadlinePassed() {
            super("the request's time limit was reached while decoding", null, false, false);
        }
    }

    private static final class DeadlineWatch implements IIOReadUpdateListener {
        private final Deadline deadline;

        DeadlineWatch(Deadline deadline) {
            this.deadline = deadline;
        }

        private void check() {
            if (deadline.passed()) {
                throw new DeadlinePassed();
            }
        }

        @Override
        public void passStarted(ImageReader source, BufferedImage image, int pass, int minPass, int maxPass, int minX,
                int minY, int periodX, int periodY, int[] bands) {
            check();
        }

        @Override
        public void imageUpdate(ImageReader source, BufferedImage image, int minX, int minY, int width, int height,
                int periodX, int periodY, int[] bands) {
            check();
        }

        @Override
        public void passComplete(ImageReader source, BufferedImage image) {
            check();
        }

        @Override
        public void thumbnailPassStarted(ImageReader source, BufferedImage thumbnail, int pass, int minPass,
                int maxPass, int minX, int minY, int periodX, int periodY, int[] bands) {
        }

        @Override
        public void thumbnailUpdate(ImageReader source, BufferedImage thumbnail, int minX, int minY, int width,
                int height, int periodX, int periodY, int[] bands) {
        }

        @Override
        public void thumbnailPassComplete(ImageReader source, BufferedImage thumbnail) {
        }
    }

    @Override
    public void close() {
        reader.dispose();
        try {
            stream.close();
        } catch (IOException e) {
            // an in-memory stream has nothing to release
        }
    }
}
