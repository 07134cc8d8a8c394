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
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

import ai.skinlesion.Deadline;

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
        }
    }

    private RgbImage decode(ImageReadParam param) throws IOException {
        ImageTypeSpecifier raw = reader.getRawImageType(0);
        if (format == ImageFormat.JPEG && raw != null && raw.getNumBands() == 4) {
            return decodeCmyk(param);
        }
        ImageTypeSpecifier asStored = typeWithoutColourConversion();
        if (asStored != null) {
            param.setDestinationType(asStored);
        }
        TruncationWatch watch = new TruncationWatch();
        reader.addIIOReadWarningListener(watch);
        try {
            BufferedImage image = readWithin(() -> reader.read(0, param));
            watch.check();
            return PixelConverter.toRgb(image);
        } finally {
            reader.removeIIOReadWarningListener(watch);
        }
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

    /**
     * libjpeg decodes a truncated JPEG "successfully", filling the missing part with grey and only warning.
     * TensorFlow refuses such a file, and a half-grey photo must not get a probability, so the warning becomes
     * a rejection. Other warnings (extraneous bytes before a marker, a missing EOI after complete data) are
     * harmless and let through.
     */
    private static final class TruncationWatch implements IIOReadWarningListener {
        private String truncation;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            if (warning != null && warning.toLowerCase(java.util.Locale.ROOT).contains("premature end")) {
                truncation = warning;
            }
        }

        void check() throws IOException {
            if (truncation != null) {
                throw new IIOException(truncation);
            }
        }
    }

    /**
     * A JPEG with an embedded non-sRGB ICC profile is offered first as an sRGB type, which makes ImageIO
     * convert colours. The training pipeline (TensorFlow) ignores ICC profiles, so pick the type tagged with
     * the embedded profile: its samples are the decoded values, unconverted.
     */
    private ImageTypeSpecifier typeWithoutColourConversion() throws IOException {
        for (Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0); types.hasNext();) {
            ImageTypeSpecifier type = types.next();
            if (type.getNumBands() == 3 && type.getBufferedImageType() == BufferedImage.TYPE_3BYTE_BGR
                    && !type.getColorModel().getColorSpace().isCS_sRGB()) {
                return type;
            }
        }
        return null;
    }

    /** CMYK JPEGs: plain (Adobe-inverted) CMYK from the raw raster; YCCK through the reader's CMYK type. */
    private RgbImage decodeCmyk(ImageReadParam param) throws IOException {
        if (adobeTransform == ADOBE_YCCK) {
            for (Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0); types.hasNext();) {
                ImageTypeSpecifier type = types.next();
                if (type.getNumBands() == 4) {
                    param.setDestinationType(type);
                    return PixelConverter.fromCmyk(readWithin(() -> reader.read(0, param)).getRaster(), false);
                }
            }
        }
        Raster raster = readWithin(() -> reader.readRaster(0, param));
        return PixelConverter.fromCmyk(raster, true);
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
