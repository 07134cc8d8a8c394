package ai.skinlesion.modelspec;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Both layers as the service applies them to a model.json: {@link ModelSpecSchema} (each field) and the cross-field
 * rules of {@link ModelSpecValidator}. The specs are built as records and written out as model-export writes them
 * (absent fields left out), so that each test reads as the spec it checks.
 */
class ModelSpecValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_EMPTY)
            .setVisibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE);

    /** What ModelDirectory.readSpec does with a model.json: the schema, then the cross-field rules. */
    static void check(ModelSpec spec) throws Exception {
        JsonNode json = JSON.valueToTree(spec);
        ModelSpecValidator.validate(json);
        ModelSpecValidator.validate(JSON.treeToValue(json, ModelSpec.class));
    }

    static ModelSpec spec(ModelSpec.Preprocessing preprocessing, String layout, double threshold) {
        return spec(preprocessing, layout, threshold, 1, List.of());
    }

    static ModelSpec spec(ModelSpec.Preprocessing preprocessing, String layout, double threshold, int specVersion,
            List<ModelSpec.RuntimeGraph> graphs) {
        return spec(preprocessing, layout, threshold, specVersion, graphs, null, null);
    }

    static ModelSpec spec(ModelSpec.Preprocessing preprocessing, String layout, double threshold, int specVersion,
            List<ModelSpec.RuntimeGraph> graphs, ModelSpec.ChosenBy chosenBy, ModelSpec.Calibration calibration) {
        return new ModelSpec(specVersion, "m", "1", false, "d",
                new ModelSpec.ModelFile("model.onnx", "0".repeat(64), 1L, null, null),
                new ModelSpec.Input("image", "float32", layout, 384, 384, 3, "RGB", preprocessing,
                        new ModelSpec.Normalization(1.0, List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0))),
                new ModelSpec.Output("probability", "sigmoid-in-graph", "p"),
                new ModelSpec.Decision(threshold, "malignant", "benign", chosenBy), graphs, calibration);
    }

    static ModelSpec.Preprocessing preprocessing(double crop, String resize) {
        return new ModelSpec.Preprocessing("apply", "drop", "replicate", "naive-inverted", crop,
                new ModelSpec.Resize(null, resize, true), "uint8", null, null);
    }

    @Test
    void acceptsTheDemoShape() {
        assertDoesNotThrow(() -> check(spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5)));
    }

    @Test
    void namesEveryWrongFieldAtOnce() {
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> check(spec(preprocessing(0, "lanczos5"), "HWC", 1.0)));
        String m = e.getMessage();
        assertTrue(m.contains("centerCropFraction"), m);
        assertTrue(m.contains("resize.method"), m);
        assertTrue(m.contains("layout"), m);
        assertTrue(m.contains("threshold"), m);
    }

    @Test
    void acceptsRuntimeGraphsInVersion2() {
        ModelSpec.RuntimeGraph graph = new ModelSpec.RuntimeGraph("model.opt-portable.onnx", "a".repeat(64), 10L,
                null, new ModelSpec.ExternalData("model.opt-portable.onnx.data", "b".repeat(64), 20L, null, null), "extended",
                "all", new ModelSpec.Requires(null, null), null);
        assertDoesNotThrow(() -> check(
                spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 2, List.of(graph))));
    }

    @Test
    void namesEveryWrongRuntimeGraphField() {
        ModelSpec.RuntimeGraph graph = new ModelSpec.RuntimeGraph("../elsewhere.onnx", "XYZ", null, "short",
                new ModelSpec.ExternalData("sub/w.data", null, 0L, null, "XYZ"), "all", "fastest", new ModelSpec.Requires("sparc", 3), "123");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> check(
                spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 2, List.of(graph))));
        String m = e.getMessage();
        for (String field : new String[] { "runtimeGraphs[0].file", "runtimeGraphs[0].sha256", "runtimeGraphs[0].bytes",
                "runtimeGraphs[0].sampledSha256", "runtimeGraphs[0].openWith", "runtimeGraphs[0].requires.arch",
                "runtimeGraphs[0].requires.nchwcBlockSize", "runtimeGraphs[0].externalData.file",
                "runtimeGraphs[0].externalData.sha256", "runtimeGraphs[0].externalData.bytes", "runtimeGraphs[0].crc32",
                "runtimeGraphs[0].externalData.crc32" }) {
            assertTrue(m.contains(field), field + " in " + m);
        }
    }

    @Test
    void refusesRuntimeGraphsInVersion1AndUnknownVersions() {
        ModelSpec.RuntimeGraph graph = new ModelSpec.RuntimeGraph("model.opt-portable.onnx", "a".repeat(64), 10L,
                null, null, "extended", "all", null, null);
        String m = assertThrows(InvalidModelException.class, () -> check(
                spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 1, List.of(graph)))).getMessage();
        assertTrue(m.contains("runtimeGraphs"), m);
        m = assertThrows(InvalidModelException.class, () -> check(
                spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 5, List.of()))).getMessage();
        assertTrue(m.contains("specVersion: must have a maximum value of 4"), m);
    }

    @Test
    void acceptsVersion3WithAMapAndQualityOverrides() {
        ModelSpec base = spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 3, List.of());
        ModelSpec v3 = new ModelSpec(3, base.name(), base.version(), base.trained(), base.description(), base.model(),
                base.input(), base.output(), base.decision(), base.runtimeGraphs(), base.calibration(),
                List.of(new ModelSpec.ExtraOutput("cam", "class-activation-map", java.util.Arrays.asList(-1L, 12L, 12L), "m"),
                        new ModelSpec.ExtraOutput("later", "something-newer", null, null)),
                new ModelSpec.Quality(2.0, null, null, null, null, 0.05));
        assertDoesNotThrow(() -> check(v3));
    }

    @Test
    void namesEveryWrongVersion3Field() {
        ModelSpec base = spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, 3, List.of());
        ModelSpec v3 = new ModelSpec(3, base.name(), base.version(), base.trained(), base.description(), base.model(),
                base.input(), base.output(), base.decision(), base.runtimeGraphs(), base.calibration(),
                List.of(new ModelSpec.ExtraOutput("cam", "class-activation-map", List.of(-1L, 0L), "m")),
                new ModelSpec.Quality(-1.0, 300.0, null, 2.0, null, null));
        String m = assertThrows(InvalidModelException.class, () -> check(v3)).getMessage();
        for (String field : List.of("extraOutputs[0].shape", "quality.minSharpness",
                "quality.minBrightness", "quality.maxDarkShare")) {
            assertTrue(m.contains(field), field + " in " + m);
        }
        ModelSpec shadowing = new ModelSpec(3, base.name(), base.version(), base.trained(), base.description(),
                base.model(), base.input(), base.output(), base.decision(), base.runtimeGraphs(), base.calibration(),
                List.of(new ModelSpec.ExtraOutput("probability", "class-activation-map", List.of(-1L, 5L, 5L), "m")),
                null);
        m = assertThrows(InvalidModelException.class, () -> check(shadowing)).getMessage();
        assertTrue(m.contains("extraOutputs[0].name must differ from output.name"), m);
    }

    @Test
    void aMissingAntialiasIsRefusedNotReadAsFalse() {
        ModelSpec.Preprocessing p = new ModelSpec.Preprocessing("apply", "drop", "replicate", "naive-inverted", 0.5,
                new ModelSpec.Resize(null, "bilinear", null), "uint8", null, null);
        String m = assertThrows(InvalidModelException.class,
                () -> check(spec(p, "NHWC", 0.5))).getMessage();
        assertTrue(m.contains("resize.antialias is missing"), m);
    }

    private static ModelSpec calibrated(ModelSpec.ChosenBy chosenBy, ModelSpec.Calibration calibration) {
        return spec(preprocessing(0.5, "bilinear"), "NHWC", 0.3, 3, List.of(), chosenBy, calibration);
    }

    @Test
    void acceptsAThresholdChosenOnTheCalibratedScale() {
        ModelSpec.ChosenBy chosen = new ModelSpec.ChosenBy("target-sensitivity", 0.95, "calibrated");
        assertDoesNotThrow(() -> check(calibrated(chosen,
                new ModelSpec.Calibration("platt", 1.5, -0.2, null, null, null))));
        assertDoesNotThrow(() -> check(calibrated(chosen,
                new ModelSpec.Calibration("isotonic", null, null, null, List.of(0.1, 0.6), List.of(0.0, 1.0)))));
        assertDoesNotThrow(() -> check(calibrated(
                new ModelSpec.ChosenBy("fixed", null, "uncalibrated"), null)));
    }

    @Test
    void aThresholdOnTheOtherScaleIsRefused() {
        String m = assertThrows(InvalidModelException.class, () -> check(calibrated(
                new ModelSpec.ChosenBy("fixed", null, "uncalibrated"),
                new ModelSpec.Calibration("platt", 1.0, 0.0, null, null, null)))).getMessage();
        assertTrue(m.contains("decision.chosenBy.scale must be \"calibrated\""), m);
        m = assertThrows(InvalidModelException.class, () -> check(calibrated(
                new ModelSpec.ChosenBy("target-sensitivity", 0.9, "calibrated"), null))).getMessage();
        assertTrue(m.contains("decision.chosenBy.scale must be \"uncalibrated\""), m);
        m = assertThrows(InvalidModelException.class, () -> check(calibrated(
                new ModelSpec.ChosenBy("target-sensitivity", 1.5, "uncalibrated"), null))).getMessage();
        assertTrue(m.contains("decision.chosenBy.targetSensitivity: must have a maximum value of 1"), m);
    }

    @Test
    void namesEveryWrongCalibrationField() {
        String m = assertThrows(InvalidModelException.class, () -> check(calibrated(null,
                new ModelSpec.Calibration("platt", -1.0, null, 0.7, null, null)))).getMessage();
        assertTrue(m.contains("calibration.a: must have an exclusive minimum value of 0"), m);
        assertTrue(m.contains("calibration.b is missing"), m);
        assertTrue(m.contains("calibration.epsilon"), m);
        for (var bad : List.of(List.of(List.of(0.1, 0.5), List.of(0.2)), List.of(List.of(0.1, 1.5), List.of(0.2, 0.3)),
                List.of(List.of(0.5, 0.5), List.of(0.2, 0.3)), List.of(List.of(0.1, 0.5), List.of(0.3, 0.2)))) {
            String why = assertThrows(InvalidModelException.class, () -> check(calibrated(null,
                    new ModelSpec.Calibration("isotonic", null, null, null, bad.get(0), bad.get(1))))).getMessage();
            assertTrue(why.contains("calibration.x") || why.contains("calibration.y"), why);
        }
        m = assertThrows(InvalidModelException.class, () -> check(calibrated(null,
                new ModelSpec.Calibration("beta", null, null, null, null, null)))).getMessage();
        assertTrue(m.contains("calibration.method: does not have a value in the enumeration"), m);
        m = assertThrows(InvalidModelException.class, () -> check(spec(preprocessing(0.5, "bilinear"),
                "NHWC", 0.5, 2, List.of(), null, new ModelSpec.Calibration("platt", 1.0, 0.0, null, null, null)))).getMessage();
        assertTrue(m.contains("calibration needs specVersion 3"), m);
    }

    static ModelSpec.Preprocessing choice(String library, String method, Boolean antialias, String order,
            ModelSpec.JpegRoundTrip jpeg, String quantize) {
        return new ModelSpec.Preprocessing("apply", "drop", "replicate", "naive-inverted", 0.6,
                new ModelSpec.Resize(library, method, antialias), quantize, order, jpeg);
    }

    @Test
    void acceptsEveryPreprocessingChoiceTheServiceReproduces() {
        ModelSpec.JpegRoundTrip jpeg = new ModelSpec.JpegRoundTrip(95, "4:2:0", "opencv", "tensorflow-default");
        for (ModelSpec.Preprocessing p : List.of(
                choice("tensorflow", "bilinear", true, null, null, "uint8"),
                choice("tensorflow", "bilinear", false, "crop-then-resize", null, "none"),
                choice("tensorflow", "bicubic", true, "resize-then-crop", jpeg, "uint8"),
                choice("opencv", "area", null, null, jpeg, "uint8"),
                choice("opencv", "linear", false, null, new ModelSpec.JpegRoundTrip(75, "4:4:4", "pillow", "accurate"),
                        "uint8"),
                choice("opencv", "cubic", null, "resize-then-crop", null, "uint8"),
                choice("pillow", "bilinear", null, null, new ModelSpec.JpegRoundTrip(1, "4:2:2", null, null), "uint8"),
                choice("pillow", "bicubic", null, null, null, "uint8"),
                choice("pillow", "lanczos", null, null, null, "uint8"))) {
            assertDoesNotThrow(() -> check(spec(p, "NHWC", 0.5, 3, List.of())), p.toString());
        }
    }

    @Test
    void namesEveryWrongPreprocessingChoiceField() {
        ModelSpec.JpegRoundTrip jpeg = new ModelSpec.JpegRoundTrip(101, "4:1:1", "libjpeg", "float");
        String m = assertThrows(InvalidModelException.class, () -> check(
                spec(choice("opencv", "lanczos4", true, "resize-only", jpeg, "none"), "NHWC", 0.5, 3, List.of())))
                .getMessage();
        for (String field : new String[] {
                "resize.method: does not have a value in the enumeration [\"area\", \"linear\", \"cubic\"]",
                "resize.antialias: must be the constant value 'false'", "order: does not have a value",
                "jpegRoundTrip.quality", "jpegRoundTrip.chromaSubsampling", "jpegRoundTrip.encoder",
                "jpegRoundTrip.dctMethod" }) {
            assertTrue(m.contains(field), field + " in " + m);
        }
        m = assertThrows(InvalidModelException.class, () -> check(spec(choice("opencv", "area", null, null,
                new ModelSpec.JpegRoundTrip(95, null, null, null), "none"), "NHWC", 0.5, 3, List.of()))).getMessage();
        assertTrue(m.contains("jpegRoundTrip needs input.preprocessing.quantize \"uint8\""), m);
        m = assertThrows(InvalidModelException.class, () -> check(
                spec(choice("skimage", "area", null, null, null, "uint8"), "NHWC", 0.5, 3, List.of()))).getMessage();
        assertTrue(m.contains("resize.library: does not have a value in the enumeration"), m);
    }

    @Test
    void refusesWhatTheServiceCannotReproduce() {
        // tf.image.resize(bicubic, antialias=False) is ResizeBicubic, whose edge handling is not reproduced
        String m = assertThrows(InvalidModelException.class, () -> check(
                spec(choice("tensorflow", "bicubic", false, null, null, "uint8"), "NHWC", 0.5, 3, List.of())))
                .getMessage();
        assertTrue(m.contains("input.preprocessing.resize.antialias: must be the constant value 'true'"), m);
    }

    // specVersion 4: ensembles and patient metadata, as JSON the way model-export writes it

    static final String HEX = "a".repeat(64);

    static ModelSpec parse(String json) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readValue(json.replace('\'', '"'), ModelSpec.class);
    }

    static String ensemble(String members, String combination) {
        return "{'specVersion': 4, 'name': 'e', 'version': '1', 'trained': false, 'members': [" + members + "],"
                + " 'combination': " + combination + ","
                + " 'decision': {'threshold': 0.5, 'positiveLabel': 'malignant', 'negativeLabel': 'benign'}}";
    }

    static String member(String name, String dir, double weight) {
        return "{'name': '" + name + "', 'dir': '" + dir + "', 'weight': " + weight + ", 'specSha256': '" + HEX + "'}";
    }

    @Test
    void acceptsAnEnsembleWithoutAGraphOfItsOwn() throws Exception {
        assertDoesNotThrow(() -> check(parse(ensemble(member("a", "members/a", 1) + ","
                + member("b-2", "members/b", 0.5), "{'method': 'weighted-mean-probability', 'tta': 'dihedral8'}"))));
    }

    @Test
    void namesEveryWrongEnsembleField() throws Exception {
        String m = assertThrows(InvalidModelException.class, () -> check(parse(ensemble(
                member("A b", "../outside", -1) + "," + member("a", "/abs", 1) + "," + member("a", "members/x", 1),
                "{'method': 'median', 'tta': 'five-crop'}")))).getMessage();
        for (String part : new String[] { "members[0].name", "members[0].dir", "members[0].weight", "members[1].dir",
                "combination.method", "combination.tta" }) {
            assertTrue(m.contains(part), part + " in " + m);
        }
        m = assertThrows(InvalidModelException.class, () -> check(parse(ensemble(member("a", "members/a", 1) + ","
                + member("a", "members/x", 1), "{'method': 'weighted-mean-probability', 'tta': 'none'}"))))
                .getMessage();
        assertTrue(m.contains("members[1].name \"a\" is used twice"), m);
        m = assertThrows(InvalidModelException.class, () -> check(parse(ensemble(
                member("a", "members/a", 1), "{'method': 'weighted-mean-probability', 'tta': 'none'}").replace("'specVersion': 4",
                        "'specVersion': 3")))).getMessage();
        assertTrue(m.contains("members needs specVersion 4"), m);
        m = assertThrows(InvalidModelException.class, () -> check(parse(
                ensemble(member("a", "members/a", 1), "null")))).getMessage();
        assertTrue(m.contains("combination is missing"), m);
    }

    static final String ISIC_FIELDS = "[{'name': 'sex', 'kind': 'category', 'index': 0, 'values': {'male': 1.0,"
            + " 'female': 0.0}, 'missing': -1.0}, {'name': 'age', 'kind': 'number', 'index': 1, 'scale': 90.0, 'min': 0,"
            + " 'max': 120, 'missing': 0.0}, {'name': 'site', 'kind': 'one-hot', 'index': 2, 'values': ['head/neck',"
            + " 'upper extremity', 'lower extremity', 'torso', 'palms/soles', 'oral/genital'], 'missingColumn': 8}]";

    static ModelSpec withMetadata(int version, long length, String fields) throws Exception {
        ModelSpec base = spec(preprocessing(0.5, "bilinear"), "NHWC", 0.5, version, List.of());
        List<ModelSpec.ExtraInput> extra = List.of(new ModelSpec.ExtraInput("metadata", "patient-metadata", "isic2020",
                "float32", List.of(-1L, length), List.of(new com.fasterxml.jackson.databind.ObjectMapper()
                        .readValue(fields.replace('\'', '"'), ModelSpec.MetadataField[].class))));
        return new ModelSpec(version, base.name(), base.version(), base.trained(), base.description(), base.model(),
                base.input(), base.output(), base.decision(), base.runtimeGraphs(), null, null, null, null, null, extra);
    }

    @Test
    void acceptsTheIsic2020Declaration() {
        assertDoesNotThrow(() -> check(withMetadata(4, 9, ISIC_FIELDS)));
    }

    @Test
    void refusesMetadataThatCannotBeEncoded() throws Exception {
        String m = assertThrows(InvalidModelException.class,
                () -> check(withMetadata(3, 9, ISIC_FIELDS))).getMessage();
        assertTrue(m.contains("extraInputs needs specVersion 4"), m);
        m = assertThrows(InvalidModelException.class,
                () -> check(withMetadata(4, 10, ISIC_FIELDS))).getMessage();
        assertTrue(m.contains("leave column 9"), m);
        m = assertThrows(InvalidModelException.class,
                () -> check(withMetadata(4, 8, ISIC_FIELDS))).getMessage();
        assertTrue(m.contains("column 8 lies outside"), m);
        m = assertThrows(InvalidModelException.class, () -> check(withMetadata(4, 9,
                ISIC_FIELDS.replace("'missingColumn': 8", "'missingColumn': 1").replace("'kind': 'number'",
                        "'kind': 'free-text'")))).getMessage();
        assertTrue(m.contains("fields[1].kind"), m);
        m = assertThrows(InvalidModelException.class, () -> check(withMetadata(4, 9,
                ISIC_FIELDS.replace("'missing': -1.0", "'missingx': 0")))).getMessage();
        assertTrue(m.contains("fields[0].missing is missing"), m);
    }

    @Test
    void everyModelJsonInTheRepositoryMeetsBothLayers() throws Exception {
        List<java.nio.file.Path> specs;
        try (var files = java.nio.file.Files.walk(java.nio.file.Path.of("models"))) {
            specs = new java.util.ArrayList<>(files.filter(p -> p.endsWith("model.json")).toList());
        }
        try (var files = java.nio.file.Files.walk(java.nio.file.Path.of("src/test/resources/models"))) {
            specs.addAll(files.filter(p -> p.endsWith("model.json")).toList());
        }
        assertTrue(specs.size() >= 10, specs.toString());
        for (java.nio.file.Path path : specs) {
            JsonNode json = JSON.readTree(path.toFile());
            assertDoesNotThrow(() -> ModelSpecValidator.validate(json), path.toString());
            assertDoesNotThrow(() -> ModelSpecValidator.validate(JSON.treeToValue(json, ModelSpec.class)),
                    path.toString());
        }
    }

    @Test
    void aMisspeltFieldIsNamedNotIgnored() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) JSON
                .readTree(java.nio.file.Path.of("models/melanoma-b0/1/model.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("quality")).put("minSharpnes", 3.0);
        json.put("trained", "yes");
        String m = assertThrows(InvalidModelException.class, () -> ModelSpecValidator.validate(json)).getMessage();
        assertTrue(m.startsWith("model.json of \"melanoma-b0\" cannot be served: "), m);
        assertTrue(m.contains("quality: property 'minSharpnes' is not defined in the schema"), m);
        assertTrue(m.contains("trained: string found, boolean expected"), m);
    }

    @Test
    void theServiceReadsTheSchemaModelExportWrites() throws Exception {
        try (var in = ModelSpecSchema.class.getClassLoader().getResourceAsStream(ModelSpecSchema.RESOURCE)) {
            assertTrue(in != null, ModelSpecSchema.RESOURCE);
            org.junit.jupiter.api.Assertions.assertArrayEquals(java.nio.file.Files.readAllBytes(
                    java.nio.file.Path.of("model-export/melanoma_export/schema/model.schema.json")), in.readAllBytes());
        }
    }
}
