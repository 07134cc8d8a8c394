package ai.skinlesion.telemetry;

import jakarta.enterprise.context.ApplicationScoped;

/** Over plain HTTP: the client's X-Request-Id when sane (a proxy's id carries through), else a random UUID. */
@ApplicationScoped
public class GeneratedRequestIds implements RequestIdSource {

    @Override
    public String requestId(String clientId) {
        return RequestIds.acceptedOrGenerated(clientId);
    }
}
