package ai.skinlesion.inference;

import ai.skinlesion.modelspec.InvalidModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32;

/** A file as model.json describes it, by size and hashes, and the start-up check that it is that file. */
public record DescribedFile(Path path, String sha256, String sampledSha256, Long bytes, String crc32) {

    static final int SAMPLE_BLOCKS = 64;
    static final int SAMPLE_BLOCK_BYTES = 4096;

    /**
     * Checks the file is the one model.json describes: its size, then what {@code integrity} asks for; where
     * model.json records no crc32 (or no sampledSha256), the whole sha256 instead.
     */
    public void verify(GraphFile.Integrity integrity) {
        checkSize();
        if (integrity == GraphFile.Integrity.CHECKSUM && crc32 != null) {
            String actual = crc32(path);
            if (!actual.equals(crc32)) {
                throw mismatch("has crc32 " + actual, crc32);
            }
            return;
        }
        if (integrity == GraphFile.Integrity.SAMPLED && sampledSha256 != null) {
            String actual = sampledSha256(path);
            if (!actual.equals(sampledSha256)) {
                throw mismatch("has sampledSha256 " + actual, sampledSha256);
            }
            return;
        }
        String actual = sha256(path);
        if (!actual.equals(sha256)) {
            throw mismatch("has sha256 " + actual, sha256);
        }
    }

    /** The file exists and has the size model.json gives (cheap: one stat). */
    public void checkSize() {
        if (!Files.isRegularFile(path)) {
            throw new InvalidModelException("model file " + path.toAbsolutePath() + " does not exist");
        }
        long size = size();
        if (bytes != null && size != bytes) {
            throw mismatch("is " + size + " bytes", bytes + " bytes");
        }
    }

    /**
     * Reads the file once, discarding it, so that ONNX Runtime then reads it from the page cache: run on a second
     * core while the first loads ONNX Runtime's library, it takes the storage's latency off the session's path
     * (a Lambda layer's files are not in memory at a cold start). Failures are left to {@link #verify}.
     */
    public void readAhead() {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
            while (channel.read(buffer) >= 0) {
                buffer.clear();
            }
        } catch (IOException | RuntimeException e) {
            // verify() names the problem on the main path
        }
    }

    private InvalidModelException mismatch(String actual, String expected) {
        return new InvalidModelException(path + " " + actual + " but " + ModelDirectory.SPEC_FILE + " says " + expected
                + ": the model and its spec do not belong together");
    }

    private long size() {
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw new InvalidModelException("cannot read model file " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * CRC-32 (the IEEE polynomial, as zlib and model-export compute it) of every byte, 8 lower-case hex digits. The
     * file is mapped and fed to {@link CRC32} a window at a time: the JVM computes it with the CPU's carry-less
     * multiply, at memory speed, and nothing is copied onto the heap.
     */
    static String crc32(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            CRC32 crc = new CRC32();
            long size = channel.size();
            for (long at = 0; at < size; at += CRC_WINDOW) {
                crc.update(channel.map(FileChannel.MapMode.READ_ONLY, at, Math.min(CRC_WINDOW, size - at)));
            }
            return String.format("%08x", crc.getValue());
        } catch (NoSuchFileException e) {
            throw new InvalidModelException("model file " + file.toAbsolutePath() + " does not exist");
        } catch (IOException e) {
            throw new InvalidModelException("cannot read model file " + file + ": " + e.getMessage(), e);
        }
    }

    private static final long CRC_WINDOW = 64L << 20;

    /** The sha256 of the whole file. */
    static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256Digest())) {
            byte[] buffer = new byte[1 << 16];
            while (in.read(buffer) >= 0) {
                // reading feeds the digest
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchFileException e) {
            throw new InvalidModelException("model file " + file.toAbsolutePath() + " does not exist");
        } catch (IOException e) {
            throw new InvalidModelException("cannot read model file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * sha256 over the file size (8 bytes, big-endian), then {@value #SAMPLE_BLOCKS} blocks of
     * min({@value #SAMPLE_BLOCK_BYTES}, size) bytes at offsets floor(i * (size - block) / 63), i = 0..63.
     * model-export computes the same (spec.py, sampled_sha256).
     */
    static String sampledSha256(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            int block = (int) Math.min(SAMPLE_BLOCK_BYTES, size);
            MessageDigest digest = sha256Digest();
            digest.update(ByteBuffer.allocate(Long.BYTES).putLong(size).array());
            ByteBuffer buffer = ByteBuffer.allocate(block);
            for (int i = 0; i < SAMPLE_BLOCKS; i++) {
                long offset = Math.floorDiv(i * (size - block), SAMPLE_BLOCKS - 1);
                buffer.clear();
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, offset + buffer.position()) < 0) {
                        throw new IOException("file shrank while it was read");
                    }
                }
                digest.update(buffer.array(), 0, block);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchFileException e) {
            throw new InvalidModelException("model file " + file.toAbsolutePath() + " does not exist");
        } catch (IOException e) {
            throw new InvalidModelException("cannot read model file " + file + ": " + e.getMessage(), e);
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
