package ai.skinlesion.api;

import java.util.Map;

import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.decode.ImageFormat;

/**
 * The one place where failures become HTTP answers, all as application/problem+json. Rejected input is the
 * client's to fix (4xx). Nothing here echoes request bytes, and no stack trace reaches a client.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response rejected(RejectedInputException e) {
        // One line, no bytes of the image: enough to count rejections by type.
        LOG.debugf("rejected: %s", e.rejection());
        return Problem.response(e.rejection(), e.getMessage(), e.extensions());
    }

    @ServerExceptionMapper
    public Response unsupportedMediaType(NotSupportedException e) {
        return Problem.response(Rejection.UNSUPPORTED_MEDIA_TYPE,
                "Send the photo as image/jpeg, image/png or image/webp (raw body), as multipart/form-data with a part named"
                        + " \"image\", or as application/json {\"image\": \"<base64>\"}.",
                Map.of("supported", ImageFormat.SUPPORTED));
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return Problem.response(Rejection.NOT_FOUND, "No such resource. The API is POST /v1/predictions, POST /v1/quality and GET"
                + " /v1/model; it is described at /q/openapi.", Map.of());
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return Problem.response(Rejection.METHOD_NOT_ALLOWED, "This resource does not answer that method.", Map.of());
    }

    @ServerExceptionMapper
    public Response notAcceptable(NotAcceptableException e) {
        return Problem.response(Rejection.NOT_ACCEPTABLE, "Answers are application/json.", Map.of());
    }

    @ServerExceptionMapper
    public Response otherWebError(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        // The framework also reports these as plain WebApplicationExceptions (an Accept it cannot serve: 406).
        switch (status) {
            case 404:
                return notFound(null);
            case 405:
                return notAllowed(null);
            case 406:
                return notAcceptable(null);
            case 415:
                return unsupportedMediaType(null);
            default:
                break;
        }
        if (status >= 400 && status < 500) {
            String reason = e.getResponse().getStatusInfo().getReasonPhrase();
            return Problem.response(status, reason, "The request was refused (" + status + " " + reason + ")."
                    + " The API is described at /q/openapi.");
        }
        return internal(e);
    }

    /** A bug, not bad input: logged with its trace here, answered without it. */
    @ServerExceptionMapper
    public Response internal(Throwable e) {
        LOG.error("Unexpected failure while answering a request", e);
        return Problem.response(500, "Internal error", "The service failed on this request; it has been logged.");
    }
}
