package ai.skinlesion.preprocess.jpeg;

/**
 * One colour component through libjpeg-turbo's lossy stages: padded to whole 8 × 8 blocks as its compressor pads
 * them, downsampled, forward DCT, quantised, dequantised and inverse DCT, as the decompressor's output samples.
 */
final class BlockCodec {

    /** jddctmgr.c's AA&N scale factors for the fast inverse DCT, 14 bits. */
    private static final int[] AAN_SCALES = { 16384, 22725, 21407, 19266, 16384, 12873, 8867, 4520, 22725, 31521,
            29692, 26722, 22725, 17855, 12299, 6270, 21407, 29692, 27969, 25172, 21407, 16819, 11585, 5906, 19266, 26722,
            25172, 22654, 19266, 15137, 10426, 5315, 16384, 22725, 21407, 19266, 16384, 12873, 8867, 4520, 12873, 17855,
            16819, 15137, 12873, 10114, 6967, 3552, 8867, 12299, 11585, 10426, 8867, 6967, 4799, 2446, 4520, 6270, 5906,
            5315, 4520, 3552, 2446, 1247 };

    private final int[] quant;
    private final int[] reciprocal = new int[64];
    private final int[] correction = new int[64];
    private final int[] shift = new int[64];
    private final short[] fastMultipliers = new short[64];
    private final boolean accurate;

    BlockCodec(int[] quant, boolean accurateIdct) {
        this.quant = quant;
        this.accurate = accurateIdct;
        for (int i = 0; i < 64; i++) {
            computeReciprocal(quant[i] << 3, i);
            fastMultipliers[i] = (short) ((quant[i] * AAN_SCALES[i] + (1 << 11)) >> 12);
        }
    }

    /**
     * jcdctmgr.c's compute_reciprocal with 16-bit DCT elements (libjpeg-turbo's SIMD build): division by the
     * quantiser (scaled by the DCT's factor 8) as a multiplication, rounding to nearest.
     */
    private void computeReciprocal(int divisor, int i) {
        if (divisor <= 1) {
            reciprocal[i] = 1;
            correction[i] = 0;
            shift[i] = -16;
            return;
        }
        int b = 31 - Integer.numberOfLeadingZeros(divisor);
        int r = 16 + b;
        long fq = (1L << r) / divisor;
        long fr = (1L << r) % divisor;
        int c = divisor / 2;
        if (fr == 0) {
            fq >>= 1;
            r--;
        } else if (fr <= divisor / 2) {
            c++;
        } else {
            fq++;
        }
        reciprocal[i] = (int) (fq & 0xFFFF);
        correction[i] = c;
        shift[i] = r - 16;
    }

