package ai.skinlesion.decode;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;

import com.luciad.imageio.webp.WebPImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;

import ai.skinlesion.Deadline;
import ai.skinlesion.Rejection;
import ai.skinlesion.RejectedInputException;

/**
 * Opens an uploaded photo from memory: tells its format from its bytes, reads its size and EXIF orientation
 * from the header, and refuses it there — before any pixel is allocated — if it is too large or too small.
 * Nothing touches the disk: the bytes are read through an in-memory stream, never ImageIO's file cache. That
 * stream also stops the decoder when the request's {@link Deadline} passes.
 */
public final class ImageDecoder {

    private final long maxPixels;
    private final int minSide;

    public ImageDecoder(long maxPixels, int minSide) {
        registerReaders();
        this.maxPixels = maxPixels;
        this.minSide = minSide;
        // ImageIO would otherwise buffer streams in temporary files.
        ImageIO.setUseCache(false);
    }

    /** Opens without a time limit (tests, fuzzing). */
    public OpenedImage open(byte[] bytes) {
        return open(bytes, Deadline.NONE);
    }

    public OpenedImage open(byte[] bytes, Deadline deadline) {
        if (bytes.length == 0) {
            throw new RejectedInputException(Rejection.EMPTY_BODY, "The image is empty (0 bytes).");
        }
        ImageFormat format = ImageFormat.sniff(bytes).orElseThrow(() -> new RejectedInputException(
                Rejection.NOT_AN_IMAGE,
                "The body is not a JPEG, PNG or WebP image: its first bytes match no image format.",
                Map.of("supported", ImageFormat.SUPPORTED)));
        if (!format.supported()) {
            throw new RejectedInputException(Rejection.UNSUPPORTED_IMAGE_FORMAT,
                    "This is a " + format.name() + " image (" + format.mediaType() + "); this service reads "
                            + ImageFormat.SUPPORTED + ". Convert it to JPEG first (phones can be set to"
                            + " save photos as JPEG, \"Most Compatible\" on iPhone).",
                    Map.of("supported", ImageFormat.SUPPORTED, "received", format.mediaType()));
        }
        JpegHeader jpeg = format == ImageFormat.JPEG ? readJpegHeader(bytes, deadline) : null;
        if (jpeg != null) {
            checkSize(jpeg.width(), jpeg.height());
        }
        ImageReader reader = readerFor(format);
        BoundedImageInputStream stream = new BoundedImageInputStream(bytes, deadline);
        // ignoreMetadata: ancillary chunks (a PNG zTXt bomb) are skipped, never inflated.
        reader.setInput(stream, true, true);
        try {
            if (format == ImageFormat.WEBP) {
                // libwebp allocates the canvas, which a hostile file declares far larger than its picture
                WebpChunks.canvas(bytes).ifPresent(canvas -> checkSize(canvas.width(), canvas.height()));
            }
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            checkSize(width, height);
            Orientation orientation = switch (format) {
                case JPEG -> jpeg.orientation();
                case PNG -> PngExif.orientation(bytes);
                case WEBP -> WebpChunks.orientation(bytes);
                default -> Orientation.NORMAL;
            };
            return new OpenedImage(format, reader, stream, width, height, orientation,
                    jpeg == null ? JpegHeader.NO_ADOBE_SEGMENT : jpeg.adobeTransform(), deadline);
        } catch (IOException | RuntimeException e) {
            reader.dispose();
            if (e instanceof RejectedInputException rejected) {
                throw rejected;
            }
            throw failed(format, e, deadline, "reading the image header");
        }
    }

    private static JpegHeader readJpegHeader(byte[] bytes, Deadline deadline) {
        JpegHeader header;
        try {
            header = JpegHeader.read(new BoundedImageInputStream(bytes, deadline));
        } catch (IOException | RuntimeException e) {
            throw failed(ImageFormat.JPEG, e, deadline, "reading the JPEG segments");
        }
        if (header.sofMarker() == 0) {
            throw new RejectedInputException(Rejection.CORRUPT_IMAGE,
                    "The JPEG has no frame header (SOF): it is truncated or damaged.");
        }
        if (!header.decodable()) {
            throw new RejectedInputException(Rejection.UNSUPPORTED_IMAGE_FORMAT,
                    "This is a " + header.processName() + ", which cameras and phones do not produce and this"
                            + " service does not read; it reads " + ImageFormat.SUPPORTED
                            + " (baseline or progressive JPEG).",
                    Map.of("supported", ImageFormat.SUPPORTED));
        }
        JpegTruncation.checkEndsAfterItsScans(bytes, header.scanData());
        return header;
    }

