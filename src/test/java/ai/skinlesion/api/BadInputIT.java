package ai.skinlesion.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same tests against the packaged application (the jar, or the native binary with -Dnative). */
@QuarkusIntegrationTest
class BadInputIT extends BadInputTest {
}
