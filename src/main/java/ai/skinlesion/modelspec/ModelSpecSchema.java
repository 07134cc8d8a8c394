package ai.skinlesion.modelspec;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;

/**
 * model.json's JSON Schema (2020-12): the file model-export validates every spec against before writing it
 * ({@code melanoma_export/schema/model.schema.json}, copied onto the classpath by the build), so that both sides
 * hold a spec to one contract. It states each field's type, range, pattern and allowed values;
 * {@link ModelSpecValidator} keeps the rules that relate two fields.
 */
public final class ModelSpecSchema {

    static final String RESOURCE = "model-schema/model.schema.json";

    private static final Schema SCHEMA = load();

    private ModelSpecSchema() {
    }

    /** Every way {@code spec} breaks the schema, each naming the field, e.g. {@code input.layout: ...}. */
    public static List<String> problems(JsonNode spec) {
        List<String> problems = new ArrayList<>();
        for (Error e : SCHEMA.validate(spec)) {
            problems.add(describe(e));
        }
        return problems;
    }

    /** "field is missing" for a required field, "field: why" otherwise, the field as a dotted path. */
    static String describe(Error e) {
        String at = field(e.getInstanceLocation());
        if ("required".equals(e.getKeyword()) && e.getProperty() != null) {
            return (at.isEmpty() ? "" : at + ".") + e.getProperty() + " is missing";
        }
        return (at.isEmpty() ? "(top level)" : at) + ": " + e.getMessage();
    }

    private static String field(NodePath path) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < path.getNameCount(); i++) {
            Object element = path.getElement(i);
            if (element instanceof Integer index) {
                s.append('[').append(index).append(']');
            } else {
                s.append(s.isEmpty() ? "" : ".").append(element);
            }
        }
        return s.toString();
    }

    private static Schema load() {
        try (InputStream in = ModelSpecSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath: the build copies it from"
                        + " model-export/melanoma_export/schema");
            }
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
    }
}
