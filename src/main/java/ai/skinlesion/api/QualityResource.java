package ai.skinlesion.api;

import java.time.Duration;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import ai.skinlesion.Deadline;
import ai.skinlesion.classify.LesionClassifier;
import ai.skinlesion.config.ServiceConfig;

/**
 * The image-quality check alone, for a camera screen that checks a photo before the user sends it: the same body
 * shapes as /v1/predictions, decoded and preprocessed the same way, and the model is never run.
 */
@Path("/v1/quality")
public class QualityResource {

    private final LesionClassifier classifier;
    private final int maxImageBytes;
    private final Duration requestTimeout;

    public QualityResource(LesionClassifier classifier, ServiceConfig config) {
        this.classifier = classifier;
        this.maxImageBytes = config.limits().maxImageBytes();
        this.requestTimeout = config.limits().requestTimeout();
    }

    @POST
    // Every image/* type, so that the bytes decide (a JPEG labelled image/heic is read as JPEG) and a real HEIC,
    // WebP or AVIF, however declared, gets the 415 that names its format and how to avoid it.
    @Consumes({ "image/*", MediaType.APPLICATION_OCTET_STREAM })
    @Produces(MediaType.APPLICATION_JSON)
    public QualityResponse checkRaw(byte[] body) {
        Deadline deadline = Deadline.after(requestTimeout);
        return check(PhotoBodies.raw(body, maxImageBytes), deadline);
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public QualityResponse checkMultipart(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        Deadline deadline = Deadline.after(requestTimeout);
        return check(PhotoBodies.multipartImage(body, contentType, maxImageBytes), deadline);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public QualityResponse checkJson(byte[] body) {
        Deadline deadline = Deadline.after(requestTimeout);
        return check(PhotoBodies.jsonImage(body, maxImageBytes), deadline);
    }

    private QualityResponse check(byte[] image, Deadline deadline) {
        return QualityResponse.of(classifier.checkQuality(image, deadline));
    }
}
