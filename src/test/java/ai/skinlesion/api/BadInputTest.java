package ai.skinlesion.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.skinlesion.Forms;
import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** Every kind of bad input gets a 4xx application/problem+json answer that says what to fix. */
@QuarkusTest
class BadInputTest {

    static final int TEST_MAX_IMAGE_BYTES = 4 * 1024 * 1024;

    private static ValidatableResponse post(RequestSpecification request, int status, String problem) {
        Response response = request.when().post("/v1/predictions");
        assertEquals(status, response.statusCode(), () -> "answer: " + abbreviated(response.asString()));
        return response.then()
                .contentType("application/problem+json")
                .body("type", equalTo("urn:problem-type:melanoma:" + problem))
                .body("status", equalTo(status))
                .body("title", not(emptyString()))
                .body("detail", not(emptyString()))
                // never a stack trace
                .body(not(containsString("Exception")))
                .body(not(containsString("\tat ")));
    }

    @Test
    void emptyBody() {
        post(given().contentType("image/jpeg").body(new byte[0]), 400, "empty-body");
    }

    private static String abbreviated(String s) {
        return s.length() > 500 ? s.substring(0, 500) + "..." : s;
    }

    @Test
    void missingContentType() throws Exception {
        // RestAssured always labels a body, so send this one with the JDK's client, which does not.
        HttpResponse<String> answer = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/v1/predictions"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(TestData.bytes("dermoscopy/ISIC_0000000.jpg")))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(415, answer.statusCode(), answer.body());
        assertEquals("application/problem+json", answer.headers().firstValue("content-type").orElse(""));
        assertTrue(answer.body().contains("urn:problem-type:melanoma:unsupported-media-type"), answer.body());
    }

    @Test
    void wrongContentType() {
        post(given().contentType("text/plain").body("hello"), 415, "unsupported-media-type")
                .body("detail", containsString("image/jpeg"));
    }

    @Test
    void notAnImage() {
        post(given().contentType("image/jpeg").body("this is plain text, not a photo".getBytes()), 422, "not-an-image");
    }

    @Test
    void truncatedJpeg() {
        post(given().contentType("image/jpeg").body(TestData.bytes("broken/truncated.jpg")), 422, "corrupt-image");
    }

    @Test
    void truncatedPng() {
        post(given().contentType("image/png").body(TestData.bytes("broken/truncated.png")), 422, "corrupt-image");
    }

    @Test
    void jpegCutInsideItsExifHeader() {
        post(given().contentType("image/jpeg").body(TestData.bytes("broken/jpeg-corrupt-header.jpg")), 422, "corrupt-image");
    }

    @Test
    void corruptHuffmanTable() {
        post(given().contentType("image/jpeg").body(TestData.bytes("broken/jpeg-bad-huffman-table.jpg")), 422, "corrupt-image");
    }

    @Test
    void realPhotoCutInHalf() {
        byte[] photo = TestData.bytes("dermoscopy/ISIC_0024310.jpg");
        post(given().contentType("image/jpeg").body(Arrays.copyOf(photo, photo.length / 2)), 422, "corrupt-image");
    }

    /** The test profile lowers the limit to 4 MiB (application.properties); the default is 10 MiB. */
    @Test
    void tooManyBytes() {
        byte[] big = new byte[TEST_MAX_IMAGE_BYTES + 1];
        new Random(1).nextBytes(big);
        big[0] = (byte) 0xFF;
        big[1] = (byte) 0xD8;
        big[2] = (byte) 0xFF;
        post(given().contentType("image/jpeg").body(big), 413, "too-many-bytes")
                .body("maxBytes", equalTo(TEST_MAX_IMAGE_BYTES));
    }

    /**
     * Over the HTTP body limit (quarkus.http.limits.max-body-size, 8 MB in tests), before the resource sees a
     * byte: the HTTP server's refusal (a bare 413 and an "Unhandled exception in router" error, found in dev mode)
     * must be the same problem+json as the service's own. On the Lambda path the request reaches the router
     * without a Content-Length, so this is the refusal while the body is read.
     */
    @Test
    void overTheHttpBodyLimit() {
        byte[] huge = new byte[8 * 1024 * 1024 + 1];
        huge[0] = (byte) 0xFF;
        huge[1] = (byte) 0xD8;
        huge[2] = (byte) 0xFF;
        post(given().contentType("image/jpeg").body(huge), 413, "too-many-bytes").body("maxBytes", equalTo(8 * 1024 * 1024));
    }

