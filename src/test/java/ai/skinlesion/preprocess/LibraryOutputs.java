package ai.skinlesion.preprocess;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.skinlesion.decode.RgbImage;

/**
 * src/test/resources/preprocess/library-outputs.txt: small images and what the libraries themselves made of them
 * (printed by library-outputs.py beside it), so that each kernel's edge cases (whole factors, enlarging, one axis
 * up and one down, JPEG blocks padded on both axes) are pinned without the photos.
 */
public final class LibraryOutputs {

    /** One line: the words before the values (e.g. "resize opencv area 9x7 4x3"), and the values. */
    public record Case(String[] words, int[] values) {

        public String name() {
            return String.join(" ", words);
        }

        @Override
        public String toString() {
            return name();
        }
    }

    private static final Map<String, RgbImage> INPUTS = new HashMap<>();
    private static final List<Case> CASES = new ArrayList<>();

    static {
        try (InputStream in = LibraryOutputs.class.getResourceAsStream("/preprocess/library-outputs.txt");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split(" ");
                int[] values = Arrays.stream(parts[parts.length - 1].split(",")).mapToInt(Integer::parseInt).toArray();
                String[] words = Arrays.copyOf(parts, parts.length - 1);
                if (words[0].equals("input")) {
                    int[] size = size(words[1]);
                    byte[] rgb = new byte[values.length];
                    for (int i = 0; i < values.length; i++) {
                        rgb[i] = (byte) values[i];
                    }
                    INPUTS.put(words[1], new RgbImage(size[0], size[1], rgb));
                } else {
                    CASES.add(new Case(words, values));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LibraryOutputs() {
    }

    public static RgbImage input(String size) {
        return INPUTS.get(size);
    }

    /** "9x7" as {9, 7}. */
    public static int[] size(String widthByHeight) {
        String[] wh = widthByHeight.split("x");
        return new int[] { Integer.parseInt(wh[0]), Integer.parseInt(wh[1]) };
    }

    public static List<Case> cases(String... prefix) {
        return CASES.stream().filter(c -> Arrays.equals(Arrays.copyOf(c.words(), prefix.length), prefix)).toList();
    }

    public static int[] rounded(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.round(values[i]);
        }
        return out;
    }
}
