package ai.skinlesion.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.hostile.Case;
import ai.skinlesion.hostile.HostileCorpus;
import ai.skinlesion.hostile.SyntheticJpeg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Hostile and odd inputs (issue "Hardening", item 1): every file of the test photo folder and the generated cases
 * of {@link HostileCorpus}. Each must get either 200 with a probability in [0, 1] or a 4xx
 * application/problem+json: never a 5xx, never silence (the client gives up after {@link #CLIENT_LIMIT}, far beyond
 * the service's own request time limit). Cases whose answer is certain also check the status and problem type.
 * Outcome counts go to target/corpus-report.txt (target/corpus-report-it.txt for the packaged build).
 */
@QuarkusTest
class CorpusTest {

    /** A Java class or package name of ours or a library's, which an answer has no business showing. */
    private static final Pattern INTERNAL_NAME = Pattern.compile("\\b(java|javax|jakarta|io\\.netty|io\\.quarkus|com\\.fasterxml|ai\\.skinlesion)\\.[a-z]");

    static final Duration CLIENT_LIMIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    record Outcome(String name, int status, String problem, long millis) {
    }

    private static final Map<String, Outcome> OUTCOMES = new ConcurrentHashMap<>();
    private static final List<String> NOTES = new ArrayList<>();
    private static volatile String reportFile = "target/corpus-report.txt";
    private static volatile String build = "JVM, @QuarkusTest through the Lambda mock event server";

    static Stream<Arguments> cases() {
        return HostileCorpus.all().map(c -> Arguments.of(Named.of(c.name(), c)));
    }

    /** Where the report goes and what it says about the build; the packaged-build subclass says otherwise. */
    void describeBuild() {
    }

    /** Whether the application runs in this JVM, so that its heap can be watched. */
    boolean inProcess() {
        return true;
    }

    static void reportAs(String file, String description) {
        reportFile = file;
        build = description;
    }

    static String base() {
        return RestAssured.baseURI + ":" + RestAssured.port;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyInputGetsAClearAnswer(Case c) throws Exception {
        describeBuild();
        long start = System.nanoTime();
        HttpResponse<String> response = send(c);
        long millis = (System.nanoTime() - start) / 1_000_000;
        int status = response.statusCode();
        String body = response.body();
        String contentType = response.headers().firstValue("content-type").orElse("");
        String problem = null;
        try {
            if (c.transport() && !contentType.startsWith("application/problem+json")) {
                // refused below the application (HTTP server, mock event server or API Gateway): a bare 4xx
                assertTrue(status >= 400 && status < 500, () -> "status " + status + " for " + c.name());
                problem = "(HTTP server)";
                return;
            }
            assertTrue(status == 200 || status >= 400 && status < 500,
                    () -> "status " + status + " for " + c.name() + ": " + abbreviated(body));
            JsonNode json = JSON.readTree(body);
            if (status == 200) {
                assertTrue(contentType.startsWith("application/json"), contentType);
                double p = json.path("malignantProbability").asDouble(Double.NaN);
                assertTrue(p >= 0 && p <= 1, () -> "probability " + p + " for " + c.name());
                assertTrue(json.path("label").isTextual());
            } else {
                assertTrue(contentType.startsWith("application/problem+json"), () -> contentType + " for " + c.name());
                problem = json.path("type").asText();
                assertFalse(problem.isEmpty(), body);
                assertFalse(json.path("title").asText().isEmpty(), body);
                assertEquals(status, json.path("status").asInt(), body);
                // no stack trace, exception name or internals (the JVM's helpful NullPointerException messages name them)
                assertFalse(body.contains("Exception") || body.contains("\tat ") || body.contains("Cannot invoke")
                        || INTERNAL_NAME.matcher(body).find(), () -> "stack trace or internals in " + body);
                if (status == 429) {
                    assertTrue(response.headers().firstValue("retry-after").isPresent(), "429 without Retry-After");
                }
            }
            if (c.status() != 0) {
                assertEquals(c.status(), status, () -> c.name() + ": " + abbreviated(body));
            }
            if (c.problem() != null) {
                assertEquals("urn:problem-type:melanoma:" + c.problem(), problem, () -> c.name() + ": " + abbreviated(body));
            }
        } finally {
            OUTCOMES.put(c.name(), new Outcome(c.name(), status, shortType(problem), millis));
        }
    }

    private static HttpResponse<String> send(Case c) throws IOException, InterruptedException {
        byte[] body = c.body() == null ? null : c.body().get();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + c.path()))
                .timeout(CLIENT_LIMIT)
                .method(c.method(), body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (c.contentType() != null) {
            request.header("Content-Type", c.contentType());
        }
        c.headers().forEach(request::header);
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            OUTCOMES.put(c.name(), new Outcome(c.name(), -1, "no answer within " + CLIENT_LIMIT.toSeconds() + " s", -1));
            return fail("no answer within " + CLIENT_LIMIT.toSeconds() + " s for " + c.name());
        }
    }

    /**
     * Eight 50-megapixel photos at once: the decode gate lets two decode while the rest queue (or, past the
     * queue, get 429 with Retry-After), so the heap holds two crops, not eight. In this JVM the heap's peak is
     * measured and reported.
     */
    @Test
    void manyLargePhotosAtOnceAreDecodedAFewAtATime() throws Exception {
        describeBuild();
        byte[] large = SyntheticJpeg.flat(7071, 7071, 3);
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        System.gc();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long before = heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
        int parallel = 8;
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        long start = System.nanoTime();
        Map<Integer, Integer> statuses = new TreeMap<>();
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < parallel; i++) {
                answers.add(pool.submit(() -> send(Case.post("parallel 50 Mpx", "image/jpeg", large))));
            }
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> r = answer.get(CLIENT_LIMIT.toSeconds() * 2, TimeUnit.SECONDS);
                statuses.merge(r.statusCode(), 1, Integer::sum);
                assertTrue(r.statusCode() == 200 || r.statusCode() == 429, () -> r.statusCode() + " " + abbreviated(r.body()));
                if (r.statusCode() == 429) {
                    assertNotNull(r.headers().firstValue("retry-after").orElse(null));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(statuses.getOrDefault(200, 0) >= 1, statuses.toString());
        String note = String.format("%d parallel 7071 x 7071 JPEGs (%d KB each): %s in %.1f s", parallel, large.length / 1024,
                statuses, seconds);
        if (inProcess()) {
            long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            note += String.format("; heap used before %d MB, peak %d MB (max heap %d MB; the test JVM hosts the"
                    + " application)", before >> 20, peak >> 20, Runtime.getRuntime().maxMemory() >> 20);
        }
        synchronized (NOTES) {
            NOTES.add(note);
        }
    }

    @AfterAll
    static void writeReport() throws IOException {
        List<Outcome> outcomes = new ArrayList<>(OUTCOMES.values());
        outcomes.sort(Comparator.comparing(Outcome::name));
        Map<Integer, Long> byStatus = outcomes.stream()
                .collect(Collectors.groupingBy(Outcome::status, TreeMap::new, Collectors.counting()));
        Map<String, Long> byType = outcomes.stream()
                .collect(Collectors.groupingBy(o -> o.status() + " " + (o.problem() == null ? "(prediction)" : o.problem()),
                        TreeMap::new, Collectors.counting()));
        long files = outcomes.stream().filter(o -> o.name().startsWith("file ")).count();
        List<String> lines = new ArrayList<>();
        lines.add("Hostile-input corpus: " + build);
        lines.add("written " + Instant.now() + " by " + CorpusTest.class.getSimpleName() + artifact());
        lines.add(String.format("cases: %d (test photo folder, in several body shapes: %d; generated: %d)", outcomes.size(),
                files, outcomes.size() - files));
        lines.add("");
        lines.add("by status:");
        byStatus.forEach((status, n) -> lines.add(String.format("  %4d  %5d", status, n)));
        lines.add("by status and problem type:");
        byType.forEach((type, n) -> lines.add(String.format("  %-40s %5d", type, n)));
        lines.add("slowest answers:");
        outcomes.stream().sorted(Comparator.comparingLong(Outcome::millis).reversed()).limit(8)
                .forEach(o -> lines.add(String.format("  %7d ms  %d  %s", o.millis(), o.status(), o.name())));
        synchronized (NOTES) {
            if (!NOTES.isEmpty()) {
                lines.add("concurrency:");
                NOTES.forEach(n -> lines.add("  " + n));
            }
        }
        lines.add("");
        lines.add("status  problem type                 ms  case");
        for (Outcome o : outcomes) {
            lines.add(String.format("%6d  %-24s %7d  %s", o.status(), o.problem() == null ? "-" : o.problem(), o.millis(), o.name()));
        }
        Path report = Path.of(reportFile);
        Files.createDirectories(report.getParent());
        Files.write(report, lines);
        System.out.println(String.join("\n", lines.subList(0, Math.min(lines.size(), 40))));
    }

    private static String artifact() {
        Path properties = Path.of("target/quarkus-artifact.properties");
        if (!reportFile.contains("-it") || !Files.exists(properties)) {
            return "";
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(properties)) {
            p.load(in);
            return ", artifact " + p.getProperty("type", "?") + " " + p.getProperty("path", "");
        } catch (IOException e) {
            return "";
        }
    }

    private static String shortType(String type) {
        return type == null ? null : type.replace("urn:problem-type:melanoma:", "");
    }

    private static String abbreviated(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