    private void checkSize(int width, int height) {
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new RejectedInputException(Rejection.TOO_MANY_PIXELS,
                    "The image is " + width + " x " + height + " = " + pixels + " pixels; the limit is " + maxPixels
                            + ". Send a smaller photo (the model looks at " + "a few hundred pixels).",
                    Map.of("width", width, "height", height, "maxPixels", maxPixels));
        }
        if (Math.min(width, height) < minSide) {
            throw new RejectedInputException(Rejection.TOO_SMALL,
                    "The image is " + width + " x " + height + " pixels; both sides must be at least " + minSide
                            + " pixels.",
                    Map.of("width", width, "height", height, "minSide", minSide));
        }
    }

    /**
     * TwelveMonkeys' JPEG reader and libwebp's reader register themselves through META-INF/services when ImageIO scans
     * the class path. A native image does not scan at run time: its registry holds the JDK's readers only, so the
     * native binary read CMYK and YCCK JPEGs with the JDK's reader, to other colours than the JVM (|dprobability|
     * 0.65 on the demo), and had no WebP reader at all. Registered here, at run time, both read with the same
     * readers; a static initialiser would run at image build time, into a registry the binary does not keep.
     */
    private static void registerReaders() {
        IIORegistry registry = IIORegistry.getDefaultInstance();
        if (registry.getServiceProviderByClass(JPEGImageReaderSpi.class) == null) {
            registry.registerServiceProvider(new JPEGImageReaderSpi());
        }
        if (registry.getServiceProviderByClass(WebPImageReaderSpi.class) == null) {
            // only the reader's description: libwebp itself is loaded when the first WebP is decoded
            registry.registerServiceProvider(new WebPImageReaderSpi());
        }
    }

    /**
     * TwelveMonkeys' JPEG reader (CMYK, YCCK, damaged metadata), never the JDK's; the JDK's PNG reader; libwebp's
     * WebP reader.
     */
    private static ImageReader readerFor(ImageFormat format) {
        String name = switch (format) {
            case JPEG -> "jpeg";
            case WEBP -> "webp";
            default -> "png";
        };
        ImageReader chosen = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(name); it.hasNext();) {
            ImageReader candidate = it.next();
            if (chosen == null || candidate.getClass().getName().startsWith("com.twelvemonkeys.")) {
                chosen = candidate;
            }
        }
        if (chosen == null) {
            throw new IllegalStateException("no ImageIO reader for " + name + " is installed");
        }
        if (format == ImageFormat.JPEG && !chosen.getClass().getName().startsWith("com.twelvemonkeys.")) {
            // the JDK's reader would give CMYK and YCCK photos other colours than training saw
            throw new IllegalStateException("TwelveMonkeys' JPEG reader is not registered with ImageIO; found only "
                    + chosen.getClass().getName());
        }
        return chosen;
    }

    /**
     * What a decoder's failure means for the client: past the deadline, the stream stopped the decoder on
     * purpose (422 too slow); otherwise the bytes are damaged (422 corrupt). Any exception counts, because
     * decoders fed hostile bytes throw whatever their code happens to hit (IndexOutOfBounds, NegativeArraySize...).
     * An OutOfMemoryError is not caught here: the pixel and concurrency limits exist so that it cannot happen.
     */
    static RejectedInputException failed(ImageFormat format, Throwable cause, Deadline deadline, String doing) {
        if (deadline.passed()) {
            return deadline.exceeded(doing);
        }
        return corrupt(format, cause);
    }

    /**
     * The decoder's own words stay in the debug log: they name library internals (class names, the JVM's helpful
     * NullPointerException text), which a client can do nothing with. The client is told what it can act on.
     */
    static RejectedInputException corrupt(ImageFormat format, Throwable cause) {
        org.jboss.logging.Logger.getLogger(ImageDecoder.class).debugf("%s decoder failed: %s", format,
                shorten(String.valueOf(cause)));
        return new RejectedInputException(Rejection.CORRUPT_IMAGE, "The " + format.name() + " image cannot be decoded:"
                + " it is truncated or damaged. Send the photo as the camera or phone saved it, or re-save it as JPEG"
                + ", PNG or WebP.", Map.of(), cause);
    }

    private static String shorten(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }
}