    /**
     * Round-trips {@code plane} (width × height samples at full resolution) subsampled by hFactor × vFactor into
     * {@code out} (outWidth × outHeight decoded samples of the component).
     */
    void roundTrip(byte[] plane, int width, int height, int outWidth, int outHeight, int hFactor, int vFactor,
            byte[] out) {
        // the component's blocks: width_in_blocks = ceil(width / (8 · hFactor)) (jdinput/jcmaster's formula)
        int paddedWidth = 8 * ((width + 8 * hFactor - 1) / (8 * hFactor));
        int paddedHeight = 8 * ((height + 8 * vFactor - 1) / (8 * vFactor));
        byte[] samples = downsample(plane, width, height, paddedWidth, paddedHeight, hFactor, vFactor);
        int[] block = new int[64];
        short[] coefficients = new short[64];
        int[] pixels = new int[64];
        Scratch scratch = new Scratch();
        for (int by = 0; by < paddedHeight; by += 8) {
            for (int bx = 0; bx < paddedWidth; bx += 8) {
                if (bx >= outWidth || by >= outHeight) {
                    continue; // only padding: no visible sample depends on it
                }
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        block[y * 8 + x] = (samples[(by + y) * paddedWidth + bx + x] & 0xFF) - 128;
                    }
                }
                forwardDct(block);
                quantize(block, coefficients);
                if (accurate) {
                    inverseDctAccurate(coefficients, pixels, scratch);
                } else {
                    inverseDctFast(coefficients, pixels, scratch);
                }
                for (int y = 0; y < 8 && by + y < outHeight; y++) {
                    for (int x = 0; x < 8 && bx + x < outWidth; x++) {
                        out[(by + y) * outWidth + bx + x] = (byte) pixels[y * 8 + x];
                    }
                }
            }
        }
    }

    /**
     * The compressor's component samples: the image's last column and row repeated to fill whole blocks
     * (expand_right_edge, expand_bottom_edge), averaged over hFactor × vFactor with jcsample.c's alternating
     * rounding bias (1, 2 for 2 × 2; 0, 1 for 2 × 1); rows below the last downsampled one repeat it.
     */
    private static byte[] downsample(byte[] plane, int width, int height, int paddedWidth, int paddedHeight,
            int hFactor, int vFactor) {
        byte[] out = new byte[paddedWidth * paddedHeight];
        int rows = (height + vFactor - 1) / vFactor;
        for (int r = 0; r < paddedHeight; r++) {
            if (r >= rows) {
                System.arraycopy(out, (rows - 1) * paddedWidth, out, r * paddedWidth, paddedWidth);
                continue;
            }
            int y0 = Math.min(r * vFactor, height - 1) * width;
            int y1 = Math.min(r * vFactor + vFactor - 1, height - 1) * width;
            for (int c = 0; c < paddedWidth; c++) {
                int x0 = Math.min(c * hFactor, width - 1);
                int x1 = Math.min(c * hFactor + hFactor - 1, width - 1);
                int v;
                if (hFactor == 1 && vFactor == 1) {
                    v = plane[y0 + x0] & 0xFF;
                } else if (vFactor == 1) {
                    v = ((plane[y0 + x0] & 0xFF) + (plane[y0 + x1] & 0xFF) + (c & 1)) >> 1;
                } else {
                    v = ((plane[y0 + x0] & 0xFF) + (plane[y0 + x1] & 0xFF) + (plane[y1 + x0] & 0xFF)
                            + (plane[y1 + x1] & 0xFF) + 1 + (c & 1)) >> 2;
                }
                out[r * paddedWidth + c] = (byte) v;
            }
        }
        return out;
    }

    // jfdctint.c: the accurate integer forward DCT, 13-bit constants, 2 extra bits between the passes
    private static final int CONST_BITS = 13;
    private static final int PASS1_BITS = 2;
    private static final long FIX_0_298631336 = 2446;
    private static final long FIX_0_390180644 = 3196;
    private static final long FIX_0_541196100 = 4433;
    private static final long FIX_0_765366865 = 6270;
    private static final long FIX_0_899976223 = 7373;
    private static final long FIX_1_175875602 = 9633;
    private static final long FIX_1_501321110 = 12299;
    private static final long FIX_1_847759065 = 15137;
    private static final long FIX_1_961570560 = 16069;
    private static final long FIX_2_053119869 = 16819;
    private static final long FIX_2_562915447 = 20995;
    private static final long FIX_3_072711026 = 25172;

    private static int descale(long x, int n) {
        return (int) ((x + (1L << (n - 1))) >> n);
    }

    /** In place, rows then columns; the results are 8 times a true DCT's, stored as 16-bit elements. */
    static void forwardDct(int[] d) {
        for (int pass = 0; pass < 2; pass++) {
            int step = pass == 0 ? 1 : 8;
            for (int line = 0; line < 8; line++) {
                int o = pass == 0 ? line * 8 : line;
                long tmp0 = d[o] + d[o + 7 * step];
                long tmp7 = d[o] - d[o + 7 * step];
                long tmp1 = d[o + step] + d[o + 6 * step];
                long tmp6 = d[o + step] - d[o + 6 * step];
                long tmp2 = d[o + 2 * step] + d[o + 5 * step];
                long tmp5 = d[o + 2 * step] - d[o + 5 * step];
                long tmp3 = d[o + 3 * step] + d[o + 4 * step];
                long tmp4 = d[o + 3 * step] - d[o + 4 * step];
                long tmp10 = tmp0 + tmp3;
                long tmp13 = tmp0 - tmp3;
                long tmp11 = tmp1 + tmp2;
                long tmp12 = tmp1 - tmp2;
                int bits = pass == 0 ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS;
                if (pass == 0) {
                    d[o] = (short) ((tmp10 + tmp11) << PASS1_BITS);
                    d[o + 4 * step] = (short) ((tmp10 - tmp11) << PASS1_BITS);
                } else {
                    d[o] = (short) descale(tmp10 + tmp11, PASS1_BITS);
                    d[o + 4 * step] = (short) descale(tmp10 - tmp11, PASS1_BITS);
                }
                long z1 = (tmp12 + tmp13) * FIX_0_541196100;
                d[o + 2 * step] = (short) descale(z1 + tmp13 * FIX_0_765366865, bits);
                d[o + 6 * step] = (short) descale(z1 + tmp12 * -FIX_1_847759065, bits);
                z1 = tmp4 + tmp7;
                long z2 = tmp5 + tmp6;
                long z3 = tmp4 + tmp6;
                long z4 = tmp5 + tmp7;
                long z5 = (z3 + z4) * FIX_1_175875602;
                tmp4 *= FIX_0_298631336;
                tmp5 *= FIX_2_053119869;
                tmp6 *= FIX_3_072711026;
                tmp7 *= FIX_1_501321110;
                z1 *= -FIX_0_899976223;
                z2 *= -FIX_2_562915447;
                z3 *= -FIX_1_961570560;
                z4 *= -FIX_0_390180644;
                z3 += z5;
                z4 += z5;
                d[o + 7 * step] = (short) descale(tmp4 + z1 + z3, bits);
                d[o + 5 * step] = (short) descale(tmp5 + z2 + z4, bits);
                d[o + 3 * step] = (short) descale(tmp6 + z2 + z3, bits);
                d[o + step] = (short) descale(tmp7 + z1 + z4, bits);
            }
        }
    }

    /** jcdctmgr.c's quantize: |x| plus the rounding correction, times the reciprocal, shifted; sign restored. */
    private void quantize(int[] workspace, short[] out) {
        for (int i = 0; i < 64; i++) {
            int temp = workspace[i];
            boolean negative = temp < 0;
            if (negative) {
                temp = -temp;
            }
            long product = (long) (temp + correction[i]) * reciprocal[i];
            int q = (short) (product >> (shift[i] + 16));
            out[i] = (short) (negative ? -q : q);
        }
    }

    /** IDCT_range_limit: the inverse DCT's output plus 128, clipped, through libjpeg's 10-bit wrap-around table. */
    private static int rangeLimit(int x) {
        int v = x & 1023;
        if (v < 128) {
            return v + 128;
        }
        if (v < 512) {
            return 255;
        }
        if (v < 896) {
            return 0;
        }
        return v - 896;
    }

    // jidctfst.c: AA&N with 8-bit constants, no rounding in its descales, 16-bit elements (SIMD build)
    private static final int FAST_1_082392200 = 277;
    private static final int FAST_1_414213562 = 362;
    private static final int FAST_1_847759065 = 473;
    private static final int FAST_2_613125930 = 669;

    private static short fastMultiply(int v, int c) {
        return (short) ((v * c) >> 8);
    }

    /** Work arrays of one round trip, so that its blocks allocate nothing. */
    static final class Scratch {
        final int[] workspace = new int[64];
        final short[] even = new short[4];
        final short[] odd = new short[4];
        final long[] line = new long[8];
        final int[] result = new int[8];
    }

    void inverseDctFast(short[] coef, int[] out, Scratch scratch) {
        int[] ws = scratch.workspace;
        short[] even = scratch.even;
        short[] odd = scratch.odd;
        for (int col = 0; col < 8; col++) {
            if (coef[8 + col] == 0 && coef[16 + col] == 0 && coef[24 + col] == 0 && coef[32 + col] == 0
                    && coef[40 + col] == 0 && coef[48 + col] == 0 && coef[56 + col] == 0) {
                int dc = (short) coef[col] * fastMultipliers[col];
                for (int r = 0; r < 8; r++) {
                    ws[r * 8 + col] = dc;
                }
                continue;
            }
            short tmp0 = (short) (coef[col] * fastMultipliers[col]);
            short tmp1 = (short) (coef[16 + col] * fastMultipliers[16 + col]);
            short tmp2 = (short) (coef[32 + col] * fastMultipliers[32 + col]);
            short tmp3 = (short) (coef[48 + col] * fastMultipliers[48 + col]);
            fastEven(tmp0, tmp1, tmp2, tmp3, even);
            short tmp4 = (short) (coef[8 + col] * fastMultipliers[8 + col]);
            short tmp5 = (short) (coef[24 + col] * fastMultipliers[24 + col]);
            short tmp6 = (short) (coef[40 + col] * fastMultipliers[40 + col]);
            short tmp7 = (short) (coef[56 + col] * fastMultipliers[56 + col]);
            fastOdd(tmp4, tmp5, tmp6, tmp7, odd);
            ws[col] = even[0] + odd[3];
            ws[56 + col] = even[0] - odd[3];
            ws[8 + col] = even[1] + odd[2];
            ws[48 + col] = even[1] - odd[2];
            ws[16 + col] = even[2] + odd[1];
            ws[40 + col] = even[2] - odd[1];
            ws[32 + col] = even[3] + odd[0];
            ws[24 + col] = even[3] - odd[0];
        }
        for (int row = 0; row < 8; row++) {
            int w = row * 8;
            if (ws[w + 1] == 0 && ws[w + 2] == 0 && ws[w + 3] == 0 && ws[w + 4] == 0 && ws[w + 5] == 0
                    && ws[w + 6] == 0 && ws[w + 7] == 0) {
                int dc = rangeLimit(ws[w] >> (PASS1_BITS + 3));
                for (int x = 0; x < 8; x++) {
                    out[w + x] = dc;
                }
                continue;
            }
            fastEven((short) ws[w], (short) ws[w + 2], (short) ws[w + 4], (short) ws[w + 6], even);
            fastOdd((short) ws[w + 1], (short) ws[w + 3], (short) ws[w + 5], (short) ws[w + 7], odd);
            out[w] = rangeLimit((even[0] + odd[3]) >> (PASS1_BITS + 3));
            out[w + 7] = rangeLimit((even[0] - odd[3]) >> (PASS1_BITS + 3));
            out[w + 1] = rangeLimit((even[1] + odd[2]) >> (PASS1_BITS + 3));
            out[w + 6] = rangeLimit((even[1] - odd[2]) >> (PASS1_BITS + 3));
            out[w + 2] = rangeLimit((even[2] + odd[1]) >> (PASS1_BITS + 3));
            out[w + 5] = rangeLimit((even[2] - odd[1]) >> (PASS1_BITS + 3));
            out[w + 4] = rangeLimit((even[3] + odd[0]) >> (PASS1_BITS + 3));
            out[w + 3] = rangeLimit((even[3] - odd[0]) >> (PASS1_BITS + 3));
        }
    }

    /** Even part of jidctfst.c (inputs 0, 2, 4, 6): returns tmp0..tmp3. */
    private static void fastEven(short in0, short in2, short in4, short in6, short[] tmp) {
        short tmp10 = (short) (in0 + in4);
        short tmp11 = (short) (in0 - in4);
        short tmp13 = (short) (in2 + in6);
        short tmp12 = (short) (fastMultiply(in2 - in6, FAST_1_414213562) - tmp13);
        tmp[0] = (short) (tmp10 + tmp13);
        tmp[1] = (short) (tmp11 + tmp12);
        tmp[2] = (short) (tmp11 - tmp12);
        tmp[3] = (short) (tmp10 - tmp13);
    }

    /** Odd part of jidctfst.c (inputs 1, 3, 5, 7): returns tmp4, tmp5, tmp6, tmp7. */
    private static void fastOdd(short in1, short in3, short in5, short in7, short[] tmp) {
        short z13 = (short) (in5 + in3);
        short z10 = (short) (in5 - in3);
        short z11 = (short) (in1 + in7);
        short z12 = (short) (in1 - in7);
        short tmp7 = (short) (z11 + z13);
        short tmp11 = fastMultiply(z11 - z13, FAST_1_414213562);
        short z5 = fastMultiply(z10 + z12, FAST_1_847759065);
        short tmp10 = (short) (fastMultiply(z12, FAST_1_082392200) - z5);
        short tmp12 = (short) (fastMultiply(z10, -FAST_2_613125930) + z5);
        short tmp6 = (short) (tmp12 - tmp7);
        short tmp5 = (short) (tmp11 - tmp6);
        short tmp4 = (short) (tmp10 + tmp5);
        tmp[0] = tmp4;
        tmp[1] = tmp5;
        tmp[2] = tmp6;
        tmp[3] = tmp7;
    }

    // jidctint.c: the accurate integer inverse DCT, rounding descales, 64-bit intermediates
    void inverseDctAccurate(short[] coef, int[] out, Scratch scratch) {
        int[] ws = scratch.workspace;
        long[] v = scratch.line;
        int[] r = scratch.result;
        for (int col = 0; col < 8; col++) {
            if (coef[8 + col] == 0 && coef[16 + col] == 0 && coef[24 + col] == 0 && coef[32 + col] == 0
                    && coef[40 + col] == 0 && coef[48 + col] == 0 && coef[56 + col] == 0) {
                int dc = (coef[col] * quant[col]) << PASS1_BITS;
                for (int row = 0; row < 8; row++) {
                    ws[row * 8 + col] = dc;
                }
                continue;
            }
            for (int k = 0; k < 8; k++) {
                v[k] = (long) coef[k * 8 + col] * quant[k * 8 + col];
            }
            accurate1d(v, CONST_BITS - PASS1_BITS, r);
            for (int k = 0; k < 8; k++) {
                ws[k * 8 + col] = r[k];
            }
        }
        for (int row = 0; row < 8; row++) {
            int w = row * 8;
            if (ws[w + 1] == 0 && ws[w + 2] == 0 && ws[w + 3] == 0 && ws[w + 4] == 0 && ws[w + 5] == 0
                    && ws[w + 6] == 0 && ws[w + 7] == 0) {
                int dc = rangeLimit(descale(ws[w], PASS1_BITS + 3));
                for (int x = 0; x < 8; x++) {
                    out[w + x] = dc;
                }
                continue;
            }
            for (int k = 0; k < 8; k++) {
                v[k] = ws[w + k];
            }
            accurate1d(v, CONST_BITS + PASS1_BITS + 3, r);
            for (int k = 0; k < 8; k++) {
                out[w + k] = rangeLimit(r[k]);
            }
        }
    }

    /** One 1-D pass of jidctint.c over v[0..7]; each result descaled by {@code bits}. */
    private static void accurate1d(long[] v, int bits, int[] r) {
        long z2 = v[2];
        long z3 = v[6];
        long z1 = (z2 + z3) * FIX_0_541196100;
        long tmp2 = z1 + z3 * -FIX_1_847759065;
        long tmp3 = z1 + z2 * FIX_0_765366865;
        z2 = v[0];
        z3 = v[4];
        long tmp0 = (z2 + z3) << CONST_BITS;
        long tmp1 = (z2 - z3) << CONST_BITS;
        long tmp10 = tmp0 + tmp3;
        long tmp13 = tmp0 - tmp3;
        long tmp11 = tmp1 + tmp2;
        long tmp12 = tmp1 - tmp2;
        tmp0 = v[7];
        tmp1 = v[5];
        tmp2 = v[3];
        tmp3 = v[1];
        z1 = tmp0 + tmp3;
        z2 = tmp1 + tmp2;
        z3 = tmp0 + tmp2;
        long z4 = tmp1 + tmp3;
        long z5 = (z3 + z4) * FIX_1_175875602;
        tmp0 *= FIX_0_298631336;
        tmp1 *= FIX_2_053119869;
        tmp2 *= FIX_3_072711026;
        tmp3 *= FIX_1_501321110;
        z1 *= -FIX_0_899976223;
        z2 *= -FIX_2_562915447;
        z3 *= -FIX_1_961570560;
        z4 *= -FIX_0_390180644;
        z3 += z5;
        z4 += z5;
        tmp0 += z1 + z3;
        tmp1 += z2 + z4;
        tmp2 += z2 + z3;
        tmp3 += z1 + z4;
        r[0] = descale(tmp10 + tmp3, bits);
        r[1] = descale(tmp11 + tmp2, bits);
        r[2] = descale(tmp12 + tmp1, bits);
        r[3] = descale(tmp13 + tmp0, bits);
        r[4] = descale(tmp13 - tmp0, bits);
        r[5] = descale(tmp12 - tmp1, bits);
        r[6] = descale(tmp11 - tmp2, bits);
        r[7] = descale(tmp10 - tmp3, bits);
    }
}
