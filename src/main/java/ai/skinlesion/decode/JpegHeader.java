package ai.skinlesion.decode;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import javax.imageio.stream.ImageInputStream;

import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;

/**
 * What a JPEG's marker segments say before its pixels: the coding process (SOFn), the frame size, the EXIF
 * orientation and the Adobe colour transform. Read with TwelveMonkeys' segment parser, which stops at the first
 * scan; {@code scanData} is where it stopped (just past the first scan's header, or where the segments ended),
 * which is where {@link JpegTruncation} looks for the end-of-image marker.
 */
record JpegHeader(int sofMarker, int width, int height, Orientation orientation, int adobeTransform, long scanData) {

    static final int NO_ADOBE_SEGMENT = -1;
    private static final int APP1 = 0xFFE1;
    private static final int APP14 = 0xFFEE;

    /** SOF0 baseline, SOF1 extended sequential, SOF2 progressive: what libjpeg (and so ImageIO) decodes. */
    boolean decodable() {
        return sofMarker == 0xFFC0 || sofMarker == 0xFFC1 || sofMarker == 0xFFC2;
    }

    String processName() {
        return switch (sofMarker) {
            case 0xFFC3, 0xFFC7, 0xFFCB, 0xFFCF -> "lossless JPEG (SOF" + (sofMarker - 0xFFC0) + ")";
            case 0xFFC9, 0xFFCA, 0xFFCD, 0xFFCE -> "arithmetic-coded JPEG (SOF" + (sofMarker - 0xFFC0) + ")";
            case 0xFFC5, 0xFFC6 -> "hierarchical JPEG (SOF" + (sofMarker - 0xFFC0) + ")";
            default -> "JPEG";
        };
    }

    /** Throws IOException when the segments up to the first scan cannot be parsed. */
    static JpegHeader read(ImageInputStream jpeg) throws IOException {
        try (ImageInputStream in = jpeg) {
            List<JPEGSegment> segments = JPEGSegmentUtil.readSegments(in, JPEGSegmentUtil.ALL_SEGMENTS);
            int sof = 0;
            int width = 0;
            int height = 0;
            Orientation orientation = Orientation.NORMAL;
            int adobe = NO_ADOBE_SEGMENT;
            for (JPEGSegment segment : segments) {
                int marker = segment.marker();
                if (sof == 0 && marker >= 0xFFC0 && marker <= 0xFFCF && marker != 0xFFC4 && marker != 0xFFC8
                        && marker != 0xFFCC) {
                    sof = marker;
                    // SOFn: precision(1) height(2) width(2) ...: the size comes from here, before any decoder runs
                    // (libjpeg refuses more than 65500 pixels a side with its own error, not a size check).
                    byte[] frame = readAll(segment);
                    if (frame.length >= 5) {
                        height = ((frame[1] & 0xFF) << 8) | (frame[2] & 0xFF);
                        width = ((frame[3] & 0xFF) << 8) | (frame[4] & 0xFF);
                    }
                } else if (marker == APP1 && "Exif".equals(segment.identifier())) {
                    orientation = exifOrientation(segment);
                } else if (marker == APP14 && "Adobe".equals(segment.identifier())) {
                    adobe = adobeTransform(segment);
                }
            }
            return new JpegHeader(sof, width, height, orientation, adobe, in.getStreamPosition());
        }
    }

    private static byte[] readAll(JPEGSegment segment) throws IOException {
        try (InputStream data = segment.data()) {
            return data.readAllBytes();
        }
    }

    private static Orientation exifOrientation(JPEGSegment exif) {
        try (InputStream data = exif.data()) {
            return ExifOrientation.read(data.readAllBytes());
        } catch (IOException e) {
            return Orientation.NORMAL;
        }
    }

    /** APP14: "Adobe" version(2) flags0(2) flags1(2) transform(1): 0 = CMYK or RGB as stored, 1 = YCbCr, 2 = YCCK. */
    private static int adobeTransform(JPEGSegment adobe) {
        try (InputStream data = adobe.segmentData()) {
            byte[] bytes = data.readAllBytes();
            return bytes.length >= 12 ? bytes[11] & 0xFF : NO_ADOBE_SEGMENT;
        } catch (IOException e) {
            return NO_ADOBE_SEGMENT;
        }
    }
}
