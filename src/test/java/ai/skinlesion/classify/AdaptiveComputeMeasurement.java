package ai.skinlesion.classify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.TestData;
import ai.skinlesion.decode.ImageDecoder;
import ai.skinlesion.decode.OpenedImage;
import ai.skinlesion.decode.Region;
import ai.skinlesion.decode.RgbImage;
import ai.skinlesion.inference.CpuFeatures;
import ai.skinlesion.inference.GraphFile;
import ai.skinlesion.inference.ModelDirectory;
import ai.skinlesion.inference.ModelVersion;
import ai.skinlesion.inference.OnnxClassifier;
import ai.skinlesion.inference.SessionSettings;

/**
 * What adaptive compute saves and what it changes (docs/BENCHMARKS.md, "Adaptive compute"): an ensemble of the
 * demo's EfficientNetB4 at 384 px and the two tiny members of the test fixture, with dihedral8, run on every
 * dermoscopy photo in three ways from the same sessions: single (the B4 alone, no augmentation), full (every member,
 * 8 views each) and adaptive at several bands (the cheapest member alone, escalated to full near the threshold).
 * One intra-op thread, as on a 1769 MB Lambda. A measurement, not a test: no assertion, and its name keeps it out of
 * the default run. {@code ./mvnw test -Dtest=AdaptiveComputeMeasurement}; the report is target/adaptive-compute.txt.
 * The members are UNTRAINED: the escalation share and the differences describe these members' disagreement, not
 * what trained folds would do; the costs hold for any members of these sizes.
 */
class AdaptiveComputeMeasurement {

    static final double[] BANDS = { 0.05, 0.1, 0.2, 0.3 };
    /** us-east-1 list prices, x86_64 (the same as bench/perf_render.py). */
    static final double PER_GB_SECOND = 0.0000166667;
    static final double PER_REQUEST = 0.20 / 1e6;
    static final double LAMBDA_GB = 1769 / 1024.0;

