package ai.skinlesion.inference;

import ai.skinlesion.modelspec.ModelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a runtime graph's {@code requires} is checked against: the CPU architecture and the block size ONNX
 * Runtime's NCHWc layout uses on this CPU. A graph saved for one block size is not valid where MLAS uses the
 * other (a block-8 graph on an AVX-512 CPU fails its first run), so the block size must match exactly, not
 * "at least".
 *
 * @param arch {@code amd64}, {@code aarch64} or what {@code os.arch} says
 * @param nchwcBlockSize 16 with AVX-512F, 8 with AVX2 + FMA, 0 where ONNX Runtime uses no NCHWc layout
 */
public record CpuFeatures(String arch, int nchwcBlockSize) {

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    /** This machine's, from {@code os.arch} and the kernel's CPU flags (which hide what the OS does not enable). */
    public static CpuFeatures detect() {
        String arch = normalizeArch(System.getProperty("os.arch", ""));
        String cpuinfo;
        try {
            cpuinfo = Files.readString(CPUINFO);
        } catch (IOException | UncheckedIOException e) {
            cpuinfo = ""; // no /proc (not Linux): no CPU-specific graph, the portable one still works
        }
        return fromCpuinfo(arch, cpuinfo);
    }

    static CpuFeatures fromCpuinfo(String arch, String cpuinfo) {
        if (!"amd64".equals(arch)) {
            return new CpuFeatures(arch, 0);
        }
        Set<String> flags = cpuinfo.lines()
                .filter(line -> line.startsWith("flags"))
                .findFirst()
                .map(line -> Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                        .collect(Collectors.toSet()))
                .orElse(Set.of());
        int block = flags.contains("avx512f") ? 16 : flags.contains("avx2") && flags.contains("fma") ? 8 : 0;
        return new CpuFeatures(arch, block);
    }

    static String normalizeArch(String osArch) {
        String a = osArch.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "aarch64";
            default -> a;
        };
    }

    /** Whether a graph saved for {@code requires} computes correctly here; null or empty requires: anywhere. */
    public boolean satisfies(ModelSpec.Requires requires) {
        if (requires == null) {
            return true;
        }
        if (requires.arch() != null && !requires.arch().equals(arch)) {
            return false;
        }
        return requires.nchwcBlockSize() == null || requires.nchwcBlockSize() == nchwcBlockSize;
    }

    @Override
    public String toString() {
        return arch + (nchwcBlockSize > 0 ? ", NCHWc block " + nchwcBlockSize : ", no NCHWc");
    }
}
