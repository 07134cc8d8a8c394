package ai.skinlesion;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.restassured.RestAssured;

/**
 * For integration tests of the Lambda build: the packaged function listens on no port of its own (it polls the
 * Lambda runtime API, which the test JVM serves with Quarkus' mock event server), so {@code @QuarkusIntegrationTest}
 * leaves RestAssured's port unset (-1) and every request would go to port 80. Point RestAssured at the mock event
 * server, which turns plain HTTP requests into API Gateway events, as it does for {@code @QuarkusTest}. A plain
 * HTTP build (-Dhttp) has its port set by Quarkus and is left alone.
 */
public class MockEventServerPort implements BeforeEachCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        if (RestAssured.port <= 0) {
            RestAssured.port = ConfigProvider.getConfig()
                    .getOptionalValue("quarkus.lambda.mock-event-server.test-port", Integer.class).orElse(8081);
        }
    }
}
