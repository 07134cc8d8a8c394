package ai.skinlesion.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;

/**
 * The document clients read at /q/openapi, as SmallRye merges META-INF/openapi.yaml (the operations) with what it
 * scans (the resources' JAX-RS facts, the answers' schemas): the same operations as the resources have, each one
 * described, and every schema reference resolving, so that the hand-written file cannot drift from the code.
 */
@QuarkusTest
class OpenApiDocumentTest {

    private static final List<Class<?>> RESOURCES = List.of(PredictionResource.class, QualityResource.class,
            ModelResource.class);

    private static JsonNode document() throws Exception {
        return new ObjectMapper().readTree(given().queryParam("format", "json").when().get("/q/openapi")
                .then().statusCode(200).extract().asString());
    }

    /** "METHOD /path" of every resource method. */
    private static Set<String> resourceOperations() {
        Set<String> ops = new TreeSet<>();
        for (Class<?> resource : RESOURCES) {
            String root = resource.getAnnotation(Path.class).value();
            for (Method m : resource.getDeclaredMethods()) {
                String verb = m.isAnnotationPresent(POST.class) ? "post" : m.isAnnotationPresent(GET.class) ? "get" : null;
                if (verb != null) {
                    Path sub = m.getAnnotation(Path.class);
                    ops.add(verb + " " + root + (sub == null ? "" : sub.value()));
                }
            }
        }
        return ops;
    }

    @Test
    void documentsExactlyTheResourcesOperationsEachDescribed() throws Exception {
        JsonNode paths = document().get("paths");
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> p = paths.fields(); p.hasNext();) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<Map.Entry<String, JsonNode>> o = path.getValue().fields(); o.hasNext();) {
                Map.Entry<String, JsonNode> op = o.next();
                documented.add(op.getKey() + " " + path.getKey());
                assertFalse(op.getValue().path("summary").asText().isBlank(), op.getKey() + " " + path.getKey());
                assertTrue(op.getValue().path("responses").has("200"), op.getKey() + " " + path.getKey());
            }
        }
        assertEquals(resourceOperations(), documented);
    }

    @Test
    void everySchemaReferenceResolves() throws Exception {
        JsonNode doc = document();
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertTrue(refs.contains("#/components/schemas/Prediction"), refs.toString());
        assertTrue(refs.contains("#/components/schemas/QualityCheck"), refs.toString());
        for (String ref : refs) {
            assertTrue(ref.startsWith("#/components/schemas/"), ref);
            assertTrue(doc.path("components").path("schemas").has(ref.substring("#/components/schemas/".length())),
                    ref + " is not in components.schemas");
        }
        // the answer's schema is the one the response record's annotations describe
        assertTrue(doc.at("/components/schemas/Prediction/properties").has("malignantProbability"));
        assertTrue(doc.at("/components/schemas/Prediction/properties/malignantProbability/description").asText()
                .startsWith("Probability that the lesion is malignant"));
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if ("$ref".equals(e.getKey())) {
                    refs.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }
}
