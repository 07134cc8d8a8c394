package ai.skinlesion.ensemble;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The two-member ensemble of src/test/resources/models (model-export/fixtures/ensemble.sh): 64 px crop 0.5 with
 * TensorFlow's resize (weight 1), 96 px crop 0.8 with OpenCV's INTER_AREA and ImageNet normalisation (weight 2), and
 * what TensorFlow computes for real photos on model-export's reference preprocessing, with and without dihedral8.
 */
final class EnsembleFixture {

    static final String NONE = "src/test/resources/models/ensemble-tiny/1";
    static final String DIHEDRAL8 = "src/test/resources/models/ensemble-tiny-tta/1";
    static final String CHEAP = "tiny64-fold0";
    static final String OTHER = "tiny96-fold1";
    /** The issue asks for 1e-3 of TensorFlow; the members' own parity gate holds them within 1e-5. */
    static final double TOLERANCE = 1e-5;

    /** One photo: TensorFlow's probability per member and for the ensemble, by test-time augmentation. */
    record Photo(String file, Map<String, Map<String, Double>> members, Map<String, Double> ensemble) {
    }

    static List<Photo> photos() {
        try {
            JsonNode root = new ObjectMapper().readTree(Path.of("src/test/resources/models/ensemble-tiny/expected.json")
                    .toFile());
            List<Photo> photos = new ArrayList<>();
            for (JsonNode p : root.get("images")) {
                Map<String, Map<String, Double>> members = new java.util.TreeMap<>();
                p.get("members").fields().forEachRemaining(m -> members.put(m.getKey(),
                        Map.of("none", m.getValue().get("none").asDouble(),
                                "dihedral8", m.getValue().get("dihedral8").asDouble())));
                photos.add(new Photo(p.get("file").asText(), members,
                        Map.of("none", p.get("ensemble").get("none").asDouble(),
                                "dihedral8", p.get("ensemble").get("dihedral8").asDouble())));
            }
            if (photos.size() < 8) {
                throw new IllegalStateException("expected.json has only " + photos.size() + " photos");
            }
            return photos;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private EnsembleFixture() {
    }
}
