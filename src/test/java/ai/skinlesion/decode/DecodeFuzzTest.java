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
 * Two targets: every format through sniffing ({@code decodeAndPreprocess}), and WebP alone ({@code decodeWebp}).
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
        decodeAndCheck(input);
    }

    /**
     * libwebp alone (native code behind JNI, where a bug crashes the process rather than throwing): input that does
     * not begin with a RIFF WebP header gets one, so every mutation reaches the chunk parser and the bitstream
     * decoders instead of dying in format sniffing.
     */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decodeWebp(byte[] input) {
        decodeAndCheck(isWebp(input) ? input : inRiffWebp(input));
    }

    private static boolean isWebp(byte[] b) {
        return b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E'
                && b[10] == 'B' && b[11] == 'P';
    }

    private static byte[] inRiffWebp(byte[] chunks) {
        return ByteBuffer.allocate(12 + chunks.length).order(ByteOrder.LITTLE_ENDIAN).put((byte) 'R').put((byte) 'I')
                .put((byte) 'F').put((byte) 'F').putInt(4 + chunks.length).put((byte) 'W').put((byte) 'E')
                .put((byte) 'B').put((byte) 'P').put(chunks).array();
    }

    private static void decodeAndCheck(byte[] input) {
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
