package ai.skinlesion.api;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.skinlesion.Deadline;
import ai.skinlesion.classify.LesionClassifier;
import ai.skinlesion.config.ServiceConfig;
import ai.skinlesion.metadata.PatientMetadata;

/**
 * POST /v1/predictions: unwraps the photo and any metadata from the three body shapes clients send
 * ({@link PhotoBodies}, {@link QueryMetadata}), hands them to the classifier and answers what it returns. The same
 * resource answers plain HTTP and API Gateway events on Lambda; what each operation means for clients is in
 * META-INF/openapi.yaml.
 */
@Path("/v1")
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
    public Response predictRaw(byte[] body, @QueryParam(Include.PARAMETER) List<String> include,
            @Context HttpHeaders headers, @Context UriInfo uri) {
        Deadline deadline = Deadline.after(requestTimeout);
        Set<Include> extras = Include.parse(include); // a wrong parameter is answered before the body is looked at
        return predict(PhotoBodies.raw(body, maxImageBytes), QueryMetadata.read(uri), deadline, extras, headers);
    }

    @POST
    @Path("/predictions")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public Response predictMultipart(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @QueryParam(Include.PARAMETER) List<String> include,
            @Context HttpHeaders headers, @Context UriInfo uri) {
        Deadline deadline = Deadline.after(requestTimeout);
        Set<Include> extras = Include.parse(include);
        PatientMetadata query = QueryMetadata.read(uri);
        MultipartImage.Body form = PhotoBodies.multipart(body, contentType, maxImageBytes, true);
        return predict(form.image(), query.with(form.metadata()), deadline, extras, headers);
    }

    @POST
    @Path("/predictions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response predictJson(byte[] body, @QueryParam(Include.PARAMETER) List<String> include,
            @Context HttpHeaders headers, @Context UriInfo uri) {
        Deadline deadline = Deadline.after(requestTimeout);
        Set<Include> extras = Include.parse(include);
        PatientMetadata query = QueryMetadata.read(uri);
        JsonImage.Body json = PhotoBodies.json(body, maxImageBytes);
        return predict(json.image(), query.with(json.metadata()), deadline, extras, headers);
    }

    private Response predict(byte[] image, PatientMetadata metadata, Deadline deadline, Set<Include> extras,
            HttpHeaders headers) {
        SerializedPrediction.requireJsonAccepted(headers); // before the work: the answer's type is known
        PredictionResponse answer = PredictionResponse.of(
                classifier.classify(image, deadline, Include.extras(extras), metadata));
        return Response.ok(SerializedPrediction.of(answer, json)).build();
    }
}
