package ai.skinlesion.hostile;

import java.io.ByteArrayOutputStream;

/**
 * JPEG files written byte by byte, for sizes and structures no photo has: a header declaring any size, a flat
 * grey image of tens of megapixels in a few hundred kilobytes (every block is "DC unchanged, end of block"),
 * and a progressive file with thousands of scans. Quantisation tables are all ones; every component samples
 * 1x1 and uses Huffman tables 0.
 */
public final class SyntheticJpeg {

    private SyntheticJpeg() {
    }

    /** A baseline JPEG whose frame header says width x height; the scan data is {@code scan} as given. */
    public static byte[] header(int width, int height, byte[] scan) {
        Writer w = new Writer();
        w.start();
        w.sof(0xC0, width, height, 3);
        w.dhtSingleSymbol(0x00, 0x00); // DC: category 0
        w.dhtSingleSymbol(0x10, 0x00); // AC: end of block
        w.sos(3, 0, 63, 0, 0);
        w.raw(scan);
        w.end();
        return w.bytes();
    }

    /** A valid baseline JPEG, width x height, uniformly mid-grey: 2 bits per 8x8 block and component. */
    public static byte[] flat(int width, int height, int components) {
        Writer w = new Writer();
        w.start();
        w.sof(0xC0, width, height, components);
        w.dhtSingleSymbol(0x00, 0x00);
        w.dhtSingleSymbol(0x10, 0x00);
        w.sos(components, 0, 63, 0, 0);
        long bits = blocks(width, height) * components * 2;
        Bits data = new Bits();
        data.zeros(bits);
        w.raw(data.finish());
        w.end();
        return w.bytes();
    }

    /**
     * A valid progressive greyscale JPEG of width x height with one DC scan followed by {@code acScans} AC scans
     * that each say "all blocks end here" in a few dozen bytes. libjpeg (in ImageIO) runs a whole output pass per
     * scan, so a few thousand such scans over a large frame keep a decoder busy for minutes: the realistic slow
     * input the request time limit exists for.
     */
    public static byte[] progressiveScanBomb(int width, int height, int acScans) {
        long blocks = blocks(width, height);
        Writer w = new Writer();
        w.start();
        w.sof(0xC2, width, height, 1);
        w.dhtSingleSymbol(0x00, 0x00);
        w.sos(1, 0, 0, 0, 0);
        Bits dc = new Bits();
        dc.zeros(blocks);
        w.raw(dc.finish());
        // AC table: EOB14 (runs of 16384..32767 blocks) and EOBn for the remainder.
        long full = blocks / 32767;
        long rest = blocks % 32767;
        int restBits = rest == 0 ? 0 : 63 - Long.numberOfLeadingZeros(rest);
        if (rest == 0 || restBits == 14) {
            w.dhtSingleSymbol(0x10, 0xE0);
        } else {
            w.dht(0x10, new int[] { 1, 1 }, new int[] { 0xE0, restBits << 4 });
        }
        Bits ac = new Bits();
        for (long i = 0; i < full; i++) {
            ac.put(0, 1); // EOB14
            ac.put(16383, 14); // 16384 + 16383 = 32767 blocks
        }
        if (rest > 0) {
            if (restBits == 14) {
                ac.put(0, 1);
            } else {
                ac.put(0b10, 2);
            }
            ac.put(rest - (1L << restBits), restBits);
        }
        byte[] acData = ac.finish();
        for (int i = 0; i < acScans; i++) {
            w.sos(1, 1, 63, 0, 0);
            w.raw(acData);
        }
        w.end();
        return w.bytes();
    }

    private static long blocks(int width, int height) {
        return (long) ((width + 7) / 8) * ((height + 7) / 8);
    }

    /** Entropy-coded bits, MSB first, with 0xFF byte stuffing and 1-padding. */
    private static final class Bits {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int current;
        private int used;

        void put(long value, int count) {
            for (int i = count - 1; i >= 0; i--) {
                bit((int) (value >>> i) & 1);
            }
        }

        void zeros(long count) {
            while (used != 0 && count > 0) {
                bit(0);
                count--;
            }
            for (long i = 0; i < count / 8; i++) {
                out.write(0);
            }
            for (long i = 0; i < count % 8; i++) {
                bit(0);
            }
        }

        private void bit(int b) {
            current = current << 1 | b;
            if (++used == 8) {
                emit();
            }
        }

        private void emit() {
            out.write(current);
            if (current == 0xFF) {
                out.write(0);
            }
            current = 0;
            used = 0;
        }

        byte[] finish() {
            while (used != 0) {
                bit(1);
            }
            return out.toByteArray();
        }
    }

    private static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void start() {
            u16(0xFFD8);
            // DQT: table 0, 8-bit, all ones
            u16(0xFFDB);
            u16(2 + 1 + 64);
            out.write(0);
            for (int i = 0; i < 64; i++) {
                out.write(1);
            }
        }

        void sof(int marker, int width, int height, int components) {
            u16(0xFF00 | marker);
            u16(8 + 3 * components);
            out.write(8);
            u16(height);
            u16(width);
            out.write(components);
            for (int c = 1; c <= components; c++) {
                out.write(c);
                out.write(0x11);
                out.write(0);
            }
        }

        void dhtSingleSymbol(int classAndId, int symbol) {
            dht(classAndId, new int[] { 1 }, new int[] { symbol });
        }

        /** counts[i] = number of codes of length i + 1. */
        void dht(int classAndId, int[] counts, int[] symbols) {
            u16(0xFFC4);
            u16(2 + 1 + 16 + symbols.length);
            out.write(classAndId);
            for (int i = 0; i < 16; i++) {
                out.write(i < counts.length ? counts[i] : 0);
            }
            for (int s : symbols) {
                out.write(s);
            }
        }

        void sos(int components, int ss, int se, int ah, int al) {
            u16(0xFFDA);
            u16(6 + 2 * components);
            out.write(components);
            for (int c = 1; c <= components; c++) {
                out.write(c);
                out.write(0x00);
            }
            out.write(ss);
            out.write(se);
            out.write(ah << 4 | al);
        }

        void raw(byte[] b) {
            out.writeBytes(b);
        }

        void end() {
            u16(0xFFD9);
        }

        private void u16(int v) {
            out.write(v >>> 8);
            out.write(v & 0xFF);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
