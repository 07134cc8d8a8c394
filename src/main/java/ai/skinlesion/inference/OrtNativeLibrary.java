package ai.skinlesion.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.ImageMode;

/**
 * Where ONNX Runtime loads its two native libraries from. Its Java loader copies them out of the class path into a
 * fresh temporary directory at every start (28 MB on each Lambda cold start) unless the system property
 * {@value #PROPERTY} names a directory holding them, from which it loads them in place. The native build ships
 * them beside the executable (pom.xml, profile native), so a native image points the property there; on the JVM
 * the jar carries them and ONNX Runtime's own loader stays in charge.
 */
public final class OrtNativeLibrary {

    /** ONNX Runtime's own property: the directory it loads {@link #LIBRARIES} from. */
    static final String PROPERTY = "onnxruntime.native.path";
    /** The libraries ONNX Runtime's loader looks for there, in the platform's file names. */
    static final List<String> LIBRARIES = List.of(System.mapLibraryName("onnxruntime"),
            System.mapLibraryName("onnxruntime4j_jni"));

    private OrtNativeLibrary() {
    }

    /**
     * In a native image, points ONNX Runtime at the executable's directory when both libraries are there and
     * nobody has chosen a directory already. Must run before the first ONNX Runtime class is initialised.
     */
    public static void preferBesideExecutable() {
        if (ImageMode.current() != ImageMode.NATIVE_RUN) {
            return;
        }
        executableDirectory().flatMap(dir -> directoryToUse(dir, System.getProperty(PROPERTY)))
                .ifPresent(dir -> System.setProperty(PROPERTY, dir.toString()));
    }

    /**
     * The decision: {@code directory} if it holds both libraries and {@code current} (the property's value) is
     * unset; otherwise empty, which leaves the property as it is.
     */
    static Optional<Path> directoryToUse(Path directory, String current) {
        if (current != null || directory == null) {
            return Optional.empty();
        }
        for (String library : LIBRARIES) {
            if (!Files.isRegularFile(directory.resolve(library))) {
                return Optional.empty();
            }
        }
        return Optional.of(directory.toAbsolutePath());
    }

    /** The running executable's directory (Linux: /proc/self/exe, with symbolic links resolved). */
    private static Optional<Path> executableDirectory() {
        try {
            return Optional.ofNullable(Path.of("/proc/self/exe").toRealPath().getParent());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
