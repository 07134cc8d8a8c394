package ai.skinlesion.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;

class IncludeTest {

    @Test
    void absentOrEmptyMeansNothingExtra() {
        assertEquals(Set.of(), Include.parse(null));
        assertEquals(Set.of(), Include.parse(List.of()));
        assertEquals(Set.of(), Include.parse(List.of("")));
        assertEquals(Set.of(), Include.parse(List.of(" , ")));
    }

    @Test
    void aCommaListInAnyCaseWithBlanksAndRepeats() {
        assertEquals(EnumSet.of(Include.HEATMAP), Include.parse(List.of("heatmap")));
        assertEquals(EnumSet.of(Include.HEATMAP, Include.INPUT), Include.parse(List.of("heatmap,input")));
        assertEquals(EnumSet.of(Include.HEATMAP, Include.INPUT), Include.parse(List.of(" Input , HEATMAP,heatmap ")));
        // a repeated parameter (?include=heatmap&include=input) counts as one list
        assertEquals(EnumSet.of(Include.HEATMAP, Include.INPUT), Include.parse(List.of("heatmap", "input")));
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertEquals(Set.of(), Include.parse(withNull));
    }

    @Test
    void anUnknownNameIsRefusedNamingTheAllowedOnes() {
        RejectedInputException e = assertThrows(RejectedInputException.class,
                () -> Include.parse(List.of("heatmap,gradcam")));
        assertEquals(Rejection.UNKNOWN_INCLUDE, e.rejection());
        assertEquals(400, e.rejection().status());
        assertEquals(List.of("heatmap", "input"), e.extensions().get("allowed"));
        assertTrue(e.getMessage().contains("gradcam") && e.getMessage().contains("heatmap, input"), e.getMessage());
    }

    @Test
    void theUnknownNameIsNotEchoedWhole() {
        String hostile = "x".repeat(500) + "\u0000<script>";
        RejectedInputException e = assertThrows(RejectedInputException.class, () -> Include.parse(List.of(hostile)));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
        assertTrue(!e.getMessage().contains("<script>"), e.getMessage());
    }

    @Test
    void extrasFollowTheSet() {
        assertEquals(true, Include.extras(EnumSet.of(Include.HEATMAP)).heatmap());
        assertEquals(false, Include.extras(EnumSet.of(Include.HEATMAP)).modelInput());
        assertEquals(true, Include.extras(EnumSet.of(Include.INPUT)).modelInput());
    }
}
