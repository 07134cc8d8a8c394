package ai.skinlesion.api;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same tests against the packaged application (the jar, or the native binary with -Dnative). */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class ExtrasAndQualityIT extends ExtrasAndQualityTest {
}
