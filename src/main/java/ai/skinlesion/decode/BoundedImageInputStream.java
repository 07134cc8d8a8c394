package ai.skinlesion.decode;

import java.io.IOException;
import java.util.Objects;

import javax.imageio.IIOException;
import javax.imageio.stream.ImageInputStreamImpl;

import ai.skinlesion.Deadline;

/**
 * The uploaded bytes as an ImageIO stream, in memory (never ImageIO's file cache), that stops the decoder when
 * the request's time is up. The decoders pull their input through this stream as they go — libjpeg inside
 * ImageIO asks for it 4 KB at a time, also while it runs through the scans of a progressive JPEG, the PNG
 * reader while it inflates rows — so checking the deadline on each read bounds even a file crafted to be slow
 * (a progressive JPEG with thousands of scans over a large frame). The decoder sees an IIOException; the
 * caller, which knows the deadline, turns it into {@link ai.skinlesion.Rejection#TOO_SLOW}.
 */
final class BoundedImageInputStream extends ImageInputStreamImpl {

    /** Single-byte reads (header parsing) check the clock once per this many bytes. */
    private static final int BYTES_PER_CHECK = 4096;

    private final byte[] data;
    private final Deadline deadline;
    private int singleReads;

    BoundedImageInputStream(byte[] data, Deadline deadline) {
        this.data = data;
        this.deadline = deadline;
    }

    @Override
    public int read() throws IOException {
        checkClosed();
        bitOffset = 0;
        if (streamPos >= data.length) {
            return -1;
        }
        if (++singleReads >= BYTES_PER_CHECK) {
            singleReads = 0;
            checkDeadline();
        }
        return data[(int) streamPos++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkClosed();
        Objects.checkFromIndexSize(off, len, b.length);
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        if (streamPos >= data.length) {
            return -1;
        }
        checkDeadline();
        int n = (int) Math.min(len, data.length - streamPos);
        System.arraycopy(data, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return data.length;
    }

    @Override
    public boolean isCached() {
        return true;
    }

    @Override
    public boolean isCachedMemory() {
        return true;
    }

    private void checkDeadline() throws IIOException {
        if (deadline.passed()) {
            throw new IIOException("the request's time limit was reached while decoding");
        }
    }
}
