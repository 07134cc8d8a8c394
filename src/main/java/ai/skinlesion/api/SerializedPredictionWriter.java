package ai.skinlesion.api;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;

import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;

import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveResourceInfo;
import org.jboss.resteasy.reactive.server.spi.ServerMessageBodyWriter;
import org.jboss.resteasy.reactive.server.spi.ServerRequestContext;

/**
 * Ends the response with a {@link SerializedPrediction}'s bytes in one call, as the framework's own byte[] writer
 * does (an OutputStream would be written in chunks, the path that stalls through the Lambda adapter). It produces
 * JSON only, so a client that accepts no JSON still gets the framework's 406, as with any other answer.
 */
@Provider
@Produces(MediaType.APPLICATION_JSON)
public class SerializedPredictionWriter implements ServerMessageBodyWriter<SerializedPrediction> {

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, ResteasyReactiveResourceInfo target, MediaType mediaType) {
        return SerializedPrediction.class.equals(type);
    }

    @Override
    public void writeResponse(SerializedPrediction answer, Type genericType, ServerRequestContext context) {
        context.serverResponse().end(answer.json());
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return SerializedPrediction.class.equals(type);
    }

    @Override
    public void writeTo(SerializedPrediction answer, Class<?> type, Type genericType, Annotation[] annotations,
            MediaType mediaType, MultivaluedMap<String, Object> headers, OutputStream out) throws IOException {
        out.write(answer.json());
    }
}
