package ai.skinlesion.ensemble;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;

/** The ensemble with dihedral8 against the packaged application (the jar, or the native binary with -Dnative). */
@QuarkusIntegrationTest
@TestProfile(EnsembleTtaTest.Profile.class)
@ExtendWith(MockEventServerPort.class)
class EnsembleTtaIT extends EnsembleTtaTest {
}
