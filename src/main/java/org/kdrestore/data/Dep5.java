package org.kdrestore.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A small reader for Debian's machine-readable copyright files (DEP-5,
 * https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/): paragraphs separated by
 * blank lines, {@code Field: value} lines, continuation lines starting with a space or tab (a
 * lone {@code .} stands for an empty line), {@code #} comment lines skipped. Field names are
 * case-insensitive.
 */
public final class Dep5 {
    private Dep5() {}

    /** One paragraph: field name to value (continuation lines joined with {@code \n}, one leading blank removed). */
    public record Stanza(Map<String, String> fields) {
        public Optional<String> get(String field) {
            return Optional.ofNullable(fields.get(field));
        }

        /** The non-empty lines of a field, trimmed (for {@code Copyright:}, one holder a line). */
        public List<String> lines(String field) {
            return get(field).stream().flatMap(String::lines).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }

        /** The first line of a field (for {@code License:}, the licence's short name). */
        public String firstLine(String field) {
            return get(field).map(v -> v.lines().findFirst().orElse("").strip()).orElse("");
        }
    }

    public static List<Stanza> parse(String text) {
        List<Stanza> out = new ArrayList<>();
        Map<String, String> cur = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        String last = null;
        for (String line : text.split("\r?\n", -1)) {
            if (line.isBlank()) {
                if (!cur.isEmpty()) {
                    out.add(new Stanza(Collections.unmodifiableMap(cur)));
                    cur = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                }
                last = null;
            } else if (line.startsWith("#")) {
                continue;
            } else if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (last != null) {
                    String more = line.substring(1);
                    cur.put(last, cur.get(last) + "\n" + (more.strip().equals(".") ? "" : more));
                }
            } else {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    continue; // not a field: ignored, like dpkg's tolerant readers
                }
                last = line.substring(0, colon).strip();
                cur.put(last, line.substring(colon + 1).strip());
            }
        }
        if (!cur.isEmpty()) {
            out.add(new Stanza(Collections.unmodifiableMap(cur)));
        }
        return out;
    }

    /**
     * The paragraph whose {@code Files:} patterns match {@code path} ({@code *} any characters,
     * {@code ?} one; the last matching paragraph wins, as DEP-5 says), if any.
     */
    public static Optional<Stanza> filesStanza(List<Stanza> stanzas, String path) {
        Stanza found = null;
        for (Stanza s : stanzas) {
            for (String pattern : s.get("Files").orElse("").split("\\s+")) {
                if (!pattern.isEmpty() && glob(pattern).matcher(path).matches()) {
                    found = s;
                    break;
                }
            }
        }
        return Optional.ofNullable(found);
    }

    private static Pattern glob(String pattern) {
        StringBuilder re = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
