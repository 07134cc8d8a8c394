package ai.skinlesion.api;

import org.junit.jupiter.api.extension.ExtendWith;

import ai.skinlesion.MockEventServerPort;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The hostile-input corpus against the packaged application (the plain-HTTP jar, or the native binary). */
@QuarkusIntegrationTest
@ExtendWith(MockEventServerPort.class)
class CorpusIT extends CorpusTest {

    @Override
    void describeBuild() {
        reportAs("target/corpus-report-it.txt", "packaged application (@QuarkusIntegrationTest)");
    }

    @Override
    boolean inProcess() {
        return false;
    }
}
