package ai.skinlesion;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.decode.ImageDecoder;
import ai.skinlesion.decode.ImageFormat;
import ai.skinlesion.decode.OpenedImage;
import ai.skinlesion.inference.ModelDirectory;
import ai.skinlesion.preprocess.Preprocessor;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * Decoding parity through the packaged application (with -Dnative the native binary, whose JPEG decoder is the
 * libjavajpeg.so and libjpeg the build put beside it): for every photo of the reference fixtures that the service
 * reads (JPEG and PNG; WebP, GIF and BMP are refused by design), the probability the service answers must equal the
 * one model-export's reference recorded for it, the source Keras model in TensorFlow on TensorFlow's own decoding,
 * within 1e-4.
 * <p>
 * That bound holds because the service's decoding and preprocessing reproduce each photo's 384x384 tensor bit for bit
 * (the fixtures' tensorSha256, checked here in the test JVM with the service's own classes, and pixel by pixel in
 * ReferenceParityTest); a photo whose tensor differs is a failure of its own, reported with the 1e-3 bound its
 * probability then has to meet.
 */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class ReferenceParityIT {

    private static final String FIXTURES = "/reference/efficientnetb4-demo/fixtures.json";
    private static final double SAME_TENSOR_MAX_DIFF = 1e-4;
    private static final double OTHER_TENSOR_MAX_DIFF = 1e-3;
    /** melanoma.limits.min-side's default: smaller photos are answered 422 (BadInputTest covers that). */
    private static final int SERVICE_MIN_SIDE = 64;
    @Test
    void everyDecodablePhotoGetsTheReferenceProbability() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode fixtures;
        try (InputStream in = ReferenceParityIT.class.getResourceAsStream(FIXTURES)) {
            fixtures = json.readTree(in);
        }
        ModelDirectory model = ModelDirectory.load(Path.of("models/efficientnetb4-demo/1"), json);
        Preprocessor preprocessor = new Preprocessor(model.spec().input());
        ImageDecoder decoder = new ImageDecoder(50_000_000, 1);
        List<String> failures = new ArrayList<>();
        List<String> otherTensor = new ArrayList<>();
        int compared = 0;
        double worst = 0;
        String worstFile = "";
        double worstOther = 0;
        for (JsonNode image : fixtures.get("images")) {
            String file = image.get("file").asText();
            byte[] bytes = TestData.bytes(file);
            ImageFormat format = ImageFormat.sniff(bytes).orElseThrow();
            if (!format.supported()) {
                continue; // WebP, GIF, BMP: refused by design (ReferenceParityTest checks the refusal)
            }
            if (Math.min(image.get("orientedWidth").asInt(), image.get("orientedHeight").asInt()) < SERVICE_MIN_SIDE) {
                continue; // refused as too small by the service's configured limit, not a parity question
            }
            String body = given().contentType(format.mediaType()).body(bytes)
                    .when().post("/v1/predictions")
                    .then().statusCode(200).extract().asString();
            double d = Math.abs(json.readTree(body).get("malignantProbability").asDouble()
                    - image.get("probability").asDouble());
            compared++;
            boolean sameTensor;
            try (OpenedImage opened = decoder.open(bytes)) {
                float[] tensor = preprocessor.resized(opened.read(preprocessor.cropOf(opened.width(), opened.height())));
                sameTensor = ReferenceParityChecks.sha256(ReferenceParityChecks.toBytes(tensor))
                        .equals(image.get("tensorSha256").asText());
            }
            double limit = sameTensor ? SAME_TENSOR_MAX_DIFF : OTHER_TENSOR_MAX_DIFF;
            if (!sameTensor) {
                otherTensor.add(file);
                worstOther = Math.max(worstOther, d);
            } else if (d > worst) {
                worst = d;
                worstFile = file;
            }
            if (d > limit) {
                failures.add(String.format("%s: |dprobability| %.2e > %.0e", file, d, limit));
            }
        }
        System.out.printf("reference parity (%s): %d photos; %d with the reference's tensor: worst"
                + " |dprobability| %.2e (%s); %d without, worst %.2e: %s%n", MockEventServerPort.artifactType(), compared,
                compared - otherTensor.size(), worst, worstFile, otherTensor.size(), worstOther, otherTensor);
        assertTrue(compared >= 60, "too few photos compared: " + compared);
        assertTrue(otherTensor.isEmpty(), "the tensor differs from the reference's for " + otherTensor);
        if (!failures.isEmpty()) {
            fail(failures.size() + " photos off the reference:\n" + String.join("\n", failures));
        }
    }
}
