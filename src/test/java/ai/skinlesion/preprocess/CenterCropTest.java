package ai.skinlesion.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import ai.skinlesion.decode.Region;

class CenterCropTest {

    @Test
    void halfOfTheShorterSideCentred() {
        assertEquals(new Region(1008, 504, 1008, 1008), new CenterCrop(0.5).regionOf(3024, 2016));
        assertEquals(new Region(504, 1008, 1008, 1008), new CenterCrop(0.5).regionOf(2016, 3024));
    }

    @Test
    void roundsHalfUpAsTheReferenceDoes() {
        // floor(0.5 * 767 + 0.5) = 384; floor(0.5 * 769 + 0.5) = 385
        assertEquals(384, new CenterCrop(0.5).regionOf(1022, 767).width());
        assertEquals(385, new CenterCrop(0.5).regionOf(1022, 769).width());
        assertEquals(new Region(319, 191, 384, 384), new CenterCrop(0.5).regionOf(1022, 767));
    }

    @Test
    void sixtyPercentAt224() {
        assertEquals(new Region(180, 90, 270, 270), new CenterCrop(0.6).regionOf(630, 450));
    }

    @Test
    void wholeImageWhenTheFractionIsOne() {
        assertEquals(new Region(100, 0, 400, 400), new CenterCrop(1.0).regionOf(600, 400));
    }

    @Test
    void refusesANonsenseFraction() {
        assertThrows(IllegalArgumentException.class, () -> new CenterCrop(0));
        assertThrows(IllegalArgumentException.class, () -> new CenterCrop(1.5));
    }
}
