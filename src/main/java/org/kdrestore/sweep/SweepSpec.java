package org.kdrestore.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;

/**
 * A sweep file (YAML), parsed strictly: unknown keys, missing keys and values of the wrong kind
 * are errors naming the file and the key. Config keys and their values are checked later, by
 * {@link SweepPlan}, through the same override validation as {@code distill --set}.
 *
 * <pre>
 * name: lr-vs-ssim            # folder name under runs/sweeps/ and reports/sweeps/
 * base: quick                 # a preset or a config YAML file
 * set: {student.width: 8}     # optional overrides of the base, applied to every trial
 * data: work/sample           # a prepared dataset, or a folder of photos (prepared once)
 * teacher: auto               # optional: auto|official|compact|FILE, as demo/distill --teacher (default auto);
 *                             # its outputs fill the cache once, before any trial
 * teacher_config: CFG.json    # optional: the arch config of a teacher FILE
 * teacher_cache: DIR          # optional; default DATA/teacher-cache; given without 'teacher', used as it is
 * metric: val_ssim            # what ranks the trials (val_ssim, val_psnr: higher is better; losses: lower)
 * grid: {train.lr: [1e-3, 3e-4], loss.gt_ssim: [0.5, 1.0]}
 * # or random: {seed: 1, trials: 8, space: {train.lr: {log_uniform: [1e-4, 1e-2]}, train.batch_size: {choice: [4, 8]}}}
 * early_stop: {rule: median, after_epochs: 1, min_trials: 2}   # optional
 * include_base: true          # also run the base config when no trial equals it (default true)
 * </pre>
 */
