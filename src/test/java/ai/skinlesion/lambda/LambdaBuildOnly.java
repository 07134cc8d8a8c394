package ai.skinlesion.lambda;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * API Gateway events exist only in the Lambda build (the default Maven profile); the plain HTTP build (-Dhttp),
 * which the JVM integration tests run against, has no /_lambda_ endpoint and no Lambda extension on its class path.
 */
public class LambdaBuildOnly implements ExecutionCondition {

    private static final String LAMBDA_HTTP = "io.quarkus.amazon.lambda.http.LambdaHttpHandler";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        try {
            Class.forName(LAMBDA_HTTP, false, LambdaBuildOnly.class.getClassLoader());
            return ConditionEvaluationResult.enabled("Lambda build");
        } catch (ClassNotFoundException e) {
            return ConditionEvaluationResult.disabled("plain HTTP build (-Dhttp): no API Gateway events");
        }
    }
}
