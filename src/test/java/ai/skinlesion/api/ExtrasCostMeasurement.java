package ai.skinlesion.api;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import ai.skinlesion.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.path.json.config.JsonPathConfig.NumberReturnType;

/**
 * What include=heatmap and include=input add to an answer, in bytes and in server milliseconds (docs/DESIGN.md,
 * "Heatmap and quality check"): every dermoscopy photo, each variant in turn, the server's own timings. A
 * measurement, not a test: no assertion, and its name keeps it out of the default run. Run it with
 * {@code ./mvnw test -Dtest=ExtrasCostMeasurement}; the report is target/extras-cost.txt.
 */
@QuarkusTest
class ExtrasCostMeasurement {

    private static final String[] VARIANTS = { "", "heatmap", "input", "heatmap,input" };

    @Test
    void measure() throws IOException {
        List<Path> photos;
        try (Stream<Path> files = Files.list(TestData.path("dermoscopy"))) {
            photos = files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        // the photos up to 1024 pixels across: the 3008 x 2000 ones add decoding time, not extras
        photos = photos.stream().filter(p -> {
            java.awt.image.BufferedImage image = ai.skinlesion.quality.PhotoVariants.read(TestData.bytes(
                    "dermoscopy/" + p.getFileName()));
            return Math.max(image.getWidth(), image.getHeight()) <= 1024;
        }).toList();
        int n = photos.size();
        double[][] bytes = new double[VARIANTS.length][n];
        double[][] inference = new double[VARIANTS.length][n];
        double[][] extras = new double[VARIANTS.length][n];
        double[][] total = new double[VARIANTS.length][n];
        for (int round = 0; round < 2; round++) { // the first round warms every path up; the second is kept
            for (int i = 0; i < (round == 0 ? Math.min(3, n) : n); i++) {
                byte[] photo = Files.readAllBytes(photos.get(i));
                for (int v = 0; v < VARIANTS.length; v++) {
                    var request = given().contentType("image/jpeg").body(photo);
                    if (!VARIANTS[v].isEmpty()) {
                        request = request.queryParam("include", VARIANTS[v]);
                    }
                    System.out.printf("extras-cost: %s include=%s%n", photos.get(i).getFileName(), VARIANTS[v]);
                    String body = request.post("/v1/predictions").then().statusCode(200).extract().asString();
                    JsonPath a = new JsonPath(body).using(new JsonPathConfig(NumberReturnType.DOUBLE));
                    bytes[v][i] = body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                    inference[v][i] = a.getDouble("timingsMs.inference");
                    extras[v][i] = a.getMap("timingsMs").containsKey("extras") ? a.getDouble("timingsMs.extras") : 0;
                    total[v][i] = a.getDouble("timingsMs.total");
                }
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%d dermoscopy photos up to 1024 px across; medians over photos (inference and total: median of"
                + " the per-photo difference to the plain answer)", n));
        lines.add("include          bytes   +bytes  inference  +inference  extras   total  +total");
        for (int v = 0; v < VARIANTS.length; v++) {
            lines.add(String.format(Locale.ROOT, "%-14s %8.0f %8.0f %9.1f %+10.2f %7.1f %7.1f %+7.2f",
                    VARIANTS[v].isEmpty() ? "(none)" : VARIANTS[v], median(bytes[v]), medianDiff(bytes[v], bytes[0]),
                    median(inference[v]), medianDiff(inference[v], inference[0]), median(extras[v]), median(total[v]),
                    medianDiff(total[v], total[0])));
        }
        Path out = Path.of("target", "extras-cost.txt");
        Files.write(out, lines);
        lines.forEach(System.out::println);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double medianDiff(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return median(d);
    }
}
