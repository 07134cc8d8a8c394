package ai.skinlesion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * The native binary an integration test runs (system property native.image.path, set by pom.xml), seen from the
 * outside: the files its process has mapped, from /proc/PID/maps (Linux). A library loaded from a file that was
 * deleted afterwards stays there, marked " (deleted)".
 */
public final class NativeProcess {

    private static final String DELETED = " (deleted)";

    private NativeProcess() {
    }

    public static Path runner() {
        try {
            return Path.of(System.getProperty("native.image.path")).toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The paths of every file the running binary has mapped; deleted ones keep their " (deleted)" mark. */
    public static Set<String> mappedFiles() {
        Path runner = runner();
        ProcessHandle app = ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> Path.of(c).equals(runner)).orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError("no running process of " + runner));
        Set<String> mapped = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + app.pid() + "/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0) {
                    mapped.add(line.substring(slash));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return mapped;
    }

    /** A mapped file's path without the " (deleted)" mark. */
    public static String path(String mapped) {
        return mapped.endsWith(DELETED) ? mapped.substring(0, mapped.length() - DELETED.length()) : mapped;
    }
}
