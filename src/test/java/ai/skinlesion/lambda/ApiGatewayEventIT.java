package ai.skinlesion.lambda;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Raw API Gateway events against the packaged application (the jar, or the native binary with -Dnative). */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class ApiGatewayEventIT extends ApiGatewayEventTest {
}
