import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * The Java side of bench/perf.py: ONNX Runtime's Java API alone (the service's engine without HTTP, decoding
 * or preprocessing), driven over a pipe so that its runs interleave with Python onnxruntime's and the servers'.
 *
 * <pre>
 *   java -cp "target/quarkus-app/lib/main/*" bench/OrtBench.java TENSOR.f32 THREADS
 * </pre>
 *
 * One command per stdin line, one JSON line per answer on stdout:
 * <pre>
 *   variant NAME key=value ...   declare a session variant (model= level=ALL|EXTENDED|BASIC|NONE spin=0|1
 *                                arena=0|1 mempattern=0|1 prepack=0|1 format=ONNX|ORT input=direct|heap
 *                                save=PATH)
 *   open NAME                    create its session and keep it: {"ms": creation time}
 *   create NAME                  create its session and close it again: {"ms": creation time}
 *   run NAME                     one session.run on the tensor: {"ms": ..., "p": probability}
 *   decode PATH full|crop [jdk]  ImageIO decode of the whole JPEG or only the centre crop (50 % of the short side),
 *                                with TwelveMonkeys' reader (the service's) or the JDK's own
 *   rss                          this process's VmRSS and VmHWM in MB
 *   quit
 * </pre>
 * Variant keys: {@code spin} is session.intra_op.allow_spinning; {@code arena} the CPU arena allocator;
 * {@code input=heap} copies a heap float[] into a new tensor per run (what a naive service does), {@code direct}
 * hands ONNX Runtime a reused direct buffer (what the service does); {@code save} writes the graph ONNX Runtime
 * optimised at {@code level} to PATH (ORT format when format=ORT) while creating the session.
 */
public final class OrtBench {

    private static final PrintStream OUT = System.out;

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final int threads;
    private final float[] heap;
    private final FloatBuffer direct;
    private final long[] shape = { 1, 384, 384, 3 };
    private final Map<String, Map<String, String>> variants = new LinkedHashMap<>();
    private final Map<String, OrtSession> sessions = new LinkedHashMap<>();

    private OrtBench(Path tensor, int threads) throws Exception {
        this.threads = threads;
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(tensor)).order(ByteOrder.LITTLE_ENDIAN);
        heap = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(heap);
        direct = ByteBuffer.allocateDirect(heap.length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        direct.put(heap).rewind();
    }

    public static void main(String[] args) throws Exception {
        OrtBench bench = new OrtBench(Path.of(args[0]), Integer.parseInt(args[1]));
        System.setOut(System.err); // nothing but answers on the pipe
        ImageIO.setUseCache(false);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        OUT.println("{\"ready\": true, \"ort\": \"" + bench.env.getVersion() + "\", \"java\": \""
                + System.getProperty("java.version") + "\"}");
        OUT.flush();
        for (String line; (line = in.readLine()) != null;) {
            String[] w = line.trim().split("\\s+");
            if (w[0].isEmpty()) {
                continue;
            }
            try {
                String answer = switch (w[0]) {
                    case "variant" -> bench.declare(w);
                    case "open" -> bench.open(w[1]);
                    case "create" -> bench.create(w[1]);
                    case "run" -> bench.run(w[1]);
                    case "decode" -> decode(Path.of(w[1]), "crop".equals(w[2]), w.length > 3 ? w[3] : "twelvemonkeys");
                    case "rss" -> rss();
                    case "quit" -> null;
                    default -> throw new IllegalArgumentException("unknown command " + w[0]);
                };
                if (answer == null) {
                    break;
                }
                OUT.println(answer);
            } catch (Exception e) {
                OUT.println("{\"error\": \"" + String.valueOf(e).replace('"', '\'').replace('\n', ' ') + "\"}");
            }
            OUT.flush();
        }
        for (OrtSession s : bench.sessions.values()) {
            s.close();
        }
    }

    private String declare(String[] w) {
        Map<String, String> v = new LinkedHashMap<>();
        for (int i = 2; i < w.length; i++) {
            int eq = w[i].indexOf('=');
            v.put(w[i].substring(0, eq), w[i].substring(eq + 1));
        }
        variants.put(w[1], v);
        return "{\"ok\": true}";
    }

