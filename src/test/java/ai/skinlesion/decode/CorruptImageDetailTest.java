package ai.skinlesion.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.TestData;

/**
 * A damaged photo's answer says what the client can act on, in our words; the decoder's own message (library
 * internals: class names, offsets, the JVM's helpful NullPointerException text) stays out of it, as MultipartImage
 * keeps Netty's out. The broken files of the test photo folder, decoded as the service decodes them.
 */
class CorruptImageDetailTest {

    private static final ImageDecoder DECODER = new ImageDecoder(50_000_000, 64);

    @Test
    void theDecodersOwnWordsDoNotReachTheClient() throws IOException {
        List<String> withLibraryText = new ArrayList<>();
        try (Stream<Path> files = Files.list(TestData.path("broken"))) {
            for (Path file : files.sorted().toList()) {
                RejectedInputException refused = refusal(Files.readAllBytes(file));
                if (refused == null || refused.rejection() != Rejection.CORRUPT_IMAGE) {
                    continue; // refused from the header (format, size), by our own checks, or decoded after all
                }
                String detail = refused.getMessage(); // ours: the decoder's failure, or our own truncation check
                for (Throwable t = refused.getCause(); t != null; t = t.getCause()) {
                    if (t.getMessage() != null && !t.getMessage().isBlank()) {
                        withLibraryText.add(file.getFileName() + ": " + t);
                        assertFalse(detail.contains(t.getMessage()), file.getFileName() + ": " + detail);
                    }
                    assertFalse(detail.contains(t.getClass().getSimpleName()), file.getFileName() + ": " + detail);
                }
            }
        }
        // the check means something only if some decoder failed with words of its own
        assertFalse(withLibraryText.isEmpty(), "no broken file made a decoder say why");
        System.out.println("decoder messages kept from clients: " + withLibraryText);
    }

    @Test
    void aCorruptImagesAnswerIsTheSameWhateverTheDecoderSaid() {
        RejectedInputException a = ImageDecoder.corrupt(ImageFormat.JPEG, new javax.imageio.IIOException("Bogus Huffman table definition"));
        RejectedInputException b = ImageDecoder.corrupt(ImageFormat.JPEG, new NullPointerException());
        assertEquals(a.getMessage(), b.getMessage());
        assertEquals(Rejection.CORRUPT_IMAGE, a.rejection());
    }

    private static RejectedInputException refusal(byte[] bytes) {
        try (OpenedImage opened = DECODER.open(bytes)) {
            opened.read(new Region(0, 0, opened.width(), opened.height()));
            return null;
        } catch (RejectedInputException e) {
            return e;
        }
    }
}
