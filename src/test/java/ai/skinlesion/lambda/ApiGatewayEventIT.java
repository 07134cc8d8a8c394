package ai.skinlesion.lambda;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * Raw API Gateway events against the packaged Lambda function: the native binary (-Dnative), which polls the
 * Lambda Runtime API itself. A JVM Lambda jar needs AWS's runtime client to poll, so the JVM integration tests
 * run over plain HTTP (-Dhttp) and leave these out (tag "lambda").
 */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class ApiGatewayEventIT extends ApiGatewayEventTest {
}
