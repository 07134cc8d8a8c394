package ai.skinlesion.web;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The page's files in the packaged application (the plain-HTTP jar, or the native binary with -Dnative). Like the
 * other *IT, it reaches the Lambda build through the mock event server's port ({@link MockEventServerPort}); without
 * it RestAssured's port stays unset and every request goes to port 80.
 */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class WebAssetsIT extends WebAssetsTest {
}
