package ai.skinlesion.ensemble;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;

/** Adaptive mode against the packaged application (the jar, or the native binary with -Dnative). */
@QuarkusIntegrationTest
@TestProfile(AdaptiveModeTest.Profile.class)
@ExtendWith(MockEventServerPort.class)
class AdaptiveModeIT extends AdaptiveModeTest {
}
