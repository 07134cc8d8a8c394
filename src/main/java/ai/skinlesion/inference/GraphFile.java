package ai.skinlesion.inference;

import java.nio.file.Path;

/**
 * One ONNX file the service may open, model.onnx or one of its pre-optimised runtime graphs, with the file that
 * holds its weights where they are kept outside the graph (ONNX external data, which ONNX Runtime maps into memory
 * instead of copying out of the protobuf).
 *
 * @param name the graph's file name, as model.json gives it
 * @param externalData null when the weights are inside the graph
 * @param openWith the ONNX Runtime optimisation level the session applies on top of what the file holds
 */
public record GraphFile(String name, DescribedFile graph, DescribedFile externalData, String openWith) {

    /** How much of the file is checked at start-up, before the first answer. */
    public enum Integrity {
        /**
         * The default: the whole file's CRC-32 as model.json records it (model-export writes it), computed beside
         * the session's creation, so every byte the session runs is checked before the first answer at little cost
         * to the cold start (memory speed, on the second vCPU). Catches a corrupted copy anywhere in the weights,
         * which {@link #SAMPLED} does not. Without a recorded crc32: the whole sha256.
         */
        CHECKSUM,
        /**
         * The size and 64 blocks of 4 KiB spread over the file: under a millisecond, and it tells one export from
         * another (weights differ everywhere) and a truncated or overwritten file, but not a few corrupted pages
         * between the samples.
         */
        SAMPLED,
        /** The whole file's sha256, as model.json records it. */
        FULL
    }

    public Path path() {
        return graph.path();
    }

    /** Both files exist with the sizes model.json gives. */
    public void checkSizes() {
        graph.checkSize();
        if (externalData != null) {
            externalData.checkSize();
        }
    }

    /** Checks the graph and its weights file against model.json. */
    public void verify(Integrity integrity) {
        graph.verify(integrity);
        if (externalData != null) {
            externalData.verify(integrity);
        }
    }

    /** Reads both files once so that ONNX Runtime finds them in the page cache (see DescribedFile.readAhead). */
    public void readAhead() {
        if (externalData != null) {
            externalData.readAhead();
        }
        graph.readAhead();
    }
}
