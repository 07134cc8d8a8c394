package ai.skinlesion.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;

/**
 * The SIIM-ISIC 2020 encoding as its winners fed it (sex male 1 / female 0 / missing −1, age / 90 with 0 for missing,
 * the six sites one-hot and a seventh column for missing), value by value, and every refusal naming the field and
 * what it allows.
 */
class MetadataEncodingTest {

    static final MetadataEncoding ISIC = MetadataEncoding.ISIC2020;

    static float[] encode(Map<String, String> sent) {
        return ISIC.encode(new PatientMetadata(sent)).vector();
    }

    @Test
    void nothingSentIsTheMissingEncoding() {
        assertArrayEquals(new float[] { -1, 0, 0, 0, 0, 0, 0, 0, 1 }, encode(Map.of()));
    }

    @Test
    void eachFieldGoesToItsColumns() {
        assertArrayEquals(new float[] { 1, 55 / 90f, 0, 0, 0, 1, 0, 0, 0 },
                encode(Map.of("sex", "male", "age", "55", "site", "torso")));
        assertArrayEquals(new float[] { 0, 30 / 90f, 1, 0, 0, 0, 0, 0, 0 },
                encode(Map.of("sex", "female", "age", "30", "site", "head/neck")));
        String[] sites = { "head/neck", "upper extremity", "lower extremity", "torso", "palms/soles", "oral/genital" };
        for (int i = 0; i < sites.length; i++) {
            float[] expected = { -1, 0, 0, 0, 0, 0, 0, 0, 0 };
            expected[2 + i] = 1;
            assertArrayEquals(expected, encode(Map.of("site", sites[i])), sites[i]);
        }
        assertArrayEquals(new float[] { -1, 80 / 90f, 0, 0, 0, 0, 0, 0, 1 }, encode(Map.of("age", "80")));
        assertArrayEquals(new float[] { -1, 42.5f / 90, 0, 0, 0, 0, 0, 0, 1 }, encode(Map.of("age", "42.5")));
    }

    @Test
    void textMatchesWhateverItsCaseAndSeparators() {
        float[] canonical = encode(Map.of("sex", "female", "site", "upper extremity"));
        assertArrayEquals(canonical, encode(Map.of("sex", "Female", "site", "upper_extremity")));
        assertArrayEquals(canonical, encode(Map.of("sex", " FEMALE ", "site", "Upper-Extremity")));
        assertArrayEquals(encode(Map.of("site", "head/neck")), encode(Map.of("site", "head neck")));
    }

    @Test
    void theEchoUsesTheDeclaredSpellingAndListsWhatWasMissing() {
        MetadataEncoding.Encoded e = ISIC.encode(new PatientMetadata(Map.of("site", "PALMS_SOLES", "age", "55")));
        assertEquals("palms/soles", e.used().get("site"));
        assertEquals(55L, e.used().get("age"));
        assertEquals(List.of("sex"), e.missing());
    }

    @Test
    void aBlankValueIsMissing() {
        assertArrayEquals(encode(Map.of()), encode(Map.of("sex", "", "age", " ", "site", "")));
    }

    @Test
    void wrongValuesAreRefusedNamingTheFieldAndTheAllowedValues() {
        RejectedInputException sex = refused(Map.of("sex", "unknown"));
        assertEquals("sex", sex.extensions().get("field"));
        assertEquals(List.of("male", "female"), sex.extensions().get("allowed"));
        assertTrue(sex.getMessage().contains("male"), sex.getMessage());
        RejectedInputException site = refused(Map.of("site", "back"));
        assertEquals("site", site.extensions().get("field"));
        assertEquals(6, ((List<?>) site.extensions().get("allowed")).size());
        for (String age : new String[] { "-1", "121", "fifty", "NaN", "Infinity", "1e400" }) {
            RejectedInputException e = refused(Map.of("age", age));
            assertEquals("age", e.extensions().get("field"), age);
            assertEquals(List.of("0..120"), e.extensions().get("allowed"), age);
        }
    }

    @Test
    void aFieldTheModelDoesNotTakeIsRefused() {
        RejectedInputException e = refused(Map.of("fitzpatrick", "3"));
        assertEquals("fitzpatrick", e.extensions().get("field"));
        assertEquals(List.of("age", "sex", "site"), e.extensions().get("allowed"));
    }

    @Test
    void aFieldGivenInTheQueryAndTheBodyIsRefused() {
        RejectedInputException e = assertThrows(RejectedInputException.class,
                () -> new PatientMetadata(Map.of("age", "50")).with(new PatientMetadata(Map.of("age", "51"))));
        assertEquals(Rejection.INVALID_METADATA, e.rejection());
    }

    private static RejectedInputException refused(Map<String, String> sent) {
        RejectedInputException e = assertThrows(RejectedInputException.class,
                () -> ISIC.encode(new PatientMetadata(sent)));
        assertEquals(Rejection.INVALID_METADATA, e.rejection());
        assertEquals(422, e.rejection().status());
        return e;
    }
}
