package ai.skinlesion.api;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;

/** The API key against the packaged application (the plain-HTTP jar, or the native binary with -Dnative). */
@QuarkusIntegrationTest
@TestProfile(ApiKeyTest.WithApiKey.class)
@ExtendWith(MockEventServerPort.class)
class ApiKeyIT extends ApiKeyTest {
}
