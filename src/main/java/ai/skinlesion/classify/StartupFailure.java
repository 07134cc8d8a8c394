package ai.skinlesion.classify;

import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Says why the service cannot start, where its operator looks: one log line, and on AWS Lambda the Runtime
 * API's init error, which Lambda shows as the function's error. Without this the Lambda poll loop reports only
 * that it was interrupted while waiting for the application to start, and the cause sits in the log.
 */
final class StartupFailure {

    private static final Logger LOG = Logger.getLogger(StartupFailure.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private StartupFailure() {
    }

    static void report(RuntimeException failure, ObjectMapper json) {
        String message = "Cannot start: " + failure.getMessage();
        LOG.error(message);
        String runtimeApi = System.getenv("AWS_LAMBDA_RUNTIME_API");
        if (runtimeApi == null || runtimeApi.isBlank()) {
            return;
        }
        try {
            HttpURLConnection post = (HttpURLConnection) URI
                    .create("http://" + runtimeApi + "/2018-06-01/runtime/init/error").toURL().openConnection();
            post.setRequestMethod("POST");
            post.setConnectTimeout((int) TIMEOUT.toMillis());
            post.setReadTimeout((int) TIMEOUT.toMillis());
            post.setDoOutput(true);
            String type = failure.getClass().getSimpleName();
            post.setRequestProperty("Lambda-Runtime-Function-Error-Type", "Runtime." + type);
            post.setRequestProperty("Content-Type", "application/json");
            byte[] body = json.writeValueAsBytes(json.createObjectNode().put("errorMessage", message)
                    .put("errorType", type));
            try (OutputStream out = post.getOutputStream()) {
                out.write(body);
            }
            post.getResponseCode();
            post.disconnect();
        } catch (IOException e) {
            LOG.warnf("could not report the start-up failure to the Lambda Runtime API: %s", e.getMessage());
        }
    }
}
