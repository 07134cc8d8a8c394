package ai.skinlesion.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import ai.skinlesion.Deadline;
import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.hostile.SyntheticJpeg;
import ai.skinlesion.hostile.SyntheticPng;

/**
 * The request time limit stops a decoder that is kept busy on purpose, and spares honest photos. Measured
 * here (2 cores): a 7000 x 7000 progressive JPEG of 500 empty AC scans (133 KB) takes 26 s to decode without
 * a limit, so 5000 such scans (440 KB, under every byte limit) would hold a core for about four minutes.
 */
class DecodeDeadlineTest {

    private final ImageDecoder decoder = new ImageDecoder(50_000_000, 64);

    private RgbImage decodeCentre(byte[] image, Deadline deadline) {
        try (OpenedImage opened = decoder.open(image, deadline)) {
            int side = Math.min(opened.width(), opened.height()) / 2;
            return opened.read(new Region((opened.width() - side) / 2, (opened.height() - side) / 2, side, side));
        }
    }

    @Test
    void aProgressiveJpegWithThousandsOfScansIsStoppedAtTheDeadline() {
        byte[] bomb = SyntheticJpeg.progressiveScanBomb(7000, 7000, 5000);
        long start = System.nanoTime();
        RejectedInputException e = assertThrows(RejectedInputException.class,
                () -> decodeCentre(bomb, Deadline.after(Duration.ofSeconds(1))));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(Rejection.TOO_SLOW, e.rejection(), e.getMessage());
        assertEquals(1.0, e.extensions().get("limitSeconds"));
        System.out.printf("scan bomb (%d bytes) stopped after %.2f s, limit 1 s%n", bomb.length, seconds);
        assertTrue(seconds < 2.0, "stopped after " + seconds + " s, limit 1 s");
    }

    @Test
    void aPngIsStoppedWhileItsRowsAreInflated() {
        byte[] png = SyntheticPng.flat(7000, 7000);
        RejectedInputException e = assertThrows(RejectedInputException.class,
                () -> decodeCentre(png, Deadline.after(Duration.ofMillis(30))));
        assertEquals(Rejection.TOO_SLOW, e.rejection(), e.getMessage());
    }

    @Test
    void honestLargeImagesFinishWellWithinTheDefaultLimit() {
        Deadline tenSeconds = Deadline.after(Duration.ofSeconds(10));
        RgbImage jpeg = decodeCentre(SyntheticJpeg.flat(7000, 7000, 3), tenSeconds);
        assertEquals(3500, jpeg.width());
        assertEquals(128, jpeg.green(100, 100));
        RgbImage png = decodeCentre(SyntheticPng.flat(7000, 7000), tenSeconds);
        assertEquals(3500, png.height());
        assertFalse(tenSeconds.passed());
    }

    @Test
    void noDeadlineNeverPasses() {
        assertFalse(Deadline.NONE.passed());
        assertEquals(Long.MAX_VALUE, Deadline.NONE.remainingNanos());
        Deadline.NONE.check("anything");
    }
}
