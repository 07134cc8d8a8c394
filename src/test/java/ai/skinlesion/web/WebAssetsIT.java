package ai.skinlesion.web;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The page's files in the packaged application (the jar, or the native binary with -Dnative). */
@QuarkusIntegrationTest
class WebAssetsIT extends WebAssetsTest {
}