    private OrtSession newSession(String name) throws OrtException {
        Map<String, String> v = variants.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no variant " + name);
        }
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            // The service's settings (inference/SessionSettings), then the variant's differences.
            o.setOptimizationLevel(switch (v.getOrDefault("level", "ALL")) {
                case "NONE" -> OptLevel.NO_OPT;
                case "BASIC" -> OptLevel.BASIC_OPT;
                case "EXTENDED" -> OptLevel.EXTENDED_OPT;
                default -> OptLevel.ALL_OPT;
            });
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setInterOpNumThreads(1);
            o.setIntraOpNumThreads(threads);
            o.addConfigEntry("session.intra_op.allow_spinning", v.getOrDefault("spin", "0"));
            o.setCPUArenaAllocator(!"0".equals(v.get("arena")));
            o.setMemoryPatternOptimization(!"0".equals(v.get("mempattern")));
            if ("0".equals(v.get("prepack"))) {
                o.addConfigEntry("session.disable_prepacking", "1");
            }
            o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            if ("ORT".equals(v.get("format"))) {
                o.addConfigEntry(v.containsKey("save") ? "session.save_model_format" : "session.load_model_format",
                        "ORT");
            }
            if (v.containsKey("save")) {
                o.setOptimizedModelFilePath(v.get("save"));
            }
            return env.createSession(v.get("model"), o);
        }
    }

    private String open(String name) throws OrtException {
        long t0 = System.nanoTime();
        OrtSession s = newSession(name);
        long t1 = System.nanoTime();
        OrtSession old = sessions.put(name, s);
        if (old != null) {
            old.close();
        }
        return String.format(Locale.ROOT, "{\"ms\": %.3f}", (t1 - t0) / 1e6);
    }

    private String create(String name) throws OrtException {
        long t0 = System.nanoTime();
        OrtSession s = newSession(name);
        long t1 = System.nanoTime();
        s.close();
        return String.format(Locale.ROOT, "{\"ms\": %.3f}", (t1 - t0) / 1e6);
    }

    private String run(String name) throws OrtException {
        OrtSession s = sessions.get(name);
        if (s == null) {
            throw new IllegalArgumentException("variant " + name + " is not open");
        }
        boolean heapInput = "heap".equals(variants.get(name).get("input"));
        String input = s.getInputNames().iterator().next();
        long t0 = System.nanoTime();
        float p;
        // heap: a float[] per request (as a service that builds its tensor in a Java array) copied by
        // createTensor into a fresh direct buffer; direct: the service's reused direct buffer, read in place.
        OnnxTensor t = heapInput ? OnnxTensor.createTensor(env, FloatBuffer.wrap(heap.clone()), shape)
                : OnnxTensor.createTensor(env, direct.rewind(), shape);
        try (t; OrtSession.Result r = s.run(Map.of(input, t))) {
            p = ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
        }
        long t1 = System.nanoTime();
        return String.format(Locale.ROOT, "{\"ms\": %.3f, \"p\": %.7f}", (t1 - t0) / 1e6, p);
    }

    private static String rss() throws java.io.IOException {
        double rss = 0;
        double hwm = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
            } else if (line.startsWith("VmHWM:")) {
                hwm = Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
            }
        }
        return String.format(Locale.ROOT, "{\"rss\": %.1f, \"hwm\": %.1f}", rss, hwm);
    }

    /** Whole-image decode against the service's way (only the centre crop's region), same reader. */
    private static String decode(Path file, boolean cropOnly, String readerKind) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        long t0 = System.nanoTime();
        ImageReader reader = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("jpeg"); it.hasNext();) {
            ImageReader r = it.next();
            boolean tm = r.getClass().getName().startsWith("com.twelvemonkeys.");
            if (reader == null || tm == "twelvemonkeys".equals(readerKind)) {
                reader = r;
            }
        }
        int w;
        int h;
        try (ImageInputStream stream = new com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream(bytes)) {
            reader.setInput(stream, true, true);
            w = reader.getWidth(0);
            h = reader.getHeight(0);
            ImageReadParam param = reader.getDefaultReadParam();
            if (cropOnly) {
                int side = (int) Math.floor(0.5 * Math.min(w, h) + 0.5);
                param.setSourceRegion(new Rectangle((w - side) / 2, (h - side) / 2, side, side));
            }
            BufferedImage img = reader.read(0, param);
            w = img.getWidth();
            h = img.getHeight();
        } finally {
            reader.dispose();
        }
        long t1 = System.nanoTime();
        return String.format(Locale.ROOT, "{\"ms\": %.3f, \"w\": %d, \"h\": %d, \"reader\": \"%s\"}", (t1 - t0) / 1e6,
                w, h, reader.getClass().getSimpleName());
    }
}
