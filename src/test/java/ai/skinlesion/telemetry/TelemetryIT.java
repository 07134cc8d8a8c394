package ai.skinlesion.telemetry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The same against the packaged application: the plain-HTTP jar (/q/metrics) or the native Lambda binary, whose
 * stdout the launcher writes to target/quarkus-test.log (PrivacyIT), where its EMF lines are read.
 */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class TelemetryIT extends TelemetryTest {

    private static final Path OUTPUT = Path.of("target/quarkus-test.log");

    @Override
    protected List<JsonNode> emfLinesDuring(Runnable requests) throws IOException {
        int before = (int) Files.size(OUTPUT);
        requests.run();
        byte[] all = Files.readAllBytes(OUTPUT);
        String written = new String(all, before, all.length - before, StandardCharsets.UTF_8);
        return emf(written.lines().toList());
    }
}
