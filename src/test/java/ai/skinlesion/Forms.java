package ai.skinlesion;

import io.restassured.RestAssured;
import io.restassured.config.MultiPartConfig;
import io.restassured.specification.RequestSpecification;

/**
 * rest-assured requests whose multipart bodies use a fixed boundary. Quarkus' mock event server, which turns a
 * test's HTTP request into an API Gateway event, sends the body as text rather than base64 when the Content-Type
 * contains "json", "xml" or "yaml" anywhere, the boundary parameter included; with rest-assured's random boundary
 * about one form in a few hundred reached the function with its JPEG bytes mangled by UTF-8 decoding, a 422
 * not-an-image (seen twice in CI). A boundary of digits and dashes cannot contain those words.
 */
public final class Forms {

    static final String BOUNDARY = "----------------2026120700000000000000";

    private Forms() {
    }

    public static RequestSpecification given() {
        return RestAssured.given().config(RestAssured.config()
                .multiPartConfig(MultiPartConfig.multiPartConfig().defaultBoundary(BOUNDARY)));
    }
}
