package ai.skinlesion.telemetry;

import java.io.PrintStream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Lambda's metrics: each request's {@link EmfRecord} as one line on stdout, which Lambda sends to CloudWatch Logs,
 * where the embedded metric directives become CloudWatch metrics (no PutMetricData call, no extra latency). Written
 * straight to stdout, not through the JSON log formatter: CloudWatch only reads a line that is the EMF object itself.
 */
@ApplicationScoped
public class EmfMetrics {

    private final ObjectMapper json;

    public EmfMetrics(ObjectMapper json) {
        this.json = json;
    }

    void record(@Observes RequestOutcome outcome) throws JsonProcessingException {
        String line = json.writeValueAsString(EmfRecord.of(outcome, System.currentTimeMillis(), json));
        PrintStream out = System.out; // looked up each time: a test may have replaced it
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
