package ai.skinlesion.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.skinlesion.Deadline;
import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.classify.LesionClassifier;
import ai.skinlesion.config.ServiceConfig;
import ai.skinlesion.inference.ModelCard;
import ai.skinlesion.metadata.PatientMetadata;

/**
 * The HTTP face of the classifier: it only unwraps the photo from the three body shapes clients send and
 * hands it on. The same resource answers plain HTTP and API Gateway events on Lambda.
 */
@Path("/v1")
@Tag(name = "Predictions")
public class PredictionResource {

    private final LesionClassifier classifier;
    private final int maxImageBytes;
    private final Duration requestTimeout;
    private final ObjectMapper json;

    public PredictionResource(LesionClassifier classifier, ServiceConfig config, ObjectMapper json) {
        this.classifier = classifier;
        this.json = json;
        this.maxImageBytes = config.limits().maxImageBytes();
        this.requestTimeout = config.limits().requestTimeout();
    }

    @POST
    @Path("/predictions")
    // Every image/* type, so that the bytes decide (a JPEG labelled image/heic is read as JPEG) and a real HEIC,
    // WebP or AVIF, however declared, gets the 415 that names its format and how to avoid it.
    @Consumes({ "image/*", MediaType.APPLICATION_OCTET_STREAM })
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Classify one photo sent as the raw body",
            description = "The body is the image file itself. The format is read from the bytes, not from the"
                    + " Content-Type. Not a diagnosis.")
    @RequestBody(content = {
            @Content(mediaType = "image/jpeg", schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary")),
            @Content(mediaType = "image/png", schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary")) })
    @APIResponse(responseCode = "200", description = "The prediction",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PredictionResponse.class),
                    examples = { @ExampleObject(name = "benign", value = Examples.PREDICTION),
                            @ExampleObject(name = "ensemble", value = Examples.ENSEMBLE_PREDICTION) }))
    @APIResponse(responseCode = "400", description = "Empty body; an unknown include value; include=heatmap with a model"
            + " without a class activation map", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "413", description = "Too many bytes", content = @Content(mediaType = Problem.MEDIA_TYPE,
            examples = @ExampleObject(name = "too large", value = Examples.TOO_MANY_BYTES)))
    @APIResponse(responseCode = "415", description = "Unsupported Content-Type or image format (HEIC, WebP, ...)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, examples = @ExampleObject(name = "HEIC", value = Examples.HEIC)))
    @APIResponse(responseCode = "401", description = "An API key is configured and the X-API-Key header does not carry it",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "422", description = "Patient metadata with a wrong field or value (invalid-metadata);"
            + " not an image, corrupt, too many pixels, too small, or too slow to decode; or, with melanoma.quality.refuse on, failing the quality check (poor-quality)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, examples = {
                    @ExampleObject(name = "bomb", value = Examples.TOO_MANY_PIXELS),
                    @ExampleObject(name = "wrong metadata", value = Examples.INVALID_METADATA),
                    @ExampleObject(name = "poor quality", value = Examples.POOR_QUALITY) }))
    @APIResponse(responseCode = "429", description = "Too many photos waiting to be decoded; retry after the Retry-After seconds",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Response predictRaw(byte[] body, @QueryParam(Include.PARAMETER) @Parameter(description = INCLUDE) List<String> include,
            // documented here; read by queryMetadata together with any field a model declares
            @QueryParam("age") @Parameter(description = AGE) String age,
            @QueryParam("sex") @Parameter(description = SEX) String sex,
            @QueryParam("site") @Parameter(description = SITE) String site,
            @Context HttpHeaders headers, @Context UriInfo uri) {
        Deadline deadline = Deadline.after(requestTimeout);
        Set<Include> extras = Include.parse(include); // a wrong parameter is answered before the body is looked at
        return predict(PhotoBodies.raw(body, maxImageBytes), queryMetadata(uri), deadline, extras, headers);
    }

    static final String AGE = "Optional patient metadata: age in years (0..120). Also a multipart field or the JSON"
            + " body's metadata object. Wrong values: 422 invalid-metadata.";
    static final String SEX = "Optional patient metadata: male or female.";
    static final String SITE = "Optional patient metadata: anatomic site, one of head/neck, upper extremity, lower"
            + " extremity, torso, palms/soles, oral/genital.";

    /**
     * Every query parameter but the API's own ({@code include}) is a metadata field, so that a mistyped one
     * ({@code ?gender=female}) is refused by the model's encoding, naming it, as in a JSON body. A field given more
     * than once is refused.
     */
    private static PatientMetadata queryMetadata(UriInfo uri) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, List<String>> parameter : uri.getQueryParameters().entrySet()) {
            String field = parameter.getKey();
            List<String> given = parameter.getValue();
            if (Include.PARAMETER.equals(field) || given == null || given.isEmpty()) {
                continue;
            }
            if (given.size() > 1) {
                throw new RejectedInputException(Rejection.INVALID_METADATA, "The metadata field \"" + field
                        + "\" is given " + given.size() + " times; give it once.", Map.of("field", field));
            }
            values.put(field, given.get(0));
        }
        return new PatientMetadata(values);
    }

    static final String INCLUDE = "Extras to add, comma-separated: heatmap (class activation map as a grid and a PNG"
            + " over the model's input square), input (the model's input square as a PNG). Unknown names: 400"
            + " unknown-include; heatmap with a model that has no class activation map: 400 heatmap-unavailable."
            + " With melanoma.quality.refuse on, a photo failing the quality check is answered 422 poor-quality.";

    @POST
    @Path("/predictions")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Classify one photo sent as a form upload", description = "A multipart/form-data body"
            + " with the photo in a part named \"image\", as an HTML form or `curl -F image=@photo.jpg` sends it.")
    @RequestBody(content = @Content(mediaType = MediaType.MULTIPART_FORM_DATA, schema = @Schema(implementation = Upload.class)))
    @APIResponse(responseCode = "200", description = "The prediction",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PredictionResponse.class)))
    @APIResponse(responseCode = "400", description = "Malformed multipart or no part named image",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Response predictMultipart(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @QueryParam(Include.PARAMETER) @Parameter(description = INCLUDE) List<String> include,
            @Context HttpHeaders headers, @Context UriInfo uri) {
        Deadline deadline = Deadline.after(requestTimeout);
        Set<Include> extras = Include.parse(include);
        PatientMetadata query = queryMetadata(uri);
        MultipartImage.Body form = PhotoBodies.multipart(body, contentType, maxImageBytes, true);
        return predict(form.image(), query.with(form.metadata()), deadline, extras, headers);
    }

    @POST
    @Path("/predictions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Classify one photo sent as base64 in JSON",
            description = "{\"image\": \"<base64 of the JPEG or PNG file>\"}, as mobile apps send it. Whitespace, a"
                    + " data: URL prefix and the URL-safe alphabet are accepted. Optional patient metadata:"
                    + " \"metadata\": {\"age\": 55, \"sex\": \"female\", \"site\": \"torso\"}.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Base64Image.class),
            examples = @ExampleObject(name = "base64", value = "{\"image\": \"/9j/4AAQSkZJRgABAQAAAQABAAD...\"}")))
    @APIResponse(responseCode = "200", description = "The prediction",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PredictionResponse.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON or base64", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Response predictJson(byte[] body, @QueryParam(Include.PARAMETER) @Parameter(description = INCLUDE) List<String> include,
            @Context HttpHeaders headers, @Context UriInfo uri) {
        Deadline deadline = Deadline.after(requestTimeout);
        Set<Include> extras = Include.parse(include);
        PatientMetadata query = queryMetadata(uri);
        JsonImage.Body json = PhotoBodies.json(body, maxImageBytes);
        return predict(json.image(), query.with(json.metadata()), deadline, extras, headers);
    }

    @GET
    @Path("/model")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The model's spec", description = "model.json as model-export wrote it: name, version,"
            + " sha256, whether it is trained, its preprocessing and its parity figures, the threshold and how it was"
            + " chosen (decision.chosenBy), the calibration and the evaluation figures; plus modelCard, the path of the"
            + " model card, when the model directory has one.")
    public JsonNode model() {
        JsonNode spec = classifier.specJson();
        if (classifier.modelCard().isEmpty()) {
            return spec;
        }
        return ((ObjectNode) spec.deepCopy()).put("modelCard", "/v1/model/card");
    }

    @GET
    @Path("/model/card")
    @Produces(ModelCard.MEDIA_TYPE)
    @Operation(summary = "The model card", description = "MODEL_CARD.md of the model directory, as"
            + " `melanoma-export evaluate` wrote it: intended use, training and evaluation data, figures, subgroups,"
            + " known limits.")
    @APIResponse(responseCode = "200", description = "The card (Markdown)", content = @Content(mediaType = ModelCard.MEDIA_TYPE))
    @APIResponse(responseCode = "404", description = "The model directory has no card", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public String modelCard() {
        return classifier.modelCard().map(ModelCard::text).orElseThrow(() -> new RejectedInputException(
                Rejection.NOT_FOUND, "This model directory has no " + ModelCard.FILE + " (melanoma-export evaluate writes one)."));
    }

    /**
     * The answer is serialised here, whole, and handed on as bytes ({@link SerializedPrediction}: why); the media type
     * is left to the framework, so that an Accept without JSON is still a 406.
     */
    private Response predict(byte[] image, PatientMetadata metadata, Deadline deadline, Set<Include> extras,
            HttpHeaders headers) {
        // checked here because the answer is handed on already serialised, past the framework's own negotiation
        List<MediaType> accepted;
        try {
            accepted = headers.getAcceptableMediaTypes();
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("The Accept header cannot be parsed.");
        }
        if (accepted.stream().noneMatch(m -> m.isCompatible(MediaType.APPLICATION_JSON_TYPE))) {
            throw new NotAcceptableException();
        }
        PredictionResponse answer = PredictionResponse.of(
                classifier.classify(image, deadline, Include.extras(extras), metadata));
        try {
            return Response.ok(new SerializedPrediction(answer, json.writeValueAsBytes(answer))).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the answer could not be written as JSON", e);
        }
    }


    @Schema(name = "Upload")
    public record Upload(@Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary",
            description = "The photo (JPEG or PNG)") String image,
            @Schema(description = "Optional: age in years, 0..120", nullable = true) String age,
            @Schema(description = "Optional: male or female", nullable = true) String sex,
            @Schema(description = "Optional: anatomic site (see PatientMetadata)", nullable = true) String site) {
    }

    @Schema(name = "Base64Image")
    public record Base64Image(@Schema(description = "The photo file (JPEG or PNG), base64-encoded", required = true) String image,
            @Schema(description = "Optional patient metadata; fields not known are left out", nullable = true) MetadataIn metadata) {
    }

    @Schema(name = "PatientMetadata", description = "Fields not known are left out (encoded as missing)")
    public record MetadataIn(@Schema(description = "Years, 0..120", example = "55") Double age,
            @Schema(enumeration = { "male", "female" }, example = "female") String sex,
            @Schema(enumeration = { "head/neck", "upper extremity", "lower extremity", "torso", "palms/soles",
                    "oral/genital" }, example = "torso") String site) {
    }
}
