package ai.skinlesion;

import java.nio.file.Path;

/**
 * {@link ReferenceParityChecks}, with its tolerances, on the default model (trained by
 * {@code melanoma-export train}, OpenCV INTER_AREA resize and a JPEG q95 round trip read back with TensorFlow's
 * fast IDCT): every tensor bit-identical to the reference preprocessing, every probability within 1e-3 of what the
 * Keras model gave in TensorFlow. Fixtures: {@code melanoma-export reference --model models/melanoma-b0/1 --source
 * model.keras --images testdata --out src/test/resources/reference/melanoma-b0}.
 */
class TrainedModelParityTest extends ReferenceParityChecks {

    TrainedModelParityTest() {
        super("/reference/melanoma-b0/", Path.of("models/melanoma-b0/1"), 40, "parity-report-melanoma-b0.txt");
    }
}
