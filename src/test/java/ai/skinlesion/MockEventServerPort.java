package ai.skinlesion;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.restassured.RestAssured;

/**
 * For integration tests of the Lambda build: the packaged function listens on no port of its own (it polls the
 * Lambda runtime API, which the test JVM serves with Quarkus' mock event server), so {@code @QuarkusIntegrationTest}
 * leaves RestAssured's port unset (-1) and every request would go to port 80. Point RestAssured at the mock event
 * server, which turns plain HTTP requests into API Gateway events, as it does for {@code @QuarkusTest}. A plain
 * HTTP build (-Dhttp) has its port set by Quarkus and is left alone.
 * <p>
 * The Lambda build's JVM jar cannot be tested this way at all: Quarkus starts its poll loop only in a native image
 * (and in dev and test mode); on AWS's Java runtime, AWS calls the handler instead. Its requests would wait for
 * ever, so those tests are skipped with a pointer to the builds that can be tested: -Dhttp and -Dnative.
 */
public class MockEventServerPort implements BeforeEachCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        if (RestAssured.port > 0) {
            return;
        }
        Assumptions.assumeTrue("native".equals(artifactType()), "the Lambda build's JVM jar does not poll the runtime API"
                + " outside AWS: run the integration tests against -Dhttp (the plain HTTP jar) or -Dnative");
        RestAssured.port = ConfigProvider.getConfig()
                .getOptionalValue("quarkus.lambda.mock-event-server.test-port", Integer.class).orElse(8081);
    }

    /** "native" for the native binary, "jar" for the packaged JVM application (target/quarkus-artifact.properties). */
    public static String artifactType() {
        Properties artifact = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("target/quarkus-artifact.properties"))) {
            artifact.load(in);
        } catch (IOException e) {
            return "unknown";
        }
        return artifact.getProperty("type", "unknown");
    }
}
