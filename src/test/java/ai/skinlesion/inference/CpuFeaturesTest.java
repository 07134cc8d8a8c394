package ai.skinlesion.inference;

import ai.skinlesion.modelspec.ModelSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The NCHWc block size must be MLAS' own choice: 16 with AVX-512F, 8 with AVX2 + FMA, none otherwise. */
class CpuFeaturesTest {

    private static final String AVX512 = "processor\t: 0\nflags\t\t: fpu sse2 avx fma avx2 avx512f avx512bw\n";
    private static final String AVX2 = "processor\t: 0\nflags\t\t: fpu sse2 avx fma avx2\n";
    private static final String SSE = "processor\t: 0\nflags\t\t: fpu sse2 sse4_2\n";

    @Test
    void blockSizeFollowsTheWidestVectorUnit() {
        assertEquals(16, CpuFeatures.fromCpuinfo("amd64", AVX512).nchwcBlockSize());
        assertEquals(8, CpuFeatures.fromCpuinfo("amd64", AVX2).nchwcBlockSize());
        assertEquals(0, CpuFeatures.fromCpuinfo("amd64", SSE).nchwcBlockSize());
        assertEquals(0, CpuFeatures.fromCpuinfo("aarch64", "Features\t: fp asimd\n").nchwcBlockSize());
    }

    @Test
    void aGraphForOneBlockSizeIsRefusedOnTheOther() {
        ModelSpec.Requires avx512 = new ModelSpec.Requires("amd64", 16);
        assertTrue(CpuFeatures.fromCpuinfo("amd64", AVX512).satisfies(avx512));
        assertFalse(CpuFeatures.fromCpuinfo("amd64", AVX2).satisfies(avx512));
        assertFalse(CpuFeatures.fromCpuinfo("amd64", AVX2).satisfies(new ModelSpec.Requires("amd64", 16)));
        assertFalse(CpuFeatures.fromCpuinfo("amd64", AVX512).satisfies(new ModelSpec.Requires("amd64", 8)));
        assertFalse(new CpuFeatures("aarch64", 0).satisfies(new ModelSpec.Requires("amd64", null)));
    }

    @Test
    void aPortableGraphRunsAnywhere() {
        assertTrue(new CpuFeatures("aarch64", 0).satisfies(null));
        assertTrue(new CpuFeatures("aarch64", 0).satisfies(new ModelSpec.Requires(null, null)));
    }

    @Test
    void architectureNamesAreNormalised() {
        assertEquals("amd64", CpuFeatures.normalizeArch("x86_64"));
        assertEquals("aarch64", CpuFeatures.normalizeArch("arm64"));
    }
}