    @Test
    void measure() throws Exception {
        ObjectMapper json = new ObjectMapper();
        CpuFeatures cpu = CpuFeatures.detect();
        SessionSettings oneThread = new SessionSettings(1, false, false);
        String[][] dirs = { { "tiny64-fold0", "src/test/resources/models/ensemble-tiny/1/members/tiny64-fold0" },
                { "efficientnetb4-demo", "models/efficientnetb4-demo/1" },
                { "tiny96-fold1", "src/test/resources/models/ensemble-tiny/1/members/tiny96-fold1" } };
        Double[] medianMs = { 0.0618, null, 0.119 }; // the fixture's measured costs; the B4 has none: it sorts last
        List<EnsembleMember> members = new ArrayList<>();
        for (int i = 0; i < dirs.length; i++) {
            ModelDirectory dir = ModelDirectory.load(Path.of(dirs[i][1]), json, ModelDirectory.AUTO, cpu);
            members.add(new EnsembleMember(new ModelVersion.MemberDirectory(dirs[i][0], 1.0, medianMs[i], dir),
                    OnnxClassifier.open(dir, oneThread, GraphFile.Integrity.SAMPLED)));
        }
        EnsembleMember b4 = members.get(1);
        Ensemble full = new Ensemble(members, true, false, 0);
        List<Path> photos;
        try (Stream<Path> files = Files.list(TestData.path("dermoscopy"))) {
            photos = files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        ImageDecoder decoder = new ImageDecoder(50_000_000, 64);
        int n = photos.size();
        double[] singleMs = new double[n];
        double[] fullMs = new double[n];
        double[] cheapMs = new double[n];
        double[] singleP = new double[n];
        double[] fullP = new double[n];
        double[] cheapP = new double[n];
        float[][] metadata = new float[members.size()][];
        Region[] regions = new Region[members.size()];
        EnsembleMember cheap = full.cheapest();
        int cheapIndex = members.indexOf(cheap);
        for (int i = -2; i < n; i++) { // two photos first to warm every path up, not kept
            int photo = Math.max(i, 0);
            float[][] inputs = inputs(decoder, Files.readAllBytes(photos.get(photo)), members, regions);
            long t0 = System.nanoTime();
            double single = b4.run(inputs[1], false, null, false).probability();
            long t1 = System.nanoTime();
            double all = full.run(inputs, metadata, regions, false, p -> p, 0.5).probability();
            long t2 = System.nanoTime();
            double alone = cheap.run(inputs[cheapIndex], false, null, false).probability();
            long t3 = System.nanoTime();
            if (i >= 0) {
                singleP[i] = single;
                fullP[i] = all;
                cheapP[i] = alone;
                singleMs[i] = (t1 - t0) / 1e6;
                fullMs[i] = (t2 - t1) / 1e6;
                cheapMs[i] = (t3 - t2) / 1e6;
            }
        }
        // adaptive = the cheap member alone, plus the full ensemble when escalated (AdaptiveModeTest shows an
        // escalated answer is exactly the full one): each photo's cost from the times measured for it
        double[][] adaptiveMs = new double[BANDS.length][n];
        double[][] adaptiveP = new double[BANDS.length][n];
        boolean[][] escalated = new boolean[BANDS.length][n];
        for (int b = 0; b < BANDS.length; b++) {
            for (int i = 0; i < n; i++) {
                escalated[b][i] = Math.abs(cheapP[i] - 0.5) <= BANDS[b];
                adaptiveMs[b][i] = cheapMs[i] + (escalated[b][i] ? fullMs[i] : 0);
                adaptiveP[b][i] = escalated[b][i] ? fullP[i] : cheapP[i];
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d dermoscopy photos; members %s, dihedral8; one intra-op thread; CPU %s%n",
                n, Arrays.stream(dirs).map(d -> d[0]).toList(), cpuName()));
        out.append("| mode | escalated | max \\|p − p_full\\| | labels differing from full | median ms | mean ms | $ per 1M (1769 MB, x86_64, from the mean) |\n");
        out.append("|---|---|---|---|---|---|---|\n");
        out.append(row("single (B4, no TTA)", "—", maxDiff(singleP, fullP), labelsDiffer(singleP, fullP), singleMs));
        out.append(row("full (3 members × 8 views)", "100 %", 0, 0, fullMs));
        for (int b = 0; b < BANDS.length; b++) {
            int e = 0;
            for (boolean x : escalated[b]) {
                e += x ? 1 : 0;
            }
            out.append(row(String.format(Locale.ROOT, "adaptive, band %.2f", BANDS[b]),
                    String.format(Locale.ROOT, "%.0f %% (%d/%d)", 100.0 * e / n, e, n), maxDiff(adaptiveP[b], fullP),
                    labelsDiffer(adaptiveP[b], fullP), adaptiveMs[b]));
        }
        out.append(String.format(Locale.ROOT, "Inference only (decoding and preprocessing, shared by all modes, come on top);"
                + " the cost column is the mean inference ms x 1769 MB x the GB-second price + the request price. Cheap member %s"
                + " alone: median %.2f ms.%n", cheap.name, median(cheapMs)));
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/adaptive-compute.txt"), out);
        System.out.print(out);
        for (EnsembleMember m : members) {
            m.close();
        }
    }

    static float[][] inputs(ImageDecoder decoder, byte[] photo, List<EnsembleMember> members, Region[] seen)
            throws IOException {
        float[][] inputs = new float[members.size()][];
        try (OpenedImage opened = decoder.open(photo)) {
            for (int i = 0; i < members.size(); i++) {
                var pre = members.get(i).preprocessor;
                Region r = pre.cropOf(opened.width(), opened.height());
                seen[i] = pre.seenRegionOf(opened.width(), opened.height());
                RgbImage pixels = opened.read(r);
                inputs[i] = pre.resized(pixels);
            }
        }
        return inputs;
    }

    /** The bill follows the mean duration (every call is paid), the latency a user sees the median. */
    static String row(String mode, String escalated, double maxDiff, int labels, double[] ms) {
        double mean = Arrays.stream(ms).average().orElseThrow();
        double dollars = 1e6 * (mean / 1000 * LAMBDA_GB * PER_GB_SECOND + PER_REQUEST);
        return String.format(Locale.ROOT, "| %s | %s | %.4f | %d | %.1f | %.1f | %.2f |%n", mode, escalated, maxDiff,
                labels, median(ms), mean, dollars);
    }

    static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static int labelsDiffer(double[] a, double[] b) {
        int d = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] >= 0.5) != (b[i] >= 0.5) ? 1 : 0;
        }
        return d;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String cpuName() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            List<String> all = lines.toList();
            String name = all.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
            boolean avx512 = all.stream().anyMatch(l -> l.startsWith("flags") && l.contains(" avx512f"));
            return name + (avx512 ? " (avx512f)" : " (no avx512f)");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
