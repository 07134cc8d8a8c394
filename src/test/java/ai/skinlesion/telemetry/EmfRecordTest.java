package ai.skinlesion.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.classify.Timings;

class EmfRecordTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOW = 1_790_000_000_000L;

    private static JsonNode line(RequestOutcome o) throws Exception {
        // as written to stdout: one line, parsed back
        String text = JSON.writeValueAsString(EmfRecord.of(o, NOW, JSON));
        assertFalse(text.contains("\n"), text);
        return JSON.readTree(text);
    }

    @Test
    void aPredictionHasItsStageLatenciesAndItsProbabilityBucket() throws Exception {
        JsonNode emf = line(new RequestOutcome("a1b2", "POST", "/v1/predictions", 200, RequestOutcome.PREDICTION,
                new Timings(12.5, 3.25, 240.0, null, 256.0), 0.734, "efficientnetb4-demo", "1", true, 260.1));
        assertEquals(List.of(), EmfSpec.violations(emf), emf.toString());
        assertEquals(240.0, emf.get("InferenceMs").asDouble());
        assertEquals(12.5, emf.get("DecodeMs").asDouble());
        assertEquals(1, emf.get("ColdStart").asInt());
        assertEquals(0, emf.get("Refusals").asInt());
        assertEquals("0.7-0.8", emf.get("ProbabilityBucket").asText());
        assertEquals("efficientnetb4-demo/1", emf.get("Model").asText());
        assertEquals("a1b2", emf.get("requestId").asText());
        assertEquals(NOW, emf.get("_aws").get("Timestamp").asLong());
    }

    @Test
    void aRefusalIsCountedByItsType() throws Exception {
        JsonNode emf = line(new RequestOutcome("c3d4", "POST", "/v1/predictions", 422, "corrupt-image", null, null,
                "efficientnetb4-demo", "1", false, 4.0));
        assertEquals(List.of(), EmfSpec.violations(emf), emf.toString());
        assertEquals("corrupt-image", emf.get("RefusalType").asText());
        assertEquals(1, emf.get("Refusals").asInt());
        assertFalse(emf.has("InferenceMs"));
        assertFalse(emf.has("ProbabilityBucket"));
        boolean byType = false;
        for (JsonNode d : emf.get("_aws").get("CloudWatchMetrics")) {
            byType |= d.get("Dimensions").get(0).toString().equals("[\"Model\",\"RefusalType\"]");
        }
        assertTrue(byType, emf.toString());
    }

    @Test
    void bucketsSplitTheProbabilityInTenths() {
        assertEquals("0.0-0.1", RequestOutcome.bucketOf(0.0));
        assertEquals("0.4-0.5", RequestOutcome.bucketOf(0.4999));
        assertEquals("0.5-0.6", RequestOutcome.bucketOf(0.5));
        assertEquals("0.9-1.0", RequestOutcome.bucketOf(1.0));
    }

    /** The validator itself must catch what CloudWatch would reject, or the tests above prove nothing. */
    @Test
    void theValidatorRejectsWhatCloudWatchWouldNotExtract() throws Exception {
        assertFalse(EmfSpec.violations(JSON.readTree("{\"Requests\":1}")).isEmpty());
        assertFalse(EmfSpec.violations(JSON.readTree("{\"_aws\":{\"Timestamp\":" + NOW + ",\"CloudWatchMetrics\":"
                + "[{\"Namespace\":\"N\",\"Dimensions\":[[\"Model\"]],\"Metrics\":[{\"Name\":\"Requests\"}]}]},"
                + "\"Requests\":\"1\",\"Model\":\"m\"}")).isEmpty(), "a metric value that is a string");
        assertFalse(EmfSpec.violations(JSON.readTree("{\"_aws\":{\"Timestamp\":" + NOW + ",\"CloudWatchMetrics\":"
                + "[{\"Namespace\":\"N\",\"Dimensions\":[[\"Model\"]],\"Metrics\":[{\"Name\":\"Requests\"}]}]},"
                + "\"Requests\":1}")).isEmpty(), "a dimension that is not in the root");
        assertFalse(EmfSpec.violations(JSON.readTree("{\"_aws\":{\"Timestamp\":" + NOW + ",\"CloudWatchMetrics\":"
                + "[{\"Namespace\":\"N\",\"Dimensions\":[],\"Metrics\":[{\"Name\":\"Requests\",\"Unit\":\"ms\"}]}]},"
                + "\"Requests\":1}")).isEmpty(), "an unknown unit");
    }
}
