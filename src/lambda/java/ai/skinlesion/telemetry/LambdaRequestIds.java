package ai.skinlesion.telemetry;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import com.amazonaws.services.lambda.runtime.Context;

/**
 * On Lambda the request id is the invocation's aws request id: the one in Lambda's own START/END/REPORT lines,
 * so that a request's log line, its EMF metrics and Lambda's billing line share it. A client's X-Request-Id is
 * not used (API Gateway's own id is in the event); outside an invocation a generated id stands in.
 */
@ApplicationScoped
public class LambdaRequestIds implements RequestIdSource {

    private final Instance<Context> invocation;

    public LambdaRequestIds(Instance<Context> invocation) {
        this.invocation = invocation;
    }

    @Override
    public String requestId(String clientId) {
        Context context = invocation.isResolvable() ? invocation.get() : null;
        String id = context == null ? null : context.getAwsRequestId();
        return id != null && !id.isBlank() ? id : RequestIds.acceptedOrGenerated(null);
    }
}
