package ai.skinlesion.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.skinlesion.modelspec.ModelSpec;

class CalibrationTest {

    @Test
    void withoutCalibrationTheProbabilityIsTheModels() {
        Calibration none = Calibration.of(null);
        assertSame(Calibration.NONE, none);
        assertFalse(none.calibrates());
        assertEquals(0.123456789, none.apply(0.123456789));
    }

    @Test
    void plattIsASigmoidOfTheLogit() {
        Calibration platt = Calibration.of(new ModelSpec.Calibration("platt", 2.0, -1.0, null, null, null));
        assertTrue(platt.calibrates());
        // logit(0.5) = 0: sigmoid(-1)
        assertEquals(1 / (1 + Math.exp(1)), platt.apply(0.5), 1e-15);
        // logit(0.8) = ln 4: sigmoid(2 ln 4 - 1) = 16 / (16 + e)
        assertEquals(16 / (16 + Math.E), platt.apply(0.8), 1e-15);
    }

    @Test
    void plattClipsZeroAndOneSoThatTheirLogitIsFinite() {
        Calibration platt = Calibration.of(new ModelSpec.Calibration("platt", 1.0, 0.0, 1e-3, null, null));
        assertEquals(1e-3, platt.apply(0.0), 1e-12);
        assertEquals(1 - 1e-3, platt.apply(1.0), 1e-12);
        double defaultClip = Calibration.of(new ModelSpec.Calibration("platt", 1.0, 0.0, null, null, null)).apply(1.0);
        assertEquals(1 - Calibration.DEFAULT_EPSILON, defaultClip, 1e-12);
    }

    @Test
    void isotonicInterpolatesBetweenBreakpointsAndClipsOutside() {
        Calibration iso = Calibration.of(new ModelSpec.Calibration("isotonic", null, null, null,
                List.of(0.2, 0.4, 0.9), List.of(0.0, 0.5, 0.75)));
        assertTrue(iso.calibrates());
        assertEquals(0.0, iso.apply(0.0));
        assertEquals(0.0, iso.apply(0.2));
        assertEquals(0.25, iso.apply(0.3), 1e-15);
        assertEquals(0.5, iso.apply(0.4));
        assertEquals(0.625, iso.apply(0.65), 1e-15);
        assertEquals(0.75, iso.apply(0.9));
        assertEquals(0.75, iso.apply(1.0));
    }
}
