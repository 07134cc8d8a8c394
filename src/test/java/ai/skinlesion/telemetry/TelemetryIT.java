package ai.skinlesion.telemetry;

import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The same against the packaged application: the plain-HTTP jar (/q/metrics) or the native Lambda binary. The
 * launcher does not keep the binary's stdout, where its EMF lines go: {@link EmfNativeIT} runs the binary itself
 * and reads them.
 */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class TelemetryIT extends TelemetryTest {

    @Override
    protected List<JsonNode> emfLinesDuring(Runnable requests) {
        Assumptions.abort("the launcher does not keep the packaged application's stdout: EmfNativeIT reads it");
        return List.of();
    }
}
