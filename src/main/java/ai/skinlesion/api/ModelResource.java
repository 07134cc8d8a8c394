package ai.skinlesion.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.classify.LesionClassifier;
import ai.skinlesion.inference.ModelCard;

/** GET /v1/model and /v1/model/card: what the deployed model is, as its directory describes it. */
@Path("/v1/model")
public class ModelResource {

    private final LesionClassifier classifier;

    public ModelResource(LesionClassifier classifier) {
        this.classifier = classifier;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public JsonNode model() {
        JsonNode spec = classifier.specJson();
        if (classifier.modelCard().isEmpty()) {
            return spec;
        }
        return ((ObjectNode) spec.deepCopy()).put("modelCard", "/v1/model/card");
    }

    @GET
    @Path("/card")
    @Produces(ModelCard.MEDIA_TYPE)
    public String modelCard() {
        return classifier.modelCard().map(ModelCard::text).orElseThrow(() -> new RejectedInputException(
                Rejection.NOT_FOUND, "This model directory has no " + ModelCard.FILE + " (melanoma-export evaluate writes one)."));
    }
}
