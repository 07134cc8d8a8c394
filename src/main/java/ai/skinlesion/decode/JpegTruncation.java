package ai.skinlesion.decode;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;

import javax.imageio.IIOException;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;

import ai.skinlesion.Rejection;
import ai.skinlesion.RejectedInputException;

/**
 * Whether a JPEG is whole. libjpeg (inside ImageIO) decodes a cut JPEG "successfully", filling the missing part
 * with grey and only warning; TensorFlow refuses such a file, and a half-grey photo must not get a probability.
 * A cut shows in one of two ways, and both are looked for here:
 * <ul>
 * <li>in the bytes, before decoding: no end-of-image marker (EOI) after the first scan. Only the rows down to the
 * bottom of the centre crop are decoded, so a file cut below them decodes without libjpeg ever noticing: the
 * hostile-input corpus got a probability for a photo cut at 80 % and 90 %. Only the bytes after the segments
 * count, because an EXIF thumbnail carries an EOI of its own; scan data cannot contain one, 0xFF being stuffed. A
 * file with complete scans but no EOI is refused too: in practice that is a cut exactly at the end.</li>
 * <li>while decoding: libjpeg's "premature end" warnings, for data that runs out, or a marker met inside the scan
 * data, in the rows that are decoded. Other warnings (extraneous bytes before a marker, a missing EOI after
 * complete data) are harmless and let through.</li>
 * </ul>
 */
final class JpegTruncation {

    private JpegTruncation() {
    }

    /** Refuses a JPEG with no EOI after {@code scanData}, the offset where its first scan's data begins. */
    static void checkEndsAfterItsScans(byte[] jpeg, long scanData) {
        for (int i = jpeg.length - 2; i >= scanData; i--) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xD9) {
                return;
            }
        }
        throw new RejectedInputException(Rejection.CORRUPT_IMAGE,
                "The JPEG ends before its end-of-image marker: it is truncated (an incomplete upload?). Send the"
                        + " whole file.", Map.of());
    }

    /** Listens to one decode; {@link #check()} after it throws when libjpeg warned of a premature end. */
    static final class Watch implements IIOReadWarningListener {
        private String truncation;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            if (warning != null && warning.toLowerCase(Locale.ROOT).contains("premature end")) {
                truncation = warning;
            }
        }

        void check() throws IOException {
            if (truncation != null) {
                throw new IIOException(truncation);
            }
        }
    }
}
