package ai.skinlesion.metadata;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;

/** The metadata model against the packaged application (the jar, or the native binary with -Dnative). */
@QuarkusIntegrationTest
@TestProfile(MetadataModelTest.Profile.class)
@ExtendWith(MockEventServerPort.class)
class MetadataModelIT extends MetadataModelTest {
}
