package ai.skinlesion.decode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Image formats told apart by their first bytes, never by the request's Content-Type or a file name: a
 * client's label can be wrong, the bytes cannot.
 */
public enum ImageFormat {
    JPEG("image/jpeg", true),
    PNG("image/png", true),
    WEBP("image/webp", true),
    HEIF("image/heic", false),
    AVIF("image/avif", false),
    GIF("image/gif", false),
    BMP("image/bmp", false),
    TIFF("image/tiff", false);

    /** What a client can send; every answer that refuses a format names these. */
    public static final String SUPPORTED = "JPEG (image/jpeg), PNG (image/png) and WebP (image/webp)";

    private final String mediaType;
    private final boolean supported;

    ImageFormat(String mediaType, boolean supported) {
        this.mediaType = mediaType;
        this.supported = supported;
    }

    public String mediaType() {
        return mediaType;
    }

    public boolean supported() {
        return supported;
    }

    public static Optional<ImageFormat> sniff(byte[] b) {
        if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of(PNG);
        }
        if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
            return Optional.of(WEBP);
        }
        if (startsWith(b, 4, 'f', 't', 'y', 'p') && b.length >= 12) {
            String brand = new String(Arrays.copyOfRange(b, 8, 12), StandardCharsets.US_ASCII);
            if (brand.startsWith("avi")) {
                return Optional.of(AVIF);
            }
            if (brand.startsWith("he") || brand.startsWith("mif") || brand.startsWith("msf")) {
                return Optional.of(HEIF);
            }
        }
        if (startsWith(b, 0, 'G', 'I', 'F', '8')) {
            return Optional.of(GIF);
        }
        if (startsWith(b, 0, 'B', 'M')) {
            return Optional.of(BMP);
        }
        if (startsWith(b, 0, 'I', 'I', 0x2A, 0x00) || startsWith(b, 0, 'M', 'M', 0x00, 0x2A)) {
            return Optional.of(TIFF);
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] b, int offset, int... magic) {
        if (b.length < offset + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[offset + i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
