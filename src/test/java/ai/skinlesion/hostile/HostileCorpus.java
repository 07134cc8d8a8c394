package ai.skinlesion.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import ai.skinlesion.TestData;

/**
 * The hostile and odd inputs every build is tested with (issue "Hardening"): every file of the test photo
 * folder in several body shapes, and generated cases — headers declaring huge sizes, tiny and extreme aspect
 * ratios, polyglots, random bytes, a real photo cut at every tenth, right bytes with the wrong Content-Type and
 * the reverse, multipart with many or huge parts, base64 with whitespace or the URL-safe alphabet, nested and
 * huge JSON, a progressive JPEG built to be slow. Built in code, so nothing binary is committed.
 * <p>
 * Sizes assume the test profile's 4 MiB image limit ({@link #MAX_IMAGE_BYTES}).
 */
public final class HostileCorpus {

    /** The test profile's melanoma.limits.max-image-bytes. */
    public static final int MAX_IMAGE_BYTES = 4 * 1024 * 1024;

    private static final String PHOTO = "dermoscopy/ISIC_0024310.jpg";
    private static final String SMALL_PHOTO = "dermoscopy/ISIC_0024306.jpg";
    private static final String PNG = "formats/png16-rgb.png";
    private static final String WEBP = "formats/webp-lossy-exif.webp";

    private HostileCorpus() {
    }

    public static Stream<Case> all() {
        return Stream.of(files(), headers(), sizes(), polyglots(), random(), truncations(), contentTypes(),
                multipart(), json(), methods(), slow()).flatMap(List::stream);
    }

    // ---------------------------------------------------------------------------------------------------------
    // every file of the test photo folder

    /**
     * Each file with the Content-Type its name suggests. The odd formats, broken files and text files also as
     * application/octet-stream (so that refused Content-Types still reach the decoder), as a multipart upload and
     * as base64 JSON; the ordinary photos (dermoscopy, EXIF orientation) once, to keep the run short.
     */
    static List<Case> files() {
        List<Case> cases = new ArrayList<>();
        for (Path file : testdataFiles()) {
            String rel = TestData.root().relativize(file).toString().replace('\\', '/');
            String folder = rel.substring(0, Math.max(rel.indexOf('/'), 0));
            Supplier<byte[]> bytes = () -> read(file);
            String type = mediaTypeOf(rel);
            Case raw = Case.post("file " + rel + " as " + type, type, bytes);
            cases.add(rel.startsWith("dermoscopy/") && rel.endsWith(".jpg") ? raw.expectOk() : raw);
            if ("dermoscopy".equals(folder) || "exif-orientation".equals(folder)) {
                continue;
            }
            if (!type.equals("application/octet-stream")) {
                cases.add(Case.post("file " + rel + " as application/octet-stream", "application/octet-stream", bytes));
            }
            String boundary = "----corpus-" + Integer.toHexString(rel.hashCode());
            String filename = rel.substring(rel.lastIndexOf('/') + 1);
            cases.add(Case.post("file " + rel + " as multipart", "multipart/form-data; boundary=" + boundary,
                    () -> multipartBody(boundary, List.of(new Part("image", filename, type, read(file))))));
            cases.add(jsonCase("file " + rel + " as JSON base64", () -> jsonImage(Base64.getEncoder().encodeToString(read(file)))));
        }
        return cases;
    }

