package ai.skinlesion.telemetry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The rules of the CloudWatch Embedded Metric Format specification that a log line must meet for CloudWatch to
 * extract its metrics (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * a root object whose {@code _aws} has a {@code Timestamp} (milliseconds since the epoch) and a non-empty
 * {@code CloudWatchMetrics} array of directives; each directive a {@code Namespace} of 1 to 255 characters, a
 * {@code Dimensions} array of dimension sets (arrays of at most 30 names, each a string member of the root, of 1 to
 * 1024 characters) and at most 100 {@code Metrics}, each with a {@code Name} of 1 to 255 characters that is a
 * numeric member of the root (or an array of at most 100 numbers), an optional {@code Unit} from CloudWatch's list
 * and an optional {@code StorageResolution} of 1 or 60.
 */
final class EmfSpec {

    static final Set<String> UNITS = Set.of("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
            "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent",
            "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
            "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
            "Count/Second", "None");

    private EmfSpec() {
    }

    /** Every rule the object breaks; empty when CloudWatch would extract its metrics. */
    static List<String> violations(JsonNode root) {
        List<String> v = new ArrayList<>();
        if (root == null || !root.isObject()) {
            return List.of("not a JSON object");
        }
        JsonNode aws = root.get("_aws");
        if (aws == null || !aws.isObject()) {
            return List.of("no _aws object");
        }
        JsonNode ts = aws.get("Timestamp");
        if (ts == null || !ts.isIntegralNumber() || ts.asLong() < 1_500_000_000_000L) {
            v.add("_aws.Timestamp must be milliseconds since the epoch: " + ts);
        }
        JsonNode directives = aws.get("CloudWatchMetrics");
        if (directives == null || !directives.isArray() || directives.isEmpty()) {
            v.add("_aws.CloudWatchMetrics must be a non-empty array");
            return v;
        }
        for (JsonNode d : directives) {
            JsonNode ns = d.get("Namespace");
            if (ns == null || !ns.isTextual() || ns.asText().isEmpty() || ns.asText().length() > 255) {
                v.add("Namespace must be a string of 1 to 255 characters: " + ns);
            }
            JsonNode dims = d.get("Dimensions");
            if (dims == null || !dims.isArray()) {
                v.add("Dimensions must be an array of dimension sets");
            } else {
                for (JsonNode set : dims) {
                    if (!set.isArray() || set.size() > 30) {
                        v.add("a dimension set must be an array of at most 30 names: " + set);
                        continue;
                    }
                    for (JsonNode name : set) {
                        JsonNode value = root.get(name.asText());
                        if (!name.isTextual() || value == null || !value.isTextual() || value.asText().isEmpty()
                                || value.asText().length() > 1024) {
                            v.add("dimension " + name + " must name a root member holding a string of 1 to 1024 characters");
                        }
                    }
                }
            }
            JsonNode metrics = d.get("Metrics");
            if (metrics == null || !metrics.isArray() || metrics.size() > 100) {
                v.add("Metrics must be an array of at most 100 metric definitions");
                continue;
            }
            Set<String> names = new HashSet<>();
            for (JsonNode m : metrics) {
                JsonNode name = m.get("Name");
                if (name == null || !name.isTextual() || name.asText().isEmpty() || name.asText().length() > 255) {
                    v.add("metric Name must be a string of 1 to 255 characters: " + m);
                    continue;
                }
                if (!names.add(name.asText())) {
                    v.add("metric " + name + " defined twice in one directive");
                }
                JsonNode value = root.get(name.asText());
                boolean numeric = value != null && (value.isNumber()
                        || value.isArray() && value.size() <= 100 && allNumbers(value));
                if (!numeric) {
                    v.add("metric " + name + " must be a numeric root member (or an array of at most 100 numbers): " + value);
                }
                JsonNode unit = m.get("Unit");
                if (unit != null && !UNITS.contains(unit.asText())) {
                    v.add("metric " + name + " has an unknown Unit " + unit);
                }
                JsonNode resolution = m.get("StorageResolution");
                if (resolution != null && resolution.asInt() != 1 && resolution.asInt() != 60) {
                    v.add("metric " + name + " StorageResolution must be 1 or 60");
                }
            }
        }
        return v;
    }

    private static boolean allNumbers(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isNumber()) {
                return false;
            }
        }
        return true;
    }
}
