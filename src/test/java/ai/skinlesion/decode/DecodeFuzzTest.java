package ai.skinlesion.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.Deadline;
import ai.skinlesion.RejectedInputException;
import ai.skinlesion.inference.ModelDirectory;
import ai.skinlesion.preprocess.Preprocessor;

/**
 * Fuzzes the photo's path from bytes to the model's input: format sniffing, header and segment parsing, the
 * pixel and size checks, region decoding with EXIF orientation, colour conversion, crop, resize and
 * normalisation, with the demo model's preprocessing. Any outcome other than a prediction-ready tensor or a
 * {@link RejectedInputException} is a finding: another exception, a non-finite input value, an
 * OutOfMemoryError (the fuzzing JVM's heap is small on purpose) or an input that runs past the per-input timeout
 * although the decode has a 1 s deadline.
 * <p>
 * Without JAZZER_FUZZ this replays the committed inputs in DecodeFuzzTestInputs/ as a regression test. With
 * JAZZER_FUZZ=1 it fuzzes (bench/fuzz.sh). The pixel limit is 4 megapixels rather than the service's 50, so that
 * each run takes milliseconds; the code paths are the same.
 */
class DecodeFuzzTest {

    private static final ImageDecoder DECODER = new ImageDecoder(4_000_000, 64);
    private static final Preprocessor PREPROCESSOR = new Preprocessor(
            ModelDirectory.load(Path.of("models/efficientnetb4-demo/1"), new ObjectMapper()).spec().input());
    private static final FloatBuffer TENSOR = ByteBuffer.allocateDirect(PREPROCESSOR.tensorSize() * Float.BYTES)
            .order(ByteOrder.nativeOrder()).asFloatBuffer();

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decodeAndPreprocess(byte[] input) {
        try (OpenedImage opened = DECODER.open(input, Deadline.after(Duration.ofSeconds(1)))) {
            Region crop = PREPROCESSOR.cropOf(opened.width(), opened.height());
            RgbImage pixels = opened.read(crop);
            assertTrue(pixels.width() == crop.width() && pixels.height() == crop.height(), "decoded " + pixels.width()
                    + "x" + pixels.height() + " for a crop of " + crop);
            TENSOR.clear();
            PREPROCESSOR.toTensor(pixels, TENSOR);
            for (int i = 0; i < TENSOR.limit(); i += 97) {
                assertTrue(Float.isFinite(TENSOR.get(i)), "non-finite model input at " + i);
            }
        } catch (RejectedInputException expected) {
            // a clear refusal is the right answer to a broken file
        }
    }
}
