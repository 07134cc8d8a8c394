package ai.skinlesion.decode;

import java.io.IOException;

import javax.imageio.stream.ImageInputStream;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;

/**
 * The Orientation tag of an EXIF block (a TIFF structure), wherever the container keeps it: a JPEG's APP1
 * segment or a PNG's eXIf chunk. A damaged block costs the orientation, not the photo: it reads as "as stored".
 */
final class ExifOrientation {

    private ExifOrientation() {
    }

    static Orientation read(byte[] exif) {
        int start = tiffHeaderStart(exif);
        if (start < 0) {
            return Orientation.NORMAL;
        }
        try (ImageInputStream tiff = new ByteArrayImageInputStream(exif, start, exif.length - start)) {
            Directory ifd0 = new TIFFReader().read(tiff);
            Entry entry = ifd0.getEntryById(TIFF.TAG_ORIENTATION);
            if (entry != null && entry.getValue() instanceof Number n) {
                return Orientation.fromExif(n.intValue());
            }
        } catch (IOException | RuntimeException e) {
            return Orientation.NORMAL;
        }
        return Orientation.NORMAL;
    }

    /**
     * The TIFF byte-order mark: at the start, after a padding byte (some JPEG writers), or after "Exif\0\0" (PNG
     * writers that copied a JPEG's APP1 payload; Pillow reads those too).
     */
    private static int tiffHeaderStart(byte[] b) {
        for (int i = 0; i + 3 < b.length && i < 7; i++) {
            if ((b[i] == 'I' && b[i + 1] == 'I' && b[i + 2] == 0x2A && b[i + 3] == 0)
                    || (b[i] == 'M' && b[i + 1] == 'M' && b[i + 2] == 0 && b[i + 3] == 0x2A)) {
                return i;
            }
        }
        return -1;
    }
}
