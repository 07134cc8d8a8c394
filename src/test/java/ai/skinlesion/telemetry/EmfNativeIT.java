package ai.skinlesion.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import ai.skinlesion.TestData;

/**
 * The native Lambda binary's stdout, as Lambda hands it to CloudWatch: started the way Lambda starts it, against a
 * local Runtime API (an HTTP server here) that serves two API Gateway events, a photo and a body that is not an
 * image, under aws request ids of its own. Each invocation must leave exactly one EMF line that meets the EMF
 * specification's rules ({@link EmfSpec}), carrying that invocation's aws request id.
 */
class EmfNativeIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static String event(byte[] body) throws Exception {
        try (InputStream in = EmfNativeIT.class.getResourceAsStream("/apigateway/http-api-v2-post.json")) {
            ObjectNode event = (ObjectNode) JSON.readTree(in);
            event.put("body", Base64.getEncoder().encodeToString(body));
            ((ObjectNode) event.get("headers")).put("content-length", Integer.toString(body.length));
            return JSON.writeValueAsString(event);
        }
    }

    @Test
    void eachInvocationWritesOneValidEmfLine() throws Exception {
        Assumptions.assumeTrue("native".equals(System.getProperty("it.artifact")),
                "the Lambda binary runs only natively outside AWS (TelemetryTest covers the JVM Lambda build)");
        List<String> ids = List.of("11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-000000000000");
        BlockingQueue<String> events = new ArrayBlockingQueue<>(2);
        events.add(event(TestData.bytes(TelemetryTest.PHOTO)));
        events.add(event("not a photo".getBytes(StandardCharsets.UTF_8)));
        AtomicInteger served = new AtomicInteger();
        CountDownLatch answered = new CountDownLatch(2);
        List<String> answers = new ArrayList<>();
        HttpServer runtimeApi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        runtimeApi.createContext("/2018-06-01/runtime/invocation/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.endsWith("/next")) {
                String next = events.poll();
                if (next == null) { // no more work: hold the poll as Lambda does, until the process is stopped
                    try {
                        answered.await(60, TimeUnit.SECONDS);
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    exchange.close();
                    return;
                }
                byte[] body = next.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", ids.get(served.getAndIncrement()));
                exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms",
                        Long.toString(System.currentTimeMillis() + 15_000));
                exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:eu-west-1:123456789012:function:melanoma");
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } else {
                synchronized (answers) {
                    answers.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                }
                exchange.sendResponseHeaders(202, -1);
                answered.countDown();
            }
            exchange.close();
        });
        runtimeApi.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        runtimeApi.start();
        Path stdout = tmp.resolve("stdout.log");
        Process p = null;
        try {
            ProcessBuilder pb = new ProcessBuilder(System.getProperty("native.image.path"))
                    .redirectOutput(stdout.toFile()).redirectError(tmp.resolve("stderr.log").toFile());
            pb.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + runtimeApi.getAddress().getPort());
            pb.environment().put("MELANOMA_MODEL_DIR", Path.of("models/efficientnetb4-demo/1").toAbsolutePath().toString());
            pb.environment().put("DISABLE_SIGNAL_HANDLERS", "true");
            p = pb.start();
            assertTrue(answered.await(120, TimeUnit.SECONDS), "the function did not answer both events: " + answers
                    + "\n" + Files.readString(stdout));
        } finally {
            if (p != null) {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
            runtimeApi.stop(0);
        }
        List<JsonNode> emf = TelemetryTest.emf(Files.readAllLines(stdout));
        assertEquals(2, emf.size(), "one EMF line per invocation in:\n" + Files.readString(stdout));
        for (int i = 0; i < 2; i++) {
            JsonNode line = emf.get(i);
            assertEquals(List.of(), EmfSpec.violations(line), line.toString());
            assertEquals(ids.get(i), line.get("requestId").asText(), "the invocation's aws request id");
        }
        assertEquals(200, emf.get(0).get("status").asInt());
        assertEquals(1, emf.get(0).get("ColdStart").asInt(), "the process's first invocation is its cold start");
        assertTrue(emf.get(0).get("InferenceMs").asDouble() > 0, emf.get(0).toString());
        assertEquals("not-an-image", emf.get(1).get("RefusalType").asText());
        assertEquals(0, emf.get(1).get("ColdStart").asInt());
        // and the request's JSON log line on the same stdout carries the same id
        assertTrue(Files.readAllLines(stdout).stream().anyMatch(l -> l.contains("\"loggerName\":\"ai.skinlesion.request\"")
                && l.contains("\"requestId\":\"" + ids.get(0) + "\"")), Files.readString(stdout));
    }
}