public record SweepSpec(Path file, String name, String base, Map<String, String> set, String data, String teacher,
        String teacherConfig, String teacherCache, String metric, Map<String, List<String>> grid, RandomSearch random, EarlyStop earlyStop, boolean includeBase) {

    static final Set<String> KEYS = Set.of("name", "base", "set", "data", "teacher", "teacher_config", "teacher_cache", "metric", "grid", "random",
            "early_stop", "include_base");

    /** Metrics read from the last epoch row of a trial's metrics.csv; val_* are maximised, losses minimised. */
    public static final List<String> METRICS = List.of("val_ssim", "val_psnr", "loss", "gt_l1", "gt_ssim", "gt_vgg",
            "teacher_l1", "teacher_ssim", "teacher_vgg");

    /** A random search: {@code trials} draws from {@code space}, reproducible from {@code seed}. */
    public record RandomSearch(long seed, int trials, Map<String, Distribution> space) {}

    /**
     * One key's distribution. {@code log_uniform [a, b]}: exp of a uniform draw in [ln a, ln b];
     * {@code uniform [a, b]}; {@code int_uniform [a, b]}: an integer, both ends included;
     * {@code choice [v1, v2, …]}: one of the values, equally likely.
     */
    public record Distribution(String kind, double low, double high, List<String> choices) {
        static final List<String> KINDS = List.of("log_uniform", "uniform", "int_uniform", "choice");
    }

    /**
     * The median stopping rule: at the end of every epoch from {@code afterEpochs} on, a trial
     * whose metric is worse than the median of the other trials' metric at the same epoch is
     * stopped, once at least {@code minTrials} other trials have reached that epoch.
     */
    public record EarlyStop(String rule, int afterEpochs, int minTrials) {}

    public boolean maximise() {
        return maximises(metric);
    }

    static boolean maximises(String metric) {
        return metric.startsWith("val_");
    }

    /** Reads and checks the structure of a sweep file. */
    public static SweepSpec read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("sweep file " + file + " does not exist");
        }
        JsonNode root;
        try {
            root = Json.YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserInputException("sweep file " + file + " is not valid YAML: " + firstLine(e), e);
        }
        return parse(root, file);
    }

    static SweepSpec parse(JsonNode root, Path file) {
        String where = "sweep file " + file;
        if (root == null || !root.isObject()) {
            throw new UserInputException(where + " must be a YAML mapping with keys " + sorted(KEYS));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new UserInputException(where + ": unknown key '" + k + "' (known keys: " + sorted(KEYS) + ")");
            }
        }
        String name = text(root, "name", where, true);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new UserInputException(where + ": name '" + name + "' must be letters, digits, '.', '_' or '-' (it names folders)");
        }
        String base = text(root, "base", where, true);
        String data = text(root, "data", where, true);
        String teacher = text(root, "teacher", where, false);
        String teacherConfig = text(root, "teacher_config", where, false);
        String teacherCache = text(root, "teacher_cache", where, false);
        String metric = root.has("metric") ? text(root, "metric", where, true) : "val_ssim";
        if (!METRICS.contains(metric)) {
            throw new UserInputException(where + ": metric '" + metric + "' is not one of " + METRICS);
        }
        Map<String, String> set = new LinkedHashMap<>();
        if (root.has("set") && !root.get("set").isNull()) {
            JsonNode s = root.get("set");
            if (!s.isObject()) {
                throw new UserInputException(where + ": 'set' must be a mapping of config keys to values, e.g. {train.lr: 1e-3}");
            }
            s.fields().forEachRemaining(e -> set.put(e.getKey(), value(e.getValue(), where + ": set." + e.getKey())));
        }
        boolean hasGrid = root.has("grid") && !root.get("grid").isNull();
        boolean hasRandom = root.has("random") && !root.get("random").isNull();
        if (hasGrid == hasRandom) {
            throw new UserInputException(where + ": give exactly one of 'grid' (every combination) or 'random' (seed, trials, space)"
                    + (hasGrid ? ", not both" : ""));
        }
        Map<String, List<String>> grid = null;
        RandomSearch random = null;
        if (hasGrid) {
            grid = parseGrid(root.get("grid"), where);
        } else {
            random = parseRandom(root.get("random"), where);
        }
        EarlyStop early = null;
        if (root.has("early_stop") && !root.get("early_stop").isNull()) {
            early = parseEarlyStop(root.get("early_stop"), where);
        }
        boolean includeBase = true;
        if (root.has("include_base")) {
            JsonNode b = root.get("include_base");
            if (!b.isBoolean() && !(b.isTextual() && (b.asText().equals("true") || b.asText().equals("false")))) {
                throw new UserInputException(where + ": include_base must be true or false, got " + b);
            }
            includeBase = b.asBoolean() || b.asText().equals("true");
        }
        return new SweepSpec(file, name, base, set, data, teacher, teacherConfig, teacherCache, metric, grid,
                random, early, includeBase);
    }

    /** The same sweep with the teacher chosen on the command line ({@code --teacher}), which overrides the file's. */
    public SweepSpec withTeacher(String choice, String config) {
        return new SweepSpec(file, name, base, set, data, choice, config, teacherCache, metric, grid, random, earlyStop, includeBase);
    }

    private static Map<String, List<String>> parseGrid(JsonNode g, String where) {
        if (!g.isObject() || g.isEmpty()) {
            throw new UserInputException(where + ": 'grid' is empty; give at least one config key with a list of values,"
                    + " e.g. grid: {train.lr: [1e-3, 3e-4]}");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        g.fields().forEachRemaining(e -> {
            String at = where + ": grid." + e.getKey();
            JsonNode v = e.getValue();
            List<String> values = new ArrayList<>();
            if (v.isArray()) {
                v.forEach(x -> values.add(value(x, at)));
            } else {
                throw new UserInputException(at + " must be a list of values, e.g. [1e-3, 3e-4], got " + v);
            }
            if (values.isEmpty()) {
                throw new UserInputException(at + " has no values (an empty list would make an empty grid)");
            }
            if (values.stream().distinct().count() != values.size()) {
                throw new UserInputException(at + " lists a value twice: " + values);
            }
            out.put(e.getKey(), List.copyOf(values));
        });
        return out;
    }

    private static RandomSearch parseRandom(JsonNode r, String where) {
        String at = where + ": random";
        if (!r.isObject()) {
            throw new UserInputException(at + " must be a mapping with seed, trials and space");
        }
        for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!Set.of("seed", "trials", "space").contains(k)) {
                throw new UserInputException(at + ": unknown key '" + k + "' (known keys: seed, trials, space)");
            }
        }
        long seed = r.has("seed") ? integer(r.get("seed"), at + ".seed") : 0;
        if (!r.has("trials")) {
            throw new UserInputException(at + ".trials is missing: give the trial budget (a number ≥ 1)");
        }
        long trials = integer(r.get("trials"), at + ".trials");
        if (trials < 1) {
            throw new UserInputException(at + ".trials must be ≥ 1 (the trial budget), got " + trials);
        }
        if (trials > 10_000) {
            throw new UserInputException(at + ".trials=" + trials + " is more than the limit of 10000");
        }
        JsonNode space = r.get("space");
        if (space == null || !space.isObject() || space.isEmpty()) {
            throw new UserInputException(at + ".space is empty; give at least one config key with a distribution, e.g. "
                    + "space: {train.lr: {log_uniform: [1e-4, 1e-2]}}");
        }
        Map<String, Distribution> out = new LinkedHashMap<>();
        space.fields().forEachRemaining(e -> out.put(e.getKey(), distribution(e.getValue(), at + ".space." + e.getKey())));
        return new RandomSearch(seed, (int) trials, out);
    }

    private static Distribution distribution(JsonNode d, String at) {
        if (d.isArray()) {
            return choice(d, at); // a plain list is shorthand for choice
        }
        if (!d.isObject() || d.size() != 1) {
            throw new UserInputException(at + " must be one of {log_uniform: [a, b]}, {uniform: [a, b]}, {int_uniform: [a, b]}, "
                    + "{choice: [v1, v2, ...]}; got " + d);
        }
        String kind = d.fieldNames().next();
        JsonNode v = d.get(kind);
        if (!Distribution.KINDS.contains(kind)) {
            throw new UserInputException(at + ": unknown distribution '" + kind + "' (known: " + Distribution.KINDS + ")");
        }
        if (kind.equals("choice")) {
            return choice(v, at + ".choice");
        }
        if (!v.isArray() || v.size() != 2) {
            throw new UserInputException(at + "." + kind + " must be a list [low, high], got " + v);
        }
        double lo = number(v.get(0), at + "." + kind + "[0]");
        double hi = number(v.get(1), at + "." + kind + "[1]");
        if (!(lo < hi)) {
            throw new UserInputException(at + "." + kind + ": low " + lo + " must be below high " + hi);
        }
        if (kind.equals("log_uniform") && !(lo > 0)) {
            throw new UserInputException(at + ".log_uniform: both ends must be positive, got low " + lo);
        }
        if (kind.equals("int_uniform") && (lo != Math.rint(lo) || hi != Math.rint(hi))) {
            throw new UserInputException(at + ".int_uniform: both ends must be integers, got [" + lo + ", " + hi + "]");
        }
        return new Distribution(kind, lo, hi, List.of());
    }

    private static Distribution choice(JsonNode v, String at) {
        if (!v.isArray() || v.isEmpty()) {
            throw new UserInputException(at + " must be a non-empty list of values");
        }
        List<String> c = new ArrayList<>();
        v.forEach(x -> c.add(value(x, at)));
        return new Distribution("choice", Double.NaN, Double.NaN, List.copyOf(c));
    }

    private static EarlyStop parseEarlyStop(JsonNode e, String where) {
        String at = where + ": early_stop";
        if (!e.isObject()) {
            throw new UserInputException(at + " must be a mapping, e.g. {rule: median, after_epochs: 1}");
        }
        for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!Set.of("rule", "after_epochs", "min_trials").contains(k)) {
                throw new UserInputException(at + ": unknown key '" + k + "' (known keys: rule, after_epochs, min_trials)");
            }
        }
        String rule = e.has("rule") ? e.get("rule").asText() : "median";
        if (!rule.equals("median")) {
            throw new UserInputException(at + ".rule '" + rule + "' is not known (known: median)");
        }
        long after = e.has("after_epochs") ? integer(e.get("after_epochs"), at + ".after_epochs") : 1;
        long min = e.has("min_trials") ? integer(e.get("min_trials"), at + ".min_trials") : 2;
        if (after < 1) {
            throw new UserInputException(at + ".after_epochs must be ≥ 1, got " + after);
        }
        if (min < 1) {
            throw new UserInputException(at + ".min_trials must be ≥ 1, got " + min);
        }
        return new EarlyStop(rule, (int) after, (int) min);
    }

    /** A config value as the text {@code --set key=value} takes (lists comma-separated). */
    static String value(JsonNode v, String at) {
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode x : v) {
                if (x.isContainerNode()) {
                    throw new UserInputException(at + ": a list value may hold only plain values, got " + v);
                }
                items.add(x.asText());
            }
            return String.join(",", items);
        }
        if (v.isObject()) {
            throw new UserInputException(at + " takes a single value (or a list for a list key), got " + v);
        }
        if (v.isNull()) {
            return "null";
        }
        if (v.isFloatingPointNumber()) {
            return number(v.asDouble());
        }
        return v.asText();
    }

    /** A double as short text: 3e-4 reads "0.0003" rather than Java's "3.0E-4"; whole numbers keep ".0" (a float key). */
    static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d) || d == Math.rint(d)) {
            return String.valueOf(d);
        }
        return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toString();
    }

    private static String text(JsonNode root, String key, String where, boolean required) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new UserInputException(where + ": '" + key + "' is missing");
            }
            return null;
        }
        if (!v.isValueNode() || v.asText().isBlank()) {
            throw new UserInputException(where + ": '" + key + "' must be a non-empty text value, got " + v);
        }
        return v.asText();
    }

    private static long integer(JsonNode v, String at) {
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        if (v.isTextual() && v.asText().trim().matches("[-+]?[0-9]+")) {
            return Long.parseLong(v.asText().trim());
        }
        throw new UserInputException(at + " must be an integer, got " + v);
    }

    private static double number(JsonNode v, String at) {
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText().trim()); // YAML 1.1 reads 1e-4 as text
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new UserInputException(at + " must be a number, got " + v);
    }

    private static String sorted(Set<String> s) {
        return s.stream().sorted().toList().toString();
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }
}
