package ai.skinlesion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.decode.ImageDecoder;
import ai.skinlesion.decode.ImageFormat;
import ai.skinlesion.decode.OpenedImage;
import ai.skinlesion.decode.Region;
import ai.skinlesion.decode.RgbImage;
import ai.skinlesion.inference.ModelDirectory;
import ai.skinlesion.inference.OnnxClassifier;
import ai.skinlesion.inference.SessionSettings;
import ai.skinlesion.preprocess.Preprocessor;

/**
 * The service's decoding and preprocessing against model-export's reference (TensorFlow ops), on the real
 * photos: for every decodable image the model-size tensor must equal the reference's in every pixel (its PNG, or where the
 * fixtures leave that out, its sha256) and the probability lie within 1e-3 of what the source Keras model gave in
 * TensorFlow. The fixtures are written by
 * {@code melanoma-export reference} (src/test/resources/reference/<model>/). A summary with the worst image
 * goes to target/parity-report*.txt. {@link ReferenceParityTest} runs them on the untrained B4 demo,
 * {@link TrainedModelParityTest} on the default (trained) model.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReferenceParityChecks {

    private final String fixturesDir;
    private final Path modelDir;
    private final int minCompared;
    private final String reportName;
    /** Decoding and the TensorFlow resize are reproduced to the bit: no pixel may differ. */
    private static final int MAX_ABS_PIXEL_DIFF = 0;
    private static final double MAX_ABS_PROBABILITY_DIFF = 1e-3;
    /** Formats the reference reads but this service refuses by design (docs/DESIGN.md). */
    private static final Set<ImageFormat> REFUSED_BY_DESIGN = Set.of(ImageFormat.GIF, ImageFormat.BMP);

    private ModelDirectory model;
    private OnnxClassifier onnx;
    private Preprocessor preprocessor;
    private final List<String> report = new ArrayList<>();

    ReferenceParityChecks(String fixturesDir, Path modelDir, int minCompared, String reportName) {
        this.fixturesDir = fixturesDir;
        this.modelDir = modelDir;
        this.minCompared = minCompared;
        this.reportName = reportName;
    }

    @BeforeAll
    void loadModel() {
        model = ModelDirectory.load(modelDir, new ObjectMapper());
        onnx = OnnxClassifier.open(model, new SessionSettings(0, false));
        preprocessor = new Preprocessor(model.spec().input());
    }

    @AfterAll
    void writeReport() throws Exception {
        onnx.close();
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", reportName), report);
    }

    private JsonNode fixtures() throws IOException {
        try (InputStream in = ReferenceParityChecks.class.getResourceAsStream(fixturesDir + "fixtures.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void fixturesBelongToTheServedModel() throws IOException {
        assertEquals(model.spec().model().sha256(), fixtures().at("/model/sha256").asText(),
                "the fixtures were made for another model.onnx: rerun melanoma-export reference");
    }

    @Test
    void everyReferenceImageMatches() throws Exception {
        JsonNode fixtures = fixtures();
        ImageDecoder decoder = new ImageDecoder(50_000_000, 1);
        FloatBuffer tensor = ByteBuffer.allocateDirect(preprocessor.tensorSize() * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        List<String> failures = new ArrayList<>();
        double worstPixel = -1;
        String worstPixelImage = "";
        double worstProbability = -1;
        String worstProbabilityImage = "";
        int compared = 0;
        int pixelCompared = 0;
        int exact = 0;
        report.add(String.format("%-48s %9s %9s %7s %11s", "image", "meanAbsPx", "maxAbsPx", "exact", "|dProb|"));
        for (JsonNode image : fixtures.get("images")) {
            String file = image.get("file").asText();
            byte[] bytes = TestData.bytes(file);
            assertEquals(image.get("fileSha256").asText(), sha256(bytes), file + " differs from the one the fixtures were made from");
            ImageFormat format = ImageFormat.sniff(bytes).orElseThrow();
            if (REFUSED_BY_DESIGN.contains(format)) {
                report.add(String.format("%-48s refused by design (%s)", file, format));
                continue;
            }
            RgbImage cropped;
            try (OpenedImage opened = decoder.open(bytes)) {
                assertEquals(image.get("orientedWidth").asInt(), opened.width(), file);
                assertEquals(image.get("orientedHeight").asInt(), opened.height(), file);
                Region crop = preprocessor.cropOf(opened.width(), opened.height());
                JsonNode want = image.get("crop");
                assertEquals(new Region(want.get("left").asInt(), want.get("top").asInt(), want.get("size").asInt(),
                        want.get("size").asInt()), crop, file);
                cropped = opened.read(crop);
            }
            float[] ours = preprocessor.resized(cropped);
            String line;
            byte[] ourBytes = toBytes(ours);
            boolean identical = sha256(ourBytes).equals(image.get("tensorSha256").asText());
            if (identical) {
                exact++;
            }
            if (image.hasNonNull("tensor")) {
                byte[] reference = readTensor(image.get("tensor").asText());
                double sum = 0;
                int max = 0;
                for (int i = 0; i < reference.length; i++) {
                    int d = Math.abs((reference[i] & 0xFF) - (ourBytes[i] & 0xFF));
                    sum += d;
                    max = Math.max(max, d);
                }
                double mean = sum / reference.length;
                pixelCompared++;
                if (mean > worstPixel) {
                    worstPixel = mean;
                    worstPixelImage = file;
                }
                if (max > MAX_ABS_PIXEL_DIFF) {
                    failures.add(file + ": mean |dpixel| " + mean + ", max " + max);
                }
                line = String.format("%-48s %9.4f %9d %7s", file, mean, max, identical);
            } else {
                line = String.format("%-48s %9s %9s %7s", file, "-", "-", identical);
                if (!identical) {
                    failures.add(file + ": the tensor's sha256 differs from the reference's");
                }
            }
            preprocessor.toTensor(cropped, tensor);
            double probability = onnx.predict(tensor);
            double dp = Math.abs(probability - image.get("probability").asDouble());
            compared++;
            if (dp > worstProbability) {
                worstProbability = dp;
                worstProbabilityImage = file;
            }
            if (dp > MAX_ABS_PROBABILITY_DIFF) {
                failures.add(file + ": |dprob| " + dp);
            }
            report.add(line + String.format(" %11.3e", dp));
        }
        report.add(String.format("images compared: %d (tensors compared: %d, bit-identical tensors: %d)", compared, pixelCompared, exact));
        report.add(String.format("worst mean |dpixel|: %.4f (%s); worst |dprobability|: %.3e (%s)", worstPixel,
                worstPixelImage, worstProbability, worstProbabilityImage));
        System.out.println(String.join("\n", report.subList(report.size() - 2, report.size())));
        assertTrue(compared >= minCompared, "too few images compared: " + compared);
        if (!failures.isEmpty()) {
            fail("parity broken for " + failures.size() + " images:\n" + String.join("\n", failures));
        }
    }

    @Test
    void imagesTheReferenceCannotDecodeAreRefusedToo() throws IOException {
        ImageDecoder decoder = new ImageDecoder(50_000_000, 1);
        for (JsonNode skipped : fixtures().get("skipped")) {
            String file = skipped.get("file").asText();
            try (OpenedImage opened = decoder.open(TestData.bytes(file))) {
                fail(file + " was skipped by the reference (" + skipped.get("reason").asText() + ") but the service reads it");
            } catch (RejectedInputException expected) {
                report.add(String.format("%-48s refused like the reference: %s", file, expected.rejection()));
            }
        }
    }

    static byte[] toBytes(float[] pixels) {
        byte[] bytes = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            bytes[i] = (byte) Math.round(pixels[i]);
        }
        return bytes;
    }

    private byte[] readTensor(String relative) throws IOException {
        try (InputStream in = ReferenceParityChecks.class.getResourceAsStream(fixturesDir + relative)) {
            Raster raster = ImageIO.read(in).getRaster();
            int[] samples = raster.getPixels(0, 0, raster.getWidth(), raster.getHeight(), (int[]) null);
            byte[] bytes = new byte[samples.length];
            for (int i = 0; i < samples.length; i++) {
                bytes[i] = (byte) samples[i];
            }
            return bytes;
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
