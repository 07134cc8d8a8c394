package ai.skinlesion.api;

import java.nio.file.Path;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * Privacy against the packaged application (the plain-HTTP jar, or the native binary with -Dnative). It runs with
 * the same java.io.tmpdir as this test JVM (pom.xml: quarkus.test.arg-line), and its launcher logs to
 * target/quarkus.log.
 */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class PrivacyIT extends PrivacyTest {

    @Override
    Path logFile() {
        return Path.of("target/quarkus.log");
    }
}
