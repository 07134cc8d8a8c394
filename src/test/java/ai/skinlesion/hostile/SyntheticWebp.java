package ai.skinlesion.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * WebP files written chunk by chunk (the RIFF container of Google's "WebP Container Specification"), with headers
 * declaring any size libwebp's bitstreams can hold: a lossless (VP8L) header up to 16384 x 16384, a lossy (VP8) key
 * frame up to 16383 x 16383, an extended (VP8X) canvas up to 2^24 x 2^24. Nothing after the headers is a real
 * bitstream, so a file that passes the size checks is still a damaged image.
 */
public final class SyntheticWebp {

    private SyntheticWebp() {
    }

    /** A lossless header declaring width x height (1..16384 each), followed by zeros. */
    public static byte[] lossless(int width, int height) {
        return riff(chunk("VP8L", vp8l(width, height)));
    }

    /** A lossy key frame header declaring width x height (1..16383 each), followed by zeros. */
    public static byte[] lossy(int width, int height) {
        byte[] frame = new byte[32];
        frame[0] = 0x10; // key frame, version 0, shown, first partition of 0 bytes
        frame[3] = (byte) 0x9D;
        frame[4] = 0x01;
        frame[5] = 0x2A;
        frame[6] = (byte) width;
        frame[7] = (byte) ((width >> 8) & 0x3F);
        frame[8] = (byte) height;
        frame[9] = (byte) ((height >> 8) & 0x3F);
        return riff(chunk("VP8 ", frame));
    }

    /** An extended file: a VP8X canvas of canvasWidth x canvasHeight, then a lossless header of width x height. */
    public static byte[] extended(int canvasWidth, int canvasHeight, int width, int height) {
        byte[] vp8x = new byte[10];
        put24(vp8x, 4, canvasWidth - 1);
        put24(vp8x, 7, canvasHeight - 1);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(chunk("VP8X", vp8x));
        body.writeBytes(chunk("VP8L", vp8l(width, height)));
        return riff(body.toByteArray());
    }

    /** A real WebP file whose RIFF header declares another size than it has. */
    public static byte[] withRiffSize(byte[] webp, long declared) {
        byte[] copy = webp.clone();
        copy[4] = (byte) declared;
        copy[5] = (byte) (declared >> 8);
        copy[6] = (byte) (declared >> 16);
        copy[7] = (byte) (declared >> 24);
        return copy;
    }

    private static byte[] vp8l(int width, int height) {
        byte[] header = new byte[64];
        header[0] = 0x2F;
        long bits = (width - 1L) & 0x3FFF | ((height - 1L) & 0x3FFF) << 14; // then alpha 0, version 0
        header[1] = (byte) bits;
        header[2] = (byte) (bits >> 8);
        header[3] = (byte) (bits >> 16);
        header[4] = (byte) (bits >> 24);
        return header;
    }

    private static void put24(byte[] b, int at, int value) {
        b[at] = (byte) value;
        b[at + 1] = (byte) (value >> 8);
        b[at + 2] = (byte) (value >> 16);
    }

    private static byte[] chunk(String fourcc, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(fourcc.getBytes(StandardCharsets.US_ASCII));
        writeLe32(out, payload.length);
        out.writeBytes(payload);
        if (payload.length % 2 == 1) {
            out.write(0); // chunks are padded to an even size
        }
        return out.toByteArray();
    }

    private static byte[] riff(byte[] chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
        writeLe32(out, 4 + chunks.length);
        out.writeBytes("WEBP".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(chunks);
        return out.toByteArray();
    }

    private static void writeLe32(ByteArrayOutputStream out, int value) {
        out.write(value);
        out.write(value >> 8);
        out.write(value >> 16);
        out.write(value >> 24);
    }
}
