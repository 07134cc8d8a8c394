package ai.skinlesion.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import ai.skinlesion.Forms;
import ai.skinlesion.TestData;
import ai.skinlesion.hostile.HostileCorpus;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Nothing of a photo is kept (issue "Hardening", item 4). While a run of requests is answered — raw, multipart and
 * JSON bodies, accepted and refused — no file is written where the process can write, watched as it happens (see
 * {@link FileWrites}), so that a temporary file created and deleted within one request is caught too:
 * <ul>
 * <li>in this JVM, which hosts the application under {@code @QuarkusTest}: no write to any file at all (JFR's
 * {@code jdk.FileWrite}), the application's log aside;</li>
 * <li>by any process: no file created or modified in the temporary directory (java.io.tmpdir, which the build gives
 * the test JVMs and the launched application a folder of their own, see pom.xml) or the working directory (the
 * build's own target/ aside), seen by a file-system watcher registered before the requests;</li>
 * <li>the user's home and the system /tmp, which other processes share: no file there changed that holds bytes of a
 * photo sent (a before/after comparison, by content).</li>
 * </ul>
 * And the application's log holds neither bytes of the photos nor their base64 or hex.
 * <p>
 * The watch starts after start-up, on purpose: on the JVM, ONNX Runtime's Java API extracts its native libraries
 * into java.io.tmpdir when the model is loaded (it deletes them at exit and leaves an empty onnxruntime-java*
 * folder), which happens once per process, before any request, and holds nothing of a user's. The native binary loads the
 * library from beside itself; {@link PrivacyIT} checks that it extracts nothing.
 */
@QuarkusTest
class PrivacyTest {

    private static final List<String> PHOTOS = List.of("dermoscopy/ISIC_0024306.jpg", "dermoscopy/ISIC_0000001.jpg",
            "formats/png-rgba-alpha.png", "exif-orientation/Portrait_6.jpg", "formats/cmyk.jpg");

    /** The application's log: the test profile's file handler writes it, here and in the packaged application (*IT). */
    private static final Path LOG_FILE = Path.of("target/quarkus-test.log");

    @Test
    void noFileAppearsAndTheLogHoldsNoImageData() throws IOException {
        List<byte[]> sent = new ArrayList<>();
        Map<Path, Long> before = snapshot();
        Path tmpdir = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        Path workdir = Path.of("").toAbsolutePath();
        List<String> written = new ArrayList<>();
        List<String> others = new ArrayList<>();
        try (FileWrites watch = new FileWrites(List.of(tmpdir, workdir), WORKDIR_SKIP, Path.of("target/privacy-file-writes.jfr"))) {
            sendPhotos(sent);
            watch.writtenByThisProcess(Set.of(LOG_FILE.toAbsolutePath().normalize()))
                    .forEach(w -> written.add("written in this JVM: " + w));
            watch.createdOrModified().forEach(w -> written.add("seen by the watcher: " + w));
        }
        Map<Path, Long> after = snapshot();
        after.forEach((path, modified) -> {
            Long was = before.get(path);
            boolean changed = was == null || !was.equals(modified) && !Files.isDirectory(path);
            if (!changed) {
                return;
            }
            String what = (was == null ? "new: " : "modified: ") + path;
            if (holdsAny(path, sent)) {
                written.add(what);
            } else {
                others.add(what);
            }
        });
        if (!written.isEmpty()) {
            fail("files written while answering requests:\n" + String.join("\n", written));
        }
        System.out.printf("privacy: %d requests; nothing written by this JVM, nothing created under %s and %s;"
                + " %d entries of %s compared by content%s%n", PHOTOS.size() * 3 + 5, tmpdir, workdir, after.size(),
                sharedRoots(), others.isEmpty() ? "" : "; other processes changed " + others.size() + " entries in the"
                        + " shared folders, none holding image bytes: " + others);

        byte[] log = Files.readAllBytes(LOG_FILE);
        assertTrue(log.length > 0, "empty log " + LOG_FILE);
        List<String> leaks = new ArrayList<>();
        for (byte[] image : sent) {
            for (Map.Entry<String, byte[]> needle : needles(image).entrySet()) {
                if (indexOf(log, needle.getValue()) >= 0) {
                    leaks.add(needle.getKey());
                }
            }
        }
        if (!leaks.isEmpty()) {
            fail("the log " + LOG_FILE + " contains image data: " + leaks);
        }
    }

    /** Photos in every body shape, accepted; then refused ones, whose bytes an error path might be tempted to log. */
    private static void sendPhotos(List<byte[]> sent) {
        for (String photo : PHOTOS) {
            byte[] image = TestData.bytes(photo);
            sent.add(image);
            String type = photo.endsWith(".png") ? "image/png" : "image/jpeg";
            given().contentType(type).body(image).when().post("/v1/predictions").then().statusCode(200);
            Forms.given().multiPart("image", "photo", image, type).when().post("/v1/predictions").then().statusCode(200);
            given().contentType("application/json").body("{\"image\": \"" + Base64.getEncoder().encodeToString(image) + "\"}")
                    .when().post("/v1/predictions").then().statusCode(200);
        }
        byte[] photo = sent.get(0);
        byte[] cut = Arrays.copyOf(photo, photo.length / 2);
        given().contentType("image/jpeg").body(cut).when().post("/v1/predictions").then().statusCode(422);
        given().contentType("application/json").body("{\"image\": \"" + Base64.getEncoder().encodeToString(photo) + "*\"}")
                .when().post("/v1/predictions").then().statusCode(400);
        given().contentType("application/json").body("{\"image\": \"" + Base64.getEncoder().encodeToString(photo))
                .when().post("/v1/predictions").then().statusCode(400);
        given().contentType("multipart/form-data; boundary=zz").body(HostileCorpus.concat(
                "--zz\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\n".getBytes(StandardCharsets.US_ASCII), photo))
                .when().post("/v1/predictions").then().statusCode(400);
        given().contentType("image/png").body(HostileCorpus.concat(new byte[] { (byte) 0x89, 'P', 'N', 'G' }, photo))
                .when().post("/v1/predictions").then().statusCode(422);
    }

    /**
     * The working directory's own folders that the watch leaves out: the build's output (where the test log and
     * reports go) and tool folders. java.io.tmpdir, under target/, is watched as a folder of its own.
     */
    private static final Set<String> WORKDIR_SKIP = Set.of("target", ".git", ".cifuzz-corpus", ".venv", "node_modules");

    /**
     * The folders shared with every other process of this user (on a developer's machine, other builds): the home
     * directory and the system-wide /tmp. A change there counts only if it holds bytes of a photo that was sent.
     */
    private static Map<Path, Long> snapshot() {
        Map<Path, Long> files = new TreeMap<>();
        walk(Path.of(System.getProperty("user.home")), 2, Set.of(), files);
        walk(systemTmp(), 1, Set.of(), files);
        return files;
    }

    private static String sharedRoots() {
        return List.of(System.getProperty("user.home"), systemTmp().toString()).toString();
    }

    private static Path systemTmp() {
        return Path.of("/tmp");
    }

    private static boolean holdsAny(Path path, List<byte[]> images) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(path, 3)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
        for (Path file : files) {
            try {
                if (Files.size(file) > 64 << 20) {
                    continue;
                }
                byte[] content = Files.readAllBytes(file);
                for (byte[] image : images) {
                    int middle = image.length / 2;
                    if (indexOf(content, Arrays.copyOfRange(image, middle, Math.min(image.length, middle + 24))) >= 0) {
                        return true;
                    }
                }
            } catch (IOException e) {
                // gone or unreadable: not something this process wrote for itself
            }
        }
        return false;
    }

    private static void walk(Path root, int depth, Set<String> skip, Map<Path, Long> into) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> entries = Files.walk(root, depth)) {
            entries.forEach(p -> {
                Path rel = root.relativize(p);
                if (rel.getNameCount() > 0 && skip.contains(rel.getName(0).toString())) {
                    return;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    into.put(p, a.lastModifiedTime().toMillis() * 31 + a.size());
                } catch (IOException e) {
                    // vanished while walking: another process' temporary file
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // unreadable corners of the home directory are not where this process writes either
        }
    }

    /** What a leak of {@code image} into a text log would look like: raw bytes, base64 (both alphabets), hex. */
    private static Map<String, byte[]> needles(byte[] image) {
        Map<String, byte[]> needles = new TreeMap<>();
        String base64 = Base64.getEncoder().encodeToString(image);
        String urlSafe = Base64.getUrlEncoder().encodeToString(image);
        // windows that start on a 3-byte boundary, and on a MIME line boundary (57 bytes = 76 characters)
        for (int offset : new int[] { 0, 57 * 7, image.length / 2 / 57 * 57 }) {
            int chars = offset / 3 * 4;
            if (chars + 60 <= base64.length()) {
                needles.put("base64@" + offset, base64.substring(chars, chars + 60).getBytes(StandardCharsets.US_ASCII));
                needles.put("base64url@" + offset, urlSafe.substring(chars, chars + 60).getBytes(StandardCharsets.US_ASCII));
            }
        }
        int middle = image.length / 2;
        byte[] window = Arrays.copyOfRange(image, middle, Math.min(image.length, middle + 24));
        needles.put("raw bytes@middle", window);
        needles.put("raw bytes@start", Arrays.copyOf(image, 16));
        needles.put("bytes as Latin-1 text@start", new String(Arrays.copyOf(image, 8), StandardCharsets.ISO_8859_1)
                .getBytes(StandardCharsets.UTF_8));
        needles.put("hex@middle", HexFormat.of().formatHex(window).getBytes(StandardCharsets.US_ASCII));
        needles.put("HEX@middle", HexFormat.of().withUpperCase().formatHex(window).getBytes(StandardCharsets.US_ASCII));
        return needles;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
