package ai.skinlesion.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

/**
 * A model directory the service cannot serve stops the packaged application (the plain-HTTP jar, or with -Dnative
 * the Lambda binary) with one line naming the cause, and on Lambda that line is the Runtime API's init error,
 * which is what the Lambda console and CloudWatch show. The Runtime API here is a local HTTP server that records
 * what the function posts.
 */
class StartupFailureIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DEMO = Path.of("models/efficientnetb4-demo/1").toAbsolutePath();

    @TempDir
    Path tmp;

    enum Broken {
        MISSING_DIRECTORY("no model.json in model directory"),
        NOT_JSON("model.json is not valid JSON"),
        INVALID_SPEC("decision.threshold: must have an exclusive maximum value of 1"),
        OTHER_MODEL_FILE("do not belong together"),
        GRAPH_NOT_AS_SPECIFIED("the graph has no input named \"pixels\""),
        /** One byte of model.onnx changed: its sha256 is not model.json's (full hash, no crc32 or sample recorded). */
        SHA256_MISMATCH("has sha256 "),
        /**
         * 4 KiB of model.onnx zeroed between two sampled blocks, everything else as exported: the default check
         * (every byte's crc32) stops start-up naming the file, where the sample hash would let it answer.
         */
        ZEROED_PAGE("model.onnx has crc32 "),
        /** A truncated model.onnx whose sha256 model.json records: the hash passes, ONNX Runtime cannot parse it. */
        CORRUPT_GRAPH("ONNX Runtime cannot load "),
        UNSUPPORTED_SPEC_VERSION("specVersion: must have a maximum value of 4"),
        MISSING_FIELD("output is missing"),
        /** An ensemble whose member's model.json was edited after the ensemble pinned it. */
        ENSEMBLE_MEMBER_CHANGED("member tiny96-fold1 of the ensemble: ");

        final String cause;

        Broken(String cause) {
            this.cause = cause;
        }
    }

    /** A model directory broken the given way; the large files are links to the demo's. */
    private Path directory(Broken broken) throws IOException, NoSuchAlgorithmException {
        Path dir = tmp.resolve("model");
        if (broken == Broken.MISSING_DIRECTORY) {
            return dir;
        }
        Files.createDirectories(dir);
        if (broken == Broken.ENSEMBLE_MEMBER_CHANGED) {
            Path ensemble = Path.of("src/test/resources/models/ensemble-tiny/1").toAbsolutePath();
            Files.copy(ensemble.resolve("model.json"), dir.resolve("model.json"));
            Files.createDirectories(dir.resolve("members"));
            Files.createSymbolicLink(dir.resolve("members/tiny64-fold0"), ensemble.resolve("members/tiny64-fold0"));
            Path member = Files.createDirectories(dir.resolve("members/tiny96-fold1"));
            try (var files = Files.list(ensemble.resolve("members/tiny96-fold1"))) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.createSymbolicLink(member.resolve(f.getFileName()), f);
                }
            }
            Files.delete(member.resolve("model.json"));
            Files.writeString(member.resolve("model.json"), Files.readString(
                    ensemble.resolve("members/tiny96-fold1/model.json")).replace("\"threshold\": 0.5", "\"threshold\": 0.45"));
            return dir;
        }
        ObjectNode spec = (ObjectNode) JSON.readTree(DEMO.resolve("model.json").toFile());
        spec.putArray("runtimeGraphs"); // model.onnx only: one file to break
        ObjectNode model = (ObjectNode) spec.get("model");
        Path onnx = dir.resolve("model.onnx");
        if (broken == Broken.ZEROED_PAGE) {
            byte[] graph = Files.readAllBytes(DEMO.resolve("model.onnx"));
            long step = (graph.length - 4096L) / 63;
            Arrays.fill(graph, (int) (31 * step + step / 2), (int) (31 * step + step / 2) + 4096, (byte) 0);
            Files.write(onnx, graph);
        } else if (broken == Broken.SHA256_MISMATCH || broken == Broken.CORRUPT_GRAPH) {
            byte[] graph = Files.readAllBytes(DEMO.resolve("model.onnx"));
            if (broken == Broken.SHA256_MISMATCH) {
                graph[graph.length / 2] ^= 0x01;
            } else {
                graph = Arrays.copyOf(graph, graph.length / 3);
                model.put("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(graph)));
            }
            Files.write(onnx, graph);
            model.remove("sampledSha256"); // the full sha256 is then checked
            model.remove("crc32");
            model.remove("bytes");
        } else {
            Files.createSymbolicLink(onnx, DEMO.resolve("model.onnx"));
        }
        UnaryOperator<ObjectNode> change = switch (broken) {
            case UNSUPPORTED_SPEC_VERSION -> s -> s.put("specVersion", 99);
            case MISSING_FIELD -> s -> {
                s.remove("output");
                return s;
            };
            case INVALID_SPEC -> s -> s.set("decision", ((ObjectNode) s.get("decision")).put("threshold", 2.0));
            case GRAPH_NOT_AS_SPECIFIED -> s -> s.set("input", ((ObjectNode) s.get("input")).put("name", "pixels"));
            case OTHER_MODEL_FILE -> s -> s.set("model", ((ObjectNode) s.get("model")).put("file", "other.onnx"));
            default -> s -> s;
        };
        if (broken == Broken.OTHER_MODEL_FILE) { // another graph where model.json's model.onnx should be
            Files.createSymbolicLink(dir.resolve("other.onnx"), DEMO.resolve("model.opt-portable.onnx"));
        }
        String text = broken == Broken.NOT_JSON ? "{\"specVersion\": 2," : JSON.writeValueAsString(change.apply(spec));
        Files.writeString(dir.resolve("model.json"), text);
        return dir;
    }

    @ParameterizedTest
    @EnumSource(Broken.class)
    void theCauseIsTheOneLineTheOperatorSees(Broken broken) throws Exception {
        Path dir = directory(broken);
        if ("native".equals(System.getProperty("it.artifact"))) {
            assertLambdaInitError(dir, broken.cause);
        } else {
            assertExitMessage(dir, broken.cause);
        }
    }

    private void assertExitMessage(Path dir, String cause) throws Exception {
        Path log = tmp.resolve("out.log");
        ProcessBuilder pb = new ProcessBuilder("java", "-Dquarkus.http.port=0", "-jar",
                "target/quarkus-app/quarkus-run.jar").redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("MELANOMA_MODEL_DIR", dir.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the jar did not stop");
        String out = Files.readString(log);
        assertNotEquals(0, p.exitValue(), out);
        // The console is JSON lines in the packaged application: the cause is one line's message.
        assertTrue(out.lines().map(StartupFailureIT::message).anyMatch(m -> m.startsWith("Cannot start: ")
                && m.contains(cause)), "no 'Cannot start: ... " + cause + "' line in:\n" + out);
    }

    /** The message of a JSON log line; other lines (the JVM's own) have none. */
    private static String message(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            return node != null && node.hasNonNull("message") ? node.get("message").asText() : "";
        } catch (IOException e) {
            return "";
        }
    }

    private void assertLambdaInitError(Path dir, String cause) throws Exception {
        List<String> initErrors = new CopyOnWriteArrayList<>();
        HttpServer runtimeApi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        runtimeApi.createContext("/2018-06-01/runtime/init/error", exchange -> {
            initErrors.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        runtimeApi.createContext("/", exchange -> { // no event will ever come: the function must not get this far
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        runtimeApi.start();
        Path log = tmp.resolve("out.log");
        try {
            ProcessBuilder pb = new ProcessBuilder(System.getProperty("native.image.path"))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("MELANOMA_MODEL_DIR", dir.toString());
            pb.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + runtimeApi.getAddress().getPort());
            Process p = pb.start();
            boolean stopped = p.waitFor(60, TimeUnit.SECONDS);
            if (!stopped) {
                p.destroyForcibly();
            }
            String out = Files.readString(log);
            assertTrue(!initErrors.isEmpty(), "no init error posted; output:\n" + out);
            JsonNode first = JSON.readTree(initErrors.get(0));
            assertTrue(first.get("errorMessage").asText().startsWith("Cannot start: "), first.toString());
            assertTrue(first.get("errorMessage").asText().contains(cause), first.toString());
            assertEquals("InvalidModelException", first.get("errorType").asText(), first.toString());
            assertTrue(stopped, "the function did not exit after its init error");
        } finally {
            runtimeApi.stop(0);
        }
    }
}
