package ai.skinlesion.inference;

import ai.skinlesion.modelspec.InvalidModelException;
import ai.skinlesion.modelspec.ModelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What {@code melanoma.model.dir} names: one model version directory, or an ensemble's (specVersion 4) whose members
 * are model directories below it. Either way the service serves a list of members; a single model is one member of
 * weight 1, so that one path serves both.
 *
 * @param spec the top-level model.json: the single model's own, or the ensemble's
 * @param sha256 what answers name the model by: model.onnx's sha256, or an ensemble's model.json's (which pins its
 *        members' model.json, which pin their graphs)
 */
public record ModelVersion(Path dir, ModelSpec spec, JsonNode specJson, List<MemberDirectory> members, String sha256) {

    /**
     * @param medianMs the member's measured cost (null when model.json has none): the adaptive mode runs the cheapest
     *        first
     */
    public record MemberDirectory(String name, double weight, Double medianMs, ModelDirectory model) {
    }

    public boolean isEnsemble() {
        return spec.isEnsemble();
    }

    public static ModelVersion load(Path dir, ObjectMapper json, String graph, CpuFeatures cpu) {
        ModelDirectory.Spec top = ModelDirectory.readSpec(dir, json);
        if (!top.spec().isEnsemble()) {
            ModelDirectory single = ModelDirectory.load(dir, top, graph, cpu);
            return new ModelVersion(dir, single.spec(), single.specJson(),
                    List.of(new MemberDirectory(single.spec().name(), 1.0, null, single)), single.spec().model().sha256());
        }
        if (!ModelDirectory.AUTO.equals(graph)) {
            // graph names one file of one model; an ensemble's members each choose their own
            throw new InvalidModelException("melanoma.model.graph=" + graph + " cannot be applied to an ensemble;"
                    + " leave it at auto");
        }
        List<MemberDirectory> members = new ArrayList<>();
        Path root = dir.toAbsolutePath().normalize();
        for (ModelSpec.Member m : top.spec().members()) {
            Path memberDir = root.resolve(m.dir()).normalize();
            if (!memberDir.startsWith(root)) {
                throw new InvalidModelException("members: " + m.name() + "'s dir must lie inside " + dir);
            }
            DescribedFile memberSpec = new DescribedFile(memberDir.resolve(ModelDirectory.SPEC_FILE), m.specSha256(),
                    null, null, null);
            try {
                memberSpec.verify(GraphFile.Integrity.FULL);
            } catch (InvalidModelException e) {
                throw new InvalidModelException("member " + m.name() + " of the ensemble: " + e.getMessage(), e);
            }
            ModelDirectory model;
            try {
                model = ModelDirectory.load(memberDir, json, graph, cpu);
            } catch (InvalidModelException e) {
                throw new InvalidModelException("member " + m.name() + " of the ensemble: " + e.getMessage(), e);
            }
            members.add(new MemberDirectory(m.name(), m.weight() == null ? 1.0 : m.weight(),
                    m.cost() == null ? null : m.cost().medianMs(), model));
        }
        return new ModelVersion(dir, top.spec(), top.json(), List.copyOf(members),
                DescribedFile.sha256(dir.resolve(ModelDirectory.SPEC_FILE)));
    }
}
