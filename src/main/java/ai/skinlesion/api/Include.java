package ai.skinlesion.api;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import ai.skinlesion.RejectedInputException;
import ai.skinlesion.Rejection;
import ai.skinlesion.classify.Extras;

/**
 * The {@code include} query parameter of POST /v1/predictions: a comma-separated list of extras to add to the
 * answer ({@code heatmap}, {@code input}). Absent or empty means none; names are case-insensitive, blanks around
 * commas and repeats are ignored; an unknown name is refused (400) with the allowed ones named.
 */
public enum Include {
    /** The class activation map: {@code "heatmap": {"grid": [[...]], "png": "data:image/png;base64,..."}}. */
    HEATMAP("heatmap"),
    /** The model's input square, before normalisation, as {@code "input": "data:image/png;base64,..."}. */
    INPUT("input");

    static final String PARAMETER = "include";

    private final String value;

    Include(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    /** The allowed values, in the order the docs list them. */
    public static List<String> allowed() {
        return java.util.Arrays.stream(values()).map(Include::value).toList();
    }

    /** @param parameters every {@code include} the query carries (it may be repeated); null or empty: none */
    public static Set<Include> parse(List<String> parameters) {
        Set<Include> wanted = EnumSet.noneOf(Include.class);
        if (parameters == null) {
            return wanted;
        }
        List<String> unknown = new ArrayList<>();
        for (String parameter : parameters) {
            if (parameter == null) {
                continue;
            }
            for (String item : parameter.split(",", -1)) {
                String name = item.strip().toLowerCase(Locale.ROOT);
                if (name.isEmpty()) {
                    continue;
                }
                Include found = null;
                for (Include include : values()) {
                    if (include.value.equals(name)) {
                        found = include;
                    }
                }
                if (found == null) {
                    // not echoed verbatim beyond a short, printable prefix: a query string is client input
                    unknown.add(name.length() > 40 ? name.substring(0, 40) + "..." : name.replaceAll("[^\\x20-\\x7e]", "?"));
                } else {
                    wanted.add(found);
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new RejectedInputException(Rejection.UNKNOWN_INCLUDE,
                    "include takes a comma-separated list of " + String.join(", ", allowed()) + "; unknown: "
                            + String.join(", ", unknown) + ".",
                    Map.of("allowed", allowed()));
        }
        return wanted;
    }

    static Extras extras(Set<Include> wanted) {
        return new Extras(wanted.contains(HEATMAP), wanted.contains(INPUT));
    }
}
