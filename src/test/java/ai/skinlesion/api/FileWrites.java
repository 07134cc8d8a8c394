package ai.skinlesion.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Sees files written while it runs, as they are written, so that a file created and deleted within one request
 * is seen too (a before/after snapshot cannot). Two witnesses:
 * <ul>
 * <li>JDK Flight Recorder's {@code jdk.FileWrite} event, recorded in this JVM with no duration threshold: every
 * write through FileOutputStream, RandomAccessFile or a FileChannel (ImageIO's file cache, Files.write, a temp
 * file), with its path, wherever the file is. It sees only this JVM: the application under {@code @QuarkusTest}.</li>
 * <li>a {@link WatchService} (inotify on Linux) on the given folders and their subfolders, registered before the
 * requests: every file created or modified there, by any process (the packaged application under *IT too), even
 * one deleted a moment later.</li>
 * </ul>
 */
final class FileWrites implements AutoCloseable {

    private final Recording recording = new Recording();
    private final WatchService watcher;
    private final List<Path> roots;
    private final Set<String> skip;
    private final Path dump;

    /**
     * @param roots folders watched with their subfolders, except those whose first name below a root is in {@code skip}
     * @param dump  where the flight recording is written when it stops (after the requests: not itself recorded)
     */
    FileWrites(List<Path> roots, Set<String> skip, Path dump) throws IOException {
        this.roots = roots;
        this.skip = skip;
        this.dump = dump;
        // JFR's repository (where it keeps the recording's chunks) goes under java.io.tmpdir: made here, before the
        // watcher starts, and left out of what is reported.
        recording.enable("jdk.FileWrite").withThreshold(Duration.ZERO).withStackTrace();
        recording.setToDisk(true);
        recording.start();
        watcher = FileSystems.getDefault().newWatchService();
        for (Path root : roots) {
            registerTree(root);
        }
    }

    /** Paths written in this JVM since the start (JFR), less those {@code allowed}: each with its bytes and writer. */
    List<String> writtenByThisProcess(Set<Path> allowed) throws IOException {
        recording.stop();
        recording.dump(dump);
        Map<String, long[]> bytesAndWrites = new TreeMap<>();
        Map<String, String> writers = new TreeMap<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(dump)) {
            String path = event.getString("path");
            if (path == null || allowed.contains(Path.of(path).toAbsolutePath().normalize())) {
                continue; // stdout, stderr and other descriptors without a path; the application's log
            }
            long[] sums = bytesAndWrites.computeIfAbsent(path, p -> new long[2]);
            sums[0] += event.getLong("bytesWritten");
            sums[1]++;
            writers.putIfAbsent(path, writer(event));
        }
        List<String> written = new ArrayList<>();
        bytesAndWrites.forEach((path, sums) -> written.add(path + " (" + sums[0] + " bytes in " + sums[1] + " writes, by "
                + writers.get(path) + ")"));
        return written;
    }

    /** The first class of ours on the writing stack, else the thread. */
    private static String writer(RecordedEvent event) {
        return event.getStackTrace() == null ? "?" : event.getStackTrace().getFrames().stream()
                .filter(f -> f.getMethod().getType().getName().startsWith("ai.skinlesion"))
                .findFirst().map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName())
                .orElse(event.getThread() == null ? "?" : "thread " + event.getThread().getJavaName());
    }

    /** Files created or modified under the watched folders since the start, by any process (inotify). */
    Set<String> createdOrModified() {
        Set<String> seen = new TreeSet<>();
        String jfrRepository = System.getProperty("jdk.jfr.repository");
        WatchKey key;
        while ((key = watcher.poll()) != null) {
            Path dir = (Path) key.watchable();
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                    seen.add("(events lost under " + dir + ": too many at once)");
                    continue;
                }
                Path path = dir.resolve((Path) event.context());
                if (jfrRepository != null && path.startsWith(jfrRepository)) {
                    continue;
                }
                seen.add(event.kind().name() + " " + path);
            }
            key.reset();
        }
        return seen;
    }

    private void registerTree(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> dirs = Files.walk(root)) {
            dirs.filter(Files::isDirectory).filter(d -> !skipped(root, d)).forEach(this::register);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private boolean skipped(Path root, Path dir) {
        Path rel = root.relativize(dir);
        return rel.getNameCount() > 0 && skip.contains(rel.getName(0).toString());
    }

    private void register(Path dir) {
        try {
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
            // vanished while walking, or unreadable: nothing can be written there through it either
        }
    }

    @Override
    public void close() throws IOException {
        recording.close();
        watcher.close();
    }
}
