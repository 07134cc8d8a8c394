package ai.skinlesion.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One request as a CloudWatch Embedded Metric Format object: written as one line to stdout on Lambda, CloudWatch
 * Logs turns it into metrics without an API call. Namespace {@value #NAMESPACE}; every metric has the dimension
 * {@code Model} (name/version); refusals are also counted by {@code RefusalType} (the problem type slug) and
 * predictions by {@code ProbabilityBucket} (a tenth of the probability: a histogram with ten buckets).
 * The request id and status are plain properties, searchable in CloudWatch Logs Insights but not dimensions.
 * Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
public final class EmfRecord {

    public static final String NAMESPACE = "Melanoma";

    private EmfRecord() {
    }

    public static ObjectNode of(RequestOutcome o, long timestampMs, ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", timestampMs);
        ArrayNode directives = aws.putArray("CloudWatchMetrics");
        root.put("Model", o.modelName() + "/" + o.modelVersion());

        ObjectNode perModel = directive(directives, "Model");
        metric(perModel, root, "Requests", "Count", 1);
        metric(perModel, root, "ColdStart", "Count", o.coldStart() ? 1 : 0);
        metric(perModel, root, "Refusals", "Count", o.refused() ? 1 : 0);
        metric(perModel, root, "RequestMs", "Milliseconds", o.durationMs());
        if (o.timings() != null) {
            metric(perModel, root, "DecodeMs", "Milliseconds", o.timings().decode());
            metric(perModel, root, "PreprocessMs", "Milliseconds", o.timings().preprocess());
            metric(perModel, root, "InferenceMs", "Milliseconds", o.timings().inference());
            metric(perModel, root, "TotalMs", "Milliseconds", o.timings().total());
        }
        if (o.probability() != null) {
            metric(perModel, root, "MalignantProbability", "None", o.probability());
            root.put("ProbabilityBucket", RequestOutcome.bucketOf(o.probability()));
            ObjectNode buckets = directive(directives, "Model", "ProbabilityBucket");
            metric(buckets, root, "Predictions", "Count", 1);
        }
        if (o.refused()) {
            root.put("RefusalType", o.outcome());
            ObjectNode byType = directive(directives, "Model", "RefusalType");
            metric(byType, root, "Refusals", "Count", 1);
        }
        root.put("requestId", o.requestId());
        root.put("status", o.status());
        return root;
    }

    private static ObjectNode directive(ArrayNode directives, String... dimensions) {
        ObjectNode d = directives.addObject();
        d.put("Namespace", NAMESPACE);
        ArrayNode set = d.putArray("Dimensions").addArray();
        for (String dimension : dimensions) {
            set.add(dimension);
        }
        d.putArray("Metrics");
        return d;
    }

    /** Declares the metric in the directive and sets its value on the root (once, if two directives share it). */
    private static void metric(ObjectNode directive, ObjectNode root, String name, String unit, double value) {
        ((ArrayNode) directive.get("Metrics")).addObject().put("Name", name).put("Unit", unit);
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            root.put(name, (long) value);
        } else {
            root.put(name, value);
        }
    }
}
