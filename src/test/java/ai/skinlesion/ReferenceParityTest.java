package ai.skinlesion;

import java.nio.file.Path;

/** {@link ReferenceParityChecks} on the untrained B4 demo: 384 px, TensorFlow's antialiased bilinear resize. */
class ReferenceParityTest extends ReferenceParityChecks {

    ReferenceParityTest() {
        super("/reference/efficientnetb4-demo/", Path.of("models/efficientnetb4-demo/1"), 40, "parity-report.txt");
    }
}
