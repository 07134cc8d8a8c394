package ai.skinlesion.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The model card beside model.json ({@value #FILE}, written by {@code melanoma-export evaluate}): read once at
 * start-up, so that {@code GET /v1/model/card} touches no file.
 */
public record ModelCard(String text) {

    public static final String FILE = "MODEL_CARD.md";
    public static final String MEDIA_TYPE = "text/markdown;charset=utf-8";

    public static Optional<ModelCard> read(Path modelDir) {
        Path file = modelDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ModelCard(Files.readString(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
