package ai.skinlesion.telemetry;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.event.Event;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import ai.skinlesion.api.PredictionResponse;
import ai.skinlesion.api.SerializedPrediction;
import ai.skinlesion.classify.LesionClassifier;
import ai.skinlesion.classify.Timings;
import ai.skinlesion.modelspec.ModelSpec;

/**
 * One log line per request, and the {@link RequestOutcome} that the packaging's metrics observe. The request id is
 * set in the MDC first (before the API key check), so that every line logged while answering carries it, and it is
 * echoed in the answer's X-Request-Id. The line has the status, the refusal type, the stage timings and the model,
 * read from the answer's entity: the request's body is never looked at here.
 */
public class RequestLogFilter {

    static final String MDC_REQUEST_ID = "requestId";
    private static final Logger LOG = Logger.getLogger("ai.skinlesion.request");
    private static final String STARTED = RequestLogFilter.class.getName() + ".started";
    private static final String ID = RequestLogFilter.class.getName() + ".id";
    private static final String PROBLEM_PREFIX = "urn:problem-type:melanoma:";
    private static final String[] LINE_FIELDS = { "status", "outcome", "decodeMs", "preprocessMs", "inferenceMs",
            "totalMs", "durationMs", "model", "modelVersion", "coldStart" };
    private static final AtomicBoolean FIRST = new AtomicBoolean(true);

    private final RequestIdSource ids;
    private final LesionClassifier classifier;
    private final Event<RequestOutcome> outcomes;

    public RequestLogFilter(RequestIdSource ids, LesionClassifier classifier, Event<RequestOutcome> outcomes) {
        this.ids = ids;
        this.classifier = classifier;
        this.outcomes = outcomes;
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 100)
    public void start(ContainerRequestContext request) {
        String id = ids.requestId(request.getHeaderString(RequestIds.HEADER));
        request.setProperty(STARTED, System.nanoTime());
        request.setProperty(ID, id);
        MDC.put(MDC_REQUEST_ID, id);
    }

    @ServerResponseFilter
    public void finish(ContainerRequestContext request, ContainerResponseContext response) {
        Object started = request.getProperty(STARTED);
        String id = (String) request.getProperty(ID);
        if (!(started instanceof Long t0) || id == null) {
            return; // not seen by the request filter (an answer the framework wrote before it)
        }
        response.getHeaders().putSingle(RequestIds.HEADER, id);
        double durationMs = Math.round((System.nanoTime() - t0) / 1e4) / 100.0;
        int status = response.getStatus();
        Timings timings = null;
        Double probability = null;
        String outcome;
        if (response.getEntity() instanceof SerializedPrediction serialized) {
            PredictionResponse p = serialized.answer();
            outcome = RequestOutcome.PREDICTION;
            PredictionResponse.TimingsMs t = p.timingsMs();
            timings = new Timings(t.decode(), t.preprocess(), t.inference(), t.extras(), t.total());
            probability = p.malignantProbability();
        } else {
            outcome = refusalType(response.getEntity(), status);
        }
        ModelSpec spec = classifier.spec();
        RequestOutcome o = new RequestOutcome(id, request.getMethod(), request.getUriInfo().getPath(), status,
                outcome, timings, probability, spec.name(), spec.version(), FIRST.getAndSet(false), durationMs);
        log(o);
        outcomes.fire(o);
    }

    /** The problem type's slug; other answers by their status ({@code ok} below 400). */
    static String refusalType(Object entity, int status) {
        if (entity instanceof Map<?, ?> problem && problem.get("type") instanceof String type
                && type.startsWith(PROBLEM_PREFIX)) {
            return type.substring(PROBLEM_PREFIX.length());
        }
        if (status >= 500) {
            return "internal-error";
        }
        return status < 400 ? "ok" : "http-" + status;
    }

    private static void log(RequestOutcome o) {
        MDC.put("status", Integer.toString(o.status()));
        MDC.put("outcome", o.outcome());
        if (o.timings() != null) {
            MDC.put("decodeMs", Double.toString(o.timings().decode()));
            MDC.put("preprocessMs", Double.toString(o.timings().preprocess()));
            MDC.put("inferenceMs", Double.toString(o.timings().inference()));
            MDC.put("totalMs", Double.toString(o.timings().total()));
        }
        MDC.put("durationMs", Double.toString(o.durationMs()));
        MDC.put("model", o.modelName());
        MDC.put("modelVersion", o.modelVersion());
        MDC.put("coldStart", Boolean.toString(o.coldStart()));
        try {
            LOG.infof("%s %s %d %s %.1f ms", o.method(), o.path(), o.status(), o.outcome(), o.durationMs());
        } finally {
            for (String field : LINE_FIELDS) {
                MDC.remove(field);
            }
        }
    }
}
