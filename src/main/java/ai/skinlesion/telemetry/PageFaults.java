package ai.skinlesion.telemetry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's page faults so far (Linux {@code /proc/self/stat}: minflt, majflt), so that the start-up log can
 * say where first-touch memory went: on a microVM a 4 KiB fault can cost ~10 µs, and the cold start's phases differ
 * far more in faults than in work. Counts the whole process (every thread); -1 where /proc cannot be read.
 */
public final class PageFaults {

    private static final Path STAT = Path.of("/proc/self/stat");

    private PageFaults() {
    }

    /** Minor plus major faults of the process so far, or -1. */
    public static long total() {
        try {
            String stat = Files.readString(STAT);
            // the command name (field 2) may hold spaces and parentheses: count fields after its closing one
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]) + Long.parseLong(f[9]); // fields 10 (minflt) and 12 (majflt)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