    static List<Path> testdataFiles() {
        try (Stream<Path> walk = Files.walk(TestData.root())) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String mediaTypeOf(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        String ext = n.substring(n.lastIndexOf('.') + 1);
        return switch (ext) {
            case "jpg", "jpeg", "mpo" -> "image/jpeg";
            case "png" -> "image/png";
            case "gif" -> "image/gif";
            case "webp" -> "image/webp";
            case "heic" -> "image/heic";
            case "avif" -> "image/avif";
            case "bmp" -> "image/bmp";
            case "tif", "tiff" -> "image/tiff";
            case "csv" -> "text/csv";
            case "md" -> "text/markdown";
            default -> "application/octet-stream";
        };
    }

    // ---------------------------------------------------------------------------------------------------------
    // headers declaring sizes no image should have

    static List<Case> headers() {
        List<Case> cases = new ArrayList<>();
        int[][] pngSizes = { { 100_000, 100_000 }, { 65_535, 65_535 }, { Integer.MAX_VALUE, Integer.MAX_VALUE },
                { Integer.MAX_VALUE, 1 }, { 0, 0 }, { -1, 10 }, { 10, Integer.MIN_VALUE }, { 7072, 7071 } };
        for (int[] s : pngSizes) {
            Case c = Case.post("PNG header declaring " + s[0] + " x " + s[1], "image/png", () -> SyntheticPng.header(s[0], s[1]));
            long pixels = (long) s[0] * s[1];
            cases.add(s[0] > 0 && s[1] > 0 && pixels > 50_000_000 ? c.expect(422, "too-many-pixels") : c);
        }
        int[][] jpegSizes = { { 65_535, 65_535 }, { 65_535, 1 }, { 1, 65_535 }, { 60_000, 60_000 }, { 0, 0 },
                { 100, 0 }, { 7072, 7071 } };
        byte[] someScan = new byte[64];
        for (int[] s : jpegSizes) {
            Case c = Case.post("JPEG header declaring " + s[0] + " x " + s[1], "image/jpeg", () -> SyntheticJpeg.header(s[0], s[1], someScan));
            cases.add((long) s[0] * s[1] > 50_000_000 ? c.expect(422, "too-many-pixels") : c);
        }
        // WebP: the size is read from the header before libwebp decodes a pixel, in each of its three layouts
        int[][] webpSizes = { { 16_384, 16_384 }, { 16_384, 1 }, { 7072, 7071 }, { 7071, 7071 }, { 1, 1 } };
        for (int[] s : webpSizes) {
            long pixels = (long) s[0] * s[1];
            Case lossless = Case.post("WebP lossless header declaring " + s[0] + " x " + s[1], "image/webp",
                    () -> SyntheticWebp.lossless(s[0], s[1]));
            Case extended = Case.post("WebP VP8X canvas and lossless header declaring " + s[0] + " x " + s[1],
                    "image/webp", () -> SyntheticWebp.extended(s[0], s[1], s[0], s[1]));
            for (Case c : List.of(lossless, extended)) {
                cases.add(pixels > 50_000_000 ? c.expect(422, "too-many-pixels")
                        : s[0] == 1 || s[1] == 1 ? c.expect(422, "image-too-small") : c.expect(422, "corrupt-image"));
            }
        }
        cases.add(Case.post("WebP lossy key frame declaring 16383 x 16383", "image/webp",
                () -> SyntheticWebp.lossy(16_383, 16_383)).expect(422, "too-many-pixels"));
        cases.add(Case.post("WebP lossy key frame declaring 1000 x 1000, no data", "image/webp",
                () -> SyntheticWebp.lossy(1000, 1000)).expect(422, "corrupt-image"));
        // the canvas is what libwebp allocates: a fuzzed one of 96 x 4,653,057 around a 96 x 72 frame made its JNI
        // reader throw OutOfMemoryError
        cases.add(Case.post("WebP VP8X canvas 2^24 x 2^24 around a 100 x 100 image", "image/webp",
                () -> SyntheticWebp.extended(1 << 24, 1 << 24, 100, 100)).expect(422, "too-many-pixels"));
        cases.add(Case.post("WebP VP8X canvas 100 x 4653057 around a 100 x 100 image", "image/webp",
                () -> SyntheticWebp.extended(100, 4_653_057, 100, 100)).expect(422, "too-many-pixels"));
        cases.add(Case.post("WebP VP8X canvas 2000 x 2000 around a 100 x 100 image", "image/webp",
                () -> SyntheticWebp.extended(2000, 2000, 100, 100)));
        cases.add(Case.post("WebP whose RIFF size says 4 GiB", "image/webp",
                () -> SyntheticWebp.withRiffSize(read(TestData.path(WEBP)), 0xFFFF_FFF0L)));
        cases.add(Case.post("WebP whose RIFF size says 8 bytes", "image/webp",
                () -> SyntheticWebp.withRiffSize(read(TestData.path(WEBP)), 8)));
        return cases;
    }

    // ---------------------------------------------------------------------------------------------------------
    // tiny, extreme aspect ratios, the limits themselves

    static List<Case> sizes() {
        List<Case> cases = new ArrayList<>();
        int[][] small = { { 1, 1 }, { 30_000, 10 }, { 10, 30_000 }, { 63, 64 }, { 64, 63 } };
        for (int[] s : small) {
            cases.add(Case.post("PNG " + s[0] + " x " + s[1], "image/png", () -> SyntheticPng.flat(s[0], s[1]))
                    .expect(422, "image-too-small"));
            cases.add(Case.post("JPEG " + s[0] + " x " + s[1], "image/jpeg", () -> SyntheticJpeg.flat(s[0], s[1], 3))
                    .expect(422, "image-too-small"));
        }
        int[][] fine = { { 64, 64 }, { 64, 30_000 }, { 30_000, 64 } };
        for (int[] s : fine) {
            cases.add(Case.post("PNG " + s[0] + " x " + s[1], "image/png", () -> SyntheticPng.flat(s[0], s[1])).expectOk());
            cases.add(Case.post("JPEG " + s[0] + " x " + s[1], "image/jpeg", () -> SyntheticJpeg.flat(s[0], s[1], 3)).expectOk());
        }
        // just under the 50-megapixel limit: 49,999,041 pixels in under 700 KB, decoded for real
        cases.add(Case.post("PNG 7071 x 7071 (largest allowed, flat)", "image/png", () -> SyntheticPng.flat(7071, 7071)).expectOk());
        cases.add(Case.post("JPEG 7071 x 7071 (largest allowed, flat)", "image/jpeg", () -> SyntheticJpeg.flat(7071, 7071, 3)).expectOk());
        cases.add(Case.post("greyscale JPEG 7071 x 7071", "image/jpeg", () -> SyntheticJpeg.flat(7071, 7071, 1)).expectOk());
        return cases;
    }

    // ---------------------------------------------------------------------------------------------------------
    // one file, two readings

    static List<Case> polyglots() {
        List<Case> cases = new ArrayList<>();
        cases.add(Case.post("JPEG followed by a ZIP archive", "image/jpeg", () -> concat(photo(), zip())).expectOk());
        cases.add(Case.post("PNG followed by HTML and script", "image/png", () -> concat(read(TestData.path(PNG)),
                ascii("<html><script>alert(document.cookie)</script></html>"))).expectOk());
        cases.add(Case.post("JPEG with PHP in a comment segment", "image/jpeg",
                () -> withComment(photo(), "<?php system($_GET['c']); ?>")).expectOk());
        cases.add(Case.post("GIF header that is also JavaScript", "image/jpeg", ascii("GIF89a/*\u0000\u0000*/=1;alert(1)//"))
                .expect(415, "unsupported-image-format"));
        cases.add(Case.post("PDF header before a JPEG", "image/jpeg", () -> concat(ascii("%PDF-1.7\n%\u00e2\u00e3\n"), photo()))
                .expect(422, "not-an-image"));
        cases.add(Case.post("JPEG signature before HTML", "image/jpeg",
                () -> concat(new byte[] { (byte) 0xFF, (byte) 0xD8, (byte) 0xFF }, ascii("<html><body>hello</body></html>"))));
        cases.add(Case.post("JPEG signature, PNG body", "image/jpeg",
                () -> concat(new byte[] { (byte) 0xFF, (byte) 0xD8, (byte) 0xFF }, read(TestData.path(PNG)))));
        cases.add(Case.post("PNG signature, JPEG body", "image/png", () -> concat(SyntheticPng.SIGNATURE, photo())));
        cases.add(Case.post("ZIP archive containing a JPEG", "application/octet-stream", HostileCorpus::zip)
                .expect(422, "not-an-image"));
        cases.add(Case.post("JPEG in a WebP RIFF wrapper", "image/jpeg", () -> concat(ascii("RIFF\u0000\u0000\u0000\u0000WEBPVP8 "), photo()))
                .expect(422, "corrupt-image"));
        cases.add(Case.post("SVG with an embedded JPEG data URL", "image/jpeg", () -> ascii(
                "<svg xmlns='http://www.w3.org/2000/svg'><image href='data:image/jpeg;base64,"
                        + Base64.getEncoder().encodeToString(read(TestData.path(SMALL_PHOTO))) + "'/></svg>"))
                .expect(422, "not-an-image"));
        return cases;
    }

    // ---------------------------------------------------------------------------------------------------------
    // random bytes, alone and behind real signatures

    static List<Case> random() {
        List<Case> cases = new ArrayList<>();
        int[] lengths = { 1, 2, 3, 16, 100, 1000, 65_536, 1_000_000 };
        for (int length : lengths) {
            cases.add(Case.post("random " + length + " bytes", "image/jpeg", () -> randomBytes(length, length)));
        }
        for (int seed = 1; seed <= 6; seed++) {
            int s = seed;
            cases.add(Case.post("JPEG signature + random bytes #" + s, "image/jpeg",
                    () -> concat(new byte[] { (byte) 0xFF, (byte) 0xD8, (byte) 0xFF }, randomBytes(1000 * s * s, s))));
            cases.add(Case.post("PNG signature + random bytes #" + s, "image/png",
                    () -> concat(SyntheticPng.SIGNATURE, randomBytes(1000 * s * s, 100 + s))));
        }
        for (int seed = 1; seed <= 4; seed++) {
            int s = seed;
            cases.add(Case.post("JPEG headers + random scan #" + s, "image/jpeg",
                    () -> SyntheticJpeg.header(640, 480, randomBytes(20_000, 200 + s))));
            cases.add(Case.post("real JPEG with random bytes flipped #" + s, "image/jpeg", () -> flipped(photo(), 20, 300 + s)));
            cases.add(Case.post("real PNG with random bytes flipped #" + s, "image/png",
                    () -> flipped(read(TestData.path(PNG)), 8, 400 + s)));
        }
        return cases;
    }

    // ---------------------------------------------------------------------------------------------------------
    // real files cut at every tenth: all refused, also when the cut lies below the rows the model's crop needs

    static List<Case> truncations() {
        List<Case> cases = new ArrayList<>();
        for (String file : List.of(PHOTO, "formats/progressive.jpg", PNG)) {
            for (int tenth = 1; tenth <= 9; tenth++) {
                int t = tenth;
                cases.add(Case.post(file + " cut at " + (t * 10) + "%", file.endsWith(".png") ? "image/png" : "image/jpeg", () -> {
                    byte[] all = read(TestData.path(file));
                    return Arrays.copyOf(all, all.length * t / 10);
                }).expect(422, "corrupt-image"));
            }
        }
        return cases;
    }

    // ---------------------------------------------------------------------------------------------------------
    // right bytes, wrong label, and the reverse

    static List<Case> contentTypes() {
        List<Case> cases = new ArrayList<>();
        Supplier<byte[]> jpeg = HostileCorpus::photo;
        cases.add(Case.post("JPEG labelled image/png", "image/png", jpeg).expectOk());
        cases.add(Case.post("PNG labelled image/jpeg", "image/jpeg", () -> read(TestData.path(PNG))).expectOk());
        cases.add(Case.post("JPEG labelled application/octet-stream", "application/octet-stream", jpeg).expectOk());
        cases.add(Case.post("JPEG labelled image/jpeg; charset=utf-8", "image/jpeg; charset=utf-8", jpeg).expectOk());
        cases.add(Case.post("JPEG labelled IMAGE/JPEG", "IMAGE/JPEG", jpeg));
        cases.add(Case.post("JPEG labelled text/plain", "text/plain", jpeg).expect(415, "unsupported-media-type"));
        cases.add(Case.post("JPEG labelled image/*", "image/*", jpeg).expectOk());
        cases.add(Case.post("JPEG labelled image/heic", "image/heic", jpeg).expectOk());
        cases.add(Case.post("JPEG labelled application/x-www-form-urlencoded", "application/x-www-form-urlencoded", jpeg)
                .expect(415, "unsupported-media-type"));
        cases.add(Case.post("JPEG labelled multipart/mixed", "multipart/mixed; boundary=x", jpeg));
        cases.add(Case.post("JPEG labelled a made-up type", "x-made/up", jpeg).expect(415, "unsupported-media-type"));
        cases.add(Case.post("JPEG labelled with garbage", ";;;===", jpeg).expect(415, "unsupported-media-type"));
        cases.add(Case.post("JPEG without Content-Type", null, jpeg).expect(415, "unsupported-media-type"));
        cases.add(Case.post("JPEG labelled application/json", "application/json", jpeg).expect(400, "malformed-json"));
        cases.add(Case.post("JPEG labelled multipart/form-data", "multipart/form-data; boundary=xyz", jpeg)
                .expect(400, "malformed-multipart"));
        cases.add(Case.post("JPEG labelled multipart/form-data without boundary", "multipart/form-data", jpeg)
                .expect(400, "malformed-multipart"));
        // the reverse: right label, wrong bytes
        cases.add(Case.post("text labelled image/jpeg", "image/jpeg", ascii("hello, this is text")).expect(422, "not-an-image"));
        cases.add(Case.post("JSON labelled image/png", "image/png", () -> jsonImage(base64(photo()))).expect(422, "not-an-image"));
        cases.add(Case.post("multipart body labelled image/jpeg", "image/jpeg",
                () -> multipartBody("b0undary", List.of(new Part("image", "p.jpg", "image/jpeg", photo())))).expect(422, "not-an-image"));
        cases.add(Case.post("base64 text labelled image/jpeg", "image/jpeg", () -> ascii(base64(photo()))).expect(422, "not-an-image"));
        cases.add(Case.post("empty body labelled image/jpeg", "image/jpeg", new byte[0]).expect(400, "empty-body"));
        // The plain HTTP build answers this with problem+json (OversizedBody); the Lambda mock event server, like
        // API Gateway, refuses it itself.
        cases.add(Case.post("17 MB body (over the HTTP server's 16 MB)", "image/jpeg", () -> randomJpegLike(17 * 1024 * 1024))
                .expect(413, null).answeredByTheHttpServer());
        cases.add(Case.post("empty body labelled application/json", "application/json", new byte[0]).expect(400, "empty-body"));
        return cases;
    }

    // ---------------------------------------------------------------------------------------------------------
    // multipart with many parts, huge parts, odd structure

    static List<Case> multipart() {
        List<Case> cases = new ArrayList<>();
        String b = "----hostile-corpus-7e3f";
        String type = "multipart/form-data; boundary=" + b;
        Part image = new Part("image", "photo.jpg", "image/jpeg", read(TestData.path(SMALL_PHOTO)));
        cases.add(mp("multipart: one image part", type, b, List.of(image)).expectOk());
        // 16 parts are within the limit, so all are read: the answer is the 422 naming the first field that is not
        // a metadata field (every text part is one, as in JSON), not the 400 of too many parts
        cases.add(mp("multipart: image and 15 text parts", type, b, withFields(image, 15)).expect(422, "invalid-metadata"));
        cases.add(mp("multipart: image and 16 text parts (17)", type, b, withFields(image, 16)).expect(400, "malformed-multipart"));
        cases.add(mp("multipart: 1000 parts", type, b, withFields(image, 999)).expect(400, "malformed-multipart"));
        cases.add(mp("multipart: 20000 empty parts", type, b, withFields(image, 19_999)).expect(400, "malformed-multipart"));
        cases.add(mp("multipart: image part over the byte limit", type, b,
                List.of(new Part("image", "big.jpg", "image/jpeg", randomJpegLike(MAX_IMAGE_BYTES + 1)))).expect(413, "too-many-bytes"));
        cases.add(mp("multipart: 3 MB text part before the image", type, b,
                List.of(new Part("comment", null, null, new byte[3_000_000]), image)));
        cases.add(mp("multipart: two image parts", type, b, List.of(image, new Part("image", "x.png", "image/png", read(TestData.path(PNG))))));
        cases.add(mp("multipart: empty image part", type, b, List.of(new Part("image", "e.jpg", "image/jpeg", new byte[0]))));
        cases.add(mp("multipart: no image part", type, b, List.of(new Part("photo", "p.jpg", "image/jpeg", image.data())))
                .expect(400, "missing-image-part"));
        cases.add(mp("multipart: file name with path traversal", type, b,
                List.of(new Part("image", "../../../../etc/passwd", "image/jpeg", image.data()))).expectOk());
        cases.add(mp("multipart: part labelled text/plain", type, b, List.of(new Part("image", "p.jpg", "text/plain", image.data()))).expectOk());
        cases.add(Case.post("multipart: part with Content-Transfer-Encoding base64", type,
                () -> ascii("--" + b + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.jpg\"\r\n"
                        + "Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                        + Base64.getMimeEncoder().encodeToString(image.data()) + "\r\n--" + b + "--\r\n")));
        cases.add(Case.post("multipart: nested multipart/mixed", type, () -> ascii("--" + b
                + "\r\nContent-Disposition: form-data; name=\"image\"\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n"
                + "--inner\r\nContent-Disposition: file; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nnot really\r\n--inner--\r\n--"
                + b + "--\r\n")));
        cases.add(Case.post("multipart: closing boundary missing", type,
                () -> cut(multipartBody(b, List.of(image)), b.length() + 8)).expect(400, "malformed-multipart"));
        cases.add(Case.post("multipart: LF line endings", type, () -> concat(ascii("--" + b
                + "\nContent-Disposition: form-data; name=\"image\"; filename=\"p.jpg\"\nContent-Type: image/jpeg\n\n"),
                image.data(), ascii("\n--" + b + "--\n"))));
        String longBoundary = "x".repeat(70);
        cases.add(mp("multipart: 70-character boundary", "multipart/form-data; boundary=" + longBoundary, longBoundary, List.of(image)).expectOk());
        String quoted = "a:b c(d)";
        cases.add(mp("multipart: quoted boundary with odd characters", "multipart/form-data; boundary=\"" + quoted + "\"", quoted,
                List.of(image)));
        cases.add(mp("multipart: boundary in the Content-Type differs from the body's", "multipart/form-data; boundary=other",
                b, List.of(image)).expect(400, "malformed-multipart"));
        cases.add(Case.post("multipart: headers only, no parts", type, ascii("--" + b + "--\r\n")).expect(400, "malformed-multipart"));
        cases.add(Case.post("multipart: part header without a name", type, () -> concat(ascii("--" + b
                + "\r\nContent-Disposition: form-data\r\nContent-Type: image/jpeg\r\n\r\n"), image.data(), ascii("\r\n--" + b + "--\r\n"))));
        cases.add(Case.post("multipart: 100 KB header line", type, () -> concat(ascii("--" + b
                + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + "a".repeat(100_000) + "\"\r\n\r\n"),
                image.data(), ascii("\r\n--" + b + "--\r\n"))));
        cases.add(Case.post("multipart: random bytes", type, () -> randomBytes(50_000, 77)).expect(400, null));
        return cases;
    }

    private static Case mp(String name, String contentType, String boundary, List<Part> parts) {
        return Case.post(name, contentType, () -> multipartBody(boundary, parts));
    }

    private static List<Part> withFields(Part image, int fields) {
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < fields; i++) {
            parts.add(new Part("field" + i, null, null, ascii("v" + i)));
        }
        parts.add(image);
        return parts;
    }

    public record Part(String name, String filename, String type, byte[] data) {
    }

    public static byte[] multipartBody(String boundary, List<Part> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Part p : parts) {
            out.writeBytes(ascii("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name() + "\""
                    + (p.filename() == null ? "" : "; filename=\"" + p.filename() + "\"") + "\r\n"
                    + (p.type() == null ? "" : "Content-Type: " + p.type() + "\r\n") + "\r\n"));
            out.writeBytes(p.data());
            out.writeBytes(ascii("\r\n"));
        }
        out.writeBytes(ascii("--" + boundary + "--\r\n"));
        return out.toByteArray();
    }

    // ---------------------------------------------------------------------------------------------------------
    // JSON and base64

    static List<Case> json() {
        List<Case> cases = new ArrayList<>();
        Supplier<byte[]> small = () -> read(TestData.path(SMALL_PHOTO));
        cases.add(jsonCase("JSON: standard base64", () -> jsonImage(base64(small.get()))).expectOk());
        cases.add(jsonCase("JSON: MIME base64 with CRLF every 76 characters", () -> jsonImage(
                Base64.getMimeEncoder().encodeToString(small.get()).replace("\r\n", "\\r\\n"))).expectOk());
        cases.add(jsonCase("JSON: base64 with spaces and tabs everywhere", () -> jsonImage(base64(small.get()).replaceAll("(.{7})", "$1 \\\\t"))).expectOk());
        cases.add(jsonCase("JSON: URL-safe base64 without padding", () -> jsonImage(
                Base64.getUrlEncoder().withoutPadding().encodeToString(small.get()))).expectOk());
        cases.add(jsonCase("JSON: data URL", () -> jsonImage("data:image/jpeg;base64," + base64(small.get()))).expectOk());
        cases.add(jsonCase("JSON: data URL without a comma", ascii("{\"image\": \"data:image/jpeg;base64\"}")).expect(400, "malformed-base64"));
        cases.add(jsonCase("JSON: base64 with invalid characters", ascii("{\"image\": \"/9j/4AAQ*&^%$\"}")).expect(400, "malformed-base64"));
        cases.add(jsonCase("JSON: padding in the middle", () -> jsonImage("/9j/==" + base64(small.get()))).expect(400, "malformed-base64"));
        cases.add(jsonCase("JSON: mixed standard and URL-safe alphabets", () -> jsonImage(mixAlphabets(base64(small.get())))).expectOk());
        cases.add(jsonCase("JSON: base64 of text", () -> jsonImage(base64(ascii("not an image at all")))).expect(422, "not-an-image"));
        cases.add(jsonCase("JSON: empty image string", ascii("{\"image\": \"\"}")).expect(400, "empty-body"));
        cases.add(jsonCase("JSON: image null", ascii("{\"image\": null}")).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: image a number", ascii("{\"image\": 12345}")).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: image an array", ascii("{\"image\": [\"/9j/\"]}")).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: image an object", ascii("{\"image\": {\"data\": \"/9j/\"}}")).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: top-level array", ascii("[{\"image\": \"/9j/\"}]")).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: top-level string", ascii("\"/9j/\"")).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: image twice, last one valid", () -> ascii("{\"image\": \"bad*\", \"image\": \"" + base64(small.get()) + "\"}")));
        cases.add(jsonCase("JSON: trailing garbage", () -> concat(jsonImage(base64(small.get())), ascii("garbage"))).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: two objects", () -> concat(jsonImage(base64(small.get())), jsonImage("x"))).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: comment", () -> ascii("{/* c */ \"image\": \"" + base64(small.get()) + "\"}")).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: nested 100000 deep in another field",
                () -> ascii("{\"x\": " + "[".repeat(100_000) + "]".repeat(100_000) + ", \"image\": \"/9j/\"}")).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: objects nested 50000 deep",
                () -> ascii("{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000))).expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: 4 MB of whitespace", () -> concat(ascii(" ".repeat(4_000_000)), jsonImage(base64(small.get())))).expectOk());
        cases.add(jsonCase("JSON: 200000 other fields", () -> {
            StringBuilder s = new StringBuilder("{");
            for (int i = 0; i < 200_000; i++) {
                s.append("\"f").append(i).append("\":").append(i).append(',');
            }
            return ascii(s.append("\"image\":\"").append(base64(small.get())).append("\"}").toString());
        }).expectOk());
        cases.add(jsonCase("JSON: 5 MB string in another field", () -> ascii("{\"note\": \"" + "a".repeat(5_000_000)
                + "\", \"image\": \"" + base64(small.get()) + "\"}")).expectOk());
        cases.add(jsonCase("JSON: a 100000-digit number", ascii("{\"n\": " + "9".repeat(100_000) + ", \"image\": \"/9j/\"}"))
                .expect(400, "malformed-json"));
        cases.add(jsonCase("JSON: image over the byte limit", () -> jsonImage(base64(randomJpegLike(MAX_IMAGE_BYTES + 3))))
                .expect(413, "too-many-bytes"));
        cases.add(jsonCase("JSON: body over the JSON limit", () -> ascii("{\"image\": \"" + "A".repeat(7_000_000) + "\"}"))
                .expect(413, "too-many-bytes"));
        cases.add(jsonCase("JSON: UTF-8 byte order mark", () -> concat(new byte[] { (byte) 0xEF, (byte) 0xBB, (byte) 0xBF },
                jsonImage(base64(small.get())))));
        cases.add(jsonCase("JSON: UTF-16", () -> ("{\"image\": \"" + base64(small.get()) + "\"}").getBytes(StandardCharsets.UTF_16BE)));
        cases.add(jsonCase("JSON: unicode escapes in the base64", () -> ascii("{\"image\": \""
                + base64(small.get()).replace("A", "\\u0041") + "\"}")).expectOk());
        cases.add(jsonCase("JSON: invalid UTF-8", () -> concat(ascii("{\"image\": \""), new byte[] { (byte) 0xC3, (byte) 0x28 }, ascii("\"}"))));
        cases.add(jsonCase("JSON: random bytes", () -> randomBytes(10_000, 99)).expect(400, "malformed-json"));
        return cases;
    }

    private static Case jsonCase(String name, byte[] body) {
        return Case.post(name, "application/json", body);
    }

    private static Case jsonCase(String name, Supplier<byte[]> body) {
        return Case.post(name, "application/json", body);
    }

    private static byte[] jsonImage(String base64) {
        return ascii("{\"image\": \"" + base64 + "\"}");
    }

    private static String mixAlphabets(String standard) {
        StringBuilder s = new StringBuilder(standard.length());
        for (int i = 0; i < standard.length(); i++) {
            char c = standard.charAt(i);
            s.append(i % 2 == 0 ? c : c == '+' ? '-' : c == '/' ? '_' : c);
        }
        return s.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // methods and paths

    static List<Case> methods() {
        List<Case> cases = new ArrayList<>();
        Supplier<byte[]> jpeg = HostileCorpus::photo;
        cases.add(Case.request("GET /v1/predictions", "GET", Case.PREDICTIONS, null, null).expect(405, "method-not-allowed"));
        cases.add(Case.request("PUT /v1/predictions", "PUT", Case.PREDICTIONS, "image/jpeg", jpeg).expect(405, "method-not-allowed"));
        cases.add(Case.request("DELETE /v1/predictions", "DELETE", Case.PREDICTIONS, null, null).expect(405, "method-not-allowed"));
        cases.add(Case.request("POST /v1/model", "POST", "/v1/model", "image/jpeg", jpeg).expect(405, "method-not-allowed"));
        cases.add(Case.request("POST to an unknown path", "POST", "/v1/predict", "image/jpeg", jpeg).expect(404, "not-found"));
        cases.add(Case.request("GET with a 3 KB path", "GET", "/v1/" + "a".repeat(3_000), null, null).expect(404, "not-found"));
        cases.add(Case.request("GET with a 10 KB path", "GET", "/v1/" + "a".repeat(10_000), null, null).answeredByTheHttpServer());
        cases.add(Case.request("GET with encoded traversal", "GET", "/v1/..%2F..%2Fetc%2Fpasswd", null, null));
        cases.add(Case.post("Accept: image/png", "image/jpeg", jpeg).header("Accept", "image/png").expect(406, "not-acceptable"));
        cases.add(Case.post("Accept: application/json", "image/jpeg", jpeg).header("Accept", "application/json").expectOk());
        cases.add(Case.post("Accept that cannot be parsed", "image/jpeg", jpeg).header("Accept", ";;;===,,q=x"));
        cases.add(Case.post("Content-Type that cannot be parsed", ";;;===", jpeg).expect(415, "unsupported-media-type"));
        cases.add(Case.post("Content-Type with an empty boundary", "multipart/form-data; boundary=", jpeg).expect(400, "malformed-multipart"));
        cases.add(Case.post("Content-Type with a huge parameter", "image/jpeg; x=" + "y".repeat(8_000), jpeg));
        cases.add(Case.post("Content-Encoding: gzip on a plain JPEG", "image/jpeg", jpeg).header("Content-Encoding", "gzip"));
        cases.add(Case.post("X-API-Key sent to a service without one", "image/jpeg", jpeg).header("X-API-Key", "whatever").expectOk());
        return cases;
    }

    // ---------------------------------------------------------------------------------------------------------
    // built to be slow

    static List<Case> slow() {
        return List.of(Case.post("progressive JPEG 7000 x 7000 with 5000 scans", "image/jpeg",
                () -> SyntheticJpeg.progressiveScanBomb(7000, 7000, 5000)).expect(422, "too-slow"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers

    public static byte[] photo() {
        return read(TestData.path(PHOTO));
    }

    public static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    public static byte[] randomBytes(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] randomJpegLike(int length) {
        byte[] b = randomBytes(length, length);
        b[0] = (byte) 0xFF;
        b[1] = (byte) 0xD8;
        b[2] = (byte) 0xFF;
        return b;
    }

    private static byte[] flipped(byte[] data, int flips, long seed) {
        byte[] b = data.clone();
        Random random = new Random(seed);
        for (int i = 0; i < flips; i++) {
            int at = 2 + random.nextInt(b.length - 2);
            b[at] = (byte) random.nextInt(256);
        }
        return b;
    }

    private static byte[] cut(byte[] data, int fromEnd) {
        return Arrays.copyOf(data, data.length - fromEnd);
    }

    private static byte[] withComment(byte[] jpeg, String comment) {
        byte[] text = ascii(comment);
        int length = text.length + 2;
        byte[] segment = concat(new byte[] { (byte) 0xFF, (byte) 0xFE, (byte) (length >>> 8), (byte) length }, text);
        return concat(Arrays.copyOf(jpeg, 2), segment, Arrays.copyOfRange(jpeg, 2, jpeg.length));
    }

    private static byte[] zip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("photo.jpg"));
            zip.write(read(TestData.path(SMALL_PHOTO)));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("../../evil.sh"));
            zip.write(ascii("#!/bin/sh\nrm -rf /\n"));
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
