package ai.skinlesion.api;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * Privacy against the packaged application (the plain-HTTP jar, or the native binary with -Dnative). It runs with
 * the same java.io.tmpdir as this test JVM (pom.xml: quarkus.test.arg-line) and with the test profile, whose log
 * file (target/quarkus-test.log) the launcher deletes before it starts the application and reads to find its port:
 * what the test reads there is the packaged application's log only.
 */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class PrivacyIT extends PrivacyTest {
}