    @Test
    void pngDecompressionBombIsRefusedFromItsHeader() {
        post(given().contentType("image/png").body(TestData.bytes("broken/png-bomb-65536x65536.png")), 422, "too-many-pixels")
                .body("width", equalTo(65536))
                .body("maxPixels", equalTo(50_000_000));
    }

    @Test
    void jpegDecompressionBombIsRefusedFromItsHeader() {
        post(given().contentType("image/jpeg").body(TestData.bytes("broken/jpeg-header-65535x65535.jpg")), 422, "too-many-pixels");
    }

    @Test
    void valid280MegapixelJpegIsOverThePixelLimit() {
        post(given().contentType("image/jpeg").body(TestData.bytes("formats/huge-20000x14000-gray.jpg")), 422, "too-many-pixels");
    }

    @Test
    void tooSmall() {
        post(given().contentType("image/jpeg").body(TestData.bytes("formats/tiny-1x1.jpg")), 422, "image-too-small")
                .body("minSide", equalTo(64));
        post(given().contentType("image/jpeg").body(TestData.bytes("formats/very-wide-1000x1.jpg")), 422, "image-too-small");
    }

    @Test
    void heicAndAvifAreNamedAndRefusedHoweverTheyAreDeclared() {
        for (String declared : List.of("image/heic", "image/heif", "image/heic-sequence", "image/jpeg",
                "application/octet-stream")) {
            post(given().contentType(declared).body(TestData.bytes("formats/heic-hevc.heic")), 415,
                    "unsupported-image-format")
                    .body("received", equalTo("image/heic"))
                    .body("detail", containsString("JPEG"))
                    .body("detail", containsString("Most Compatible"));
        }
        post(given().contentType("image/avif").body(TestData.bytes("formats/avif-wide-4096x800.avif")), 415,
                "unsupported-image-format").body("received", equalTo("image/avif"));
    }

    @Test
    void theBytesDecideNotTheLabel() {
        // a phone app that labels every upload image/heic still gets its JPEG read
        given().contentType("image/heic").body(TestData.bytes("dermoscopy/ISIC_0000000.jpg"))
                .when().post("/v1/predictions").then().statusCode(200);
        post(given().contentType("image/svg+xml").body("<svg xmlns='http://www.w3.org/2000/svg'/>"), 422, "not-an-image");
    }

    @Test
    void losslessJpegIsRefusedAsUnsupported() {
        post(given().contentType("image/jpeg").body(TestData.bytes("formats/jpeg-lossless-sof3.jpg")), 415, "unsupported-image-format")
                .body("detail", containsString("lossless"));
    }

    @Test
    void gifIsRefusedAsUnsupported() {
        post(given().contentType("image/jpeg").body(TestData.bytes("broken/gif-bomb-65535x66601.gif")), 415, "unsupported-image-format");
    }

    @Test
    void malformedMultipart() {
        byte[] cut = "--XYZ\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nabc".getBytes();
        post(given().contentType("multipart/form-data; boundary=XYZ").body(cut), 400, "malformed-multipart");
        post(given().contentType("multipart/form-data").body("no boundary at all".getBytes()), 400, "malformed-multipart");
    }

    @Test
    void multipartWithoutAnImagePart() {
        post(Forms.given().multiPart("photo", "x.jpg", TestData.bytes("dermoscopy/ISIC_0000000.jpg"), "image/jpeg"),
                400, "missing-image-part");
    }

    @Test
    void malformedJson() {
        post(given().contentType("application/json").body("{\"image\": "), 400, "malformed-json");
        post(given().contentType("application/json").body("[1, 2, 3]"), 400, "malformed-json");
        post(given().contentType("application/json").body("{\"picture\": \"abc\"}"), 400, "malformed-json");
    }

    @Test
    void deeplyNestedJsonIsRefusedCheaply() {
        String nested = "{\"a\":".repeat(5000) + "1" + "}".repeat(5000);
        post(given().contentType("application/json").body(nested), 400, "malformed-json");
    }

    @Test
    void malformedBase64() {
        post(given().contentType("application/json").body("{\"image\": \"not*base64*at*all\"}"), 400, "malformed-base64");
    }

    @Test
    void unknownPathIsAProblemToo() {
        given().when().get("/v1/nothing-here")
                .then().statusCode(404).contentType("application/problem+json");
    }
}
