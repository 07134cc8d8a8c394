package ai.skinlesion.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which request paths the API key guards: every spelling of /v1, nothing else. */
class ApiKeyFilterTest {

    @ParameterizedTest
    @ValueSource(strings = { "/v1", "/v1/", "/v1/predictions", "/v1/model", "//v1/predictions", "/v1//predictions",
            "/./v1/predictions", "/x/../v1/predictions", "/V1/predictions", "/v1;a=b/predictions",
            "/%76%31/predictions", "/v1%2Fpredictions", "/v1/%2e%2e/v1/predictions", "/v1/predictions?x=1" })
    void guarded(String path) {
        assertTrue(ApiKeyFilter.isProtected(URI.create("http://h" + path)), path);
    }

    @ParameterizedTest
    @ValueSource(strings = { "/", "/index.html", "/q/health", "/q/health/ready", "/q/openapi", "/v10/x", "/v1x",
            "/app/v1/predictions", "/v1/../q/health" })
    void open(String path) {
        assertFalse(ApiKeyFilter.isProtected(URI.create("http://h" + path)), path);
    }
}
