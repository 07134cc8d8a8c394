package ai.skinlesion.lambda;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Raw API Gateway events against the packaged application (the jar, or the native binary with -Dnative). */
@QuarkusIntegrationTest
class ApiGatewayEventIT extends ApiGatewayEventTest {
}
