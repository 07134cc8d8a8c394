package ai.skinlesion.inference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A model version directory as model-export writes it: model.onnx with model.json beside it. Loading it
 * checks that the spec is one this service can follow and that model.onnx is the file the spec describes.
 */
public record ModelDirectory(Path dir, ModelSpec spec, JsonNode specJson, Path modelFile) {

    public static final String SPEC_FILE = "model.json";

    public static ModelDirectory load(Path dir, ObjectMapper json) {
        Path specFile = dir.resolve(SPEC_FILE);
        ModelSpec spec;
        JsonNode specJson;
        try {
            specJson = json.readTree(Files.readAllBytes(specFile));
            spec = json.treeToValue(specJson, ModelSpec.class);
        } catch (NoSuchFileException e) {
            throw new InvalidModelException("no " + SPEC_FILE + " in model directory " + dir.toAbsolutePath()
                    + " (set melanoma.model.dir or MELANOMA_MODEL_DIR to a directory written by model-export)");
        } catch (JsonProcessingException e) {
            throw new InvalidModelException(specFile + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidModelException("cannot read " + specFile + ": " + e.getMessage(), e);
        }
        ModelSpecValidator.validate(spec);
        Path modelFile = dir.resolve(spec.model().file()).normalize();
        if (!modelFile.startsWith(dir.normalize())) {
            throw new InvalidModelException("model.file must name a file inside " + dir);
        }
        String actual = sha256(modelFile);
        if (!actual.equals(spec.model().sha256())) {
            throw new InvalidModelException(modelFile + " has sha256 " + actual + " but " + SPEC_FILE + " says "
                    + spec.model().sha256() + ": the model and its spec do not belong together");
        }
        return new ModelDirectory(dir, spec, specJson, modelFile);
    }

    static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buffer = new byte[1 << 16];
            while (in.read(buffer) >= 0) {
                // reading feeds the digest
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchFileException e) {
            throw new InvalidModelException("model file " + file.toAbsolutePath() + " does not exist");
        } catch (IOException e) {
            throw new InvalidModelException("cannot read model file " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
