package ai.skinlesion.api;

import java.util.List;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A prediction answer already written as JSON, with the answer it was written from. The bytes go out whole
 * ({@link SerializedPredictionWriter}): an answer with the heatmap and input PNGs is about a megabyte, and streamed
 * by Jackson through the Lambda HTTP adapter it never completes (quarkusio/quarkus#44551). The answer itself
 * stays readable for the request log and metrics.
 */
public record SerializedPrediction(PredictionResponse answer, byte[] json) {

    static SerializedPrediction of(PredictionResponse answer, ObjectMapper mapper) {
        try {
            return new SerializedPrediction(answer, mapper.writeValueAsBytes(answer));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the answer could not be written as JSON", e);
        }
    }

    /**
     * The framework's own Accept negotiation does not see an answer handed on as bytes, so it is done here: an Accept
     * without JSON is a 406, one that cannot be parsed a 400.
     */
    static void requireJsonAccepted(HttpHeaders headers) {
        List<MediaType> accepted;
        try {
            accepted = headers.getAcceptableMediaTypes();
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("The Accept header cannot be parsed.");
        }
        if (accepted.stream().noneMatch(m -> m.isCompatible(MediaType.APPLICATION_JSON_TYPE))) {
            throw new NotAcceptableException();
        }
    }
}
