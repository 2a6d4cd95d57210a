package org.kdrestore.sweep;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.kdrestore.common.Checkout;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.infer.TeacherResolver;
import org.kdrestore.loss.DistillationLossConfig;
import org.kdrestore.train.ConfigLoader;
import org.kdrestore.train.TrainConfig;

/**
 * A sweep, validated: the base config and every trial's config resolved through
 * {@link ConfigLoader} (the same strict key and type checks as {@code distill --set}), the data
 * folder, the teacher cache and the VGG weights checked, all before any trial starts.
 */
public final class SweepPlan {
    /**
     * One trial: its swept values ({@code key → value} as {@code --set} takes them) and its
     * resolved config. {@code base} marks the trial whose config equals the base config.
     */
    public record Trial(int index, String id, Map<String, String> params, boolean base, TrainConfig config) {
        /** {@code key=value} overrides, in the sweep file's key order. */
        public List<String> sets() {
            return params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        }

        public String label() {
            String p = params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
            return p.isEmpty() ? "base" : base ? p + " (base)" : p;
        }
    }

    private final SweepSpec spec;
    private final String baseArg;
    private final TrainConfig baseConfig;
    private final List<String> sweptKeys;
    private final List<Trial> trials;
    private final Path data;
    private final boolean dataPrepared;
    private final Path teacherCache;
    private final TeacherResolver.Resolved teacher;
    private final List<String> notes;

    private SweepPlan(SweepSpec spec, String baseArg, TrainConfig baseConfig, List<String> sweptKeys, List<Trial> trials,
            Path data, boolean dataPrepared, Path teacherCache, TeacherResolver.Resolved teacher, List<String> notes) {
        this.spec = spec;
        this.baseArg = baseArg;
        this.baseConfig = baseConfig;
        this.sweptKeys = sweptKeys;
        this.trials = trials;
        this.data = data;
        this.dataPrepared = dataPrepared;
        this.teacherCache = teacherCache;
        this.teacher = teacher;
        this.notes = notes;
    }

    public SweepSpec spec() {
        return spec;
    }

    public TrainConfig baseConfig() {
        return baseConfig;
    }

    public List<String> sweptKeys() {
        return sweptKeys;
    }

    public List<Trial> trials() {
        return trials;
    }

    /** The data folder as given (absolute): a prepared dataset, or photos when {@link #dataPrepared()} is false. */
    public Path data() {
        return data;
    }

    public boolean dataPrepared() {
        return dataPrepared;
    }

    /**
     * The teacher cache given in the file (null: the default, PREPARED/teacher-cache). With a
     * {@link #teacher()} it is the root the runner fills; without, the cache every trial reads as it is.
     */
    public Path teacherCache() {
        return teacherCache;
    }

    /**
     * The teacher whose outputs the runner fills into the cache once, before any trial (resolved
     * from the file's or the command line's {@code teacher}, default auto); null when no trial uses
     * the teacher, or when the file names a {@code teacher_cache} without a {@code teacher}.
     */
    public TeacherResolver.Resolved teacher() {
        return teacher;
    }

    /** What the plan changed or noticed (duplicate draws skipped, base trial added). */
    public List<String> notes() {
        return notes;
    }

    /** Validates {@code spec} completely; every problem is a {@link UserInputException} naming the file, key or value. */
    public static SweepPlan of(SweepSpec spec) {
        String where = "sweep file " + spec.file();
        Path dir = spec.file().toAbsolutePath().getParent();
        List<String> keys = ConfigLoader.keys();
        spec.set().keySet().forEach(k -> requireKey(k, keys, where + ": set"));
        Map<String, ?> swept = spec.grid() != null ? spec.grid() : spec.random().space();
        String sweptWhere = where + (spec.grid() != null ? ": grid" : ": random.space");
        for (String k : swept.keySet()) {
            requireKey(k, keys, sweptWhere);
            if (spec.set().containsKey(k)) {
                throw new UserInputException(where + ": config key '" + k + "' is both in 'set' and swept; remove it from 'set'");
            }
        }
        String baseArg = ConfigLoader.PRESETS.contains(spec.base()) ? spec.base() : resolvePath(spec.base(), dir, where + ": base")
                .toString();
        List<String> baseSets = spec.set().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        TrainConfig base;
        try {
            base = ConfigLoader.load(baseArg, baseSets);
        } catch (UserInputException e) {
            throw new UserInputException(where + ": the base config fails validation: " + e.getMessage(), e);
        }

        List<Map<String, String>> combos = spec.grid() != null ? gridCombos(spec.grid()) : randomDraws(spec.random());
        List<String> notes = new ArrayList<>();
        List<Trial> trials = new ArrayList<>();
        boolean baseFound = false;
        for (int i = 0; i < combos.size(); i++) {
            Map<String, String> params = combos.get(i);
            List<String> sets = new ArrayList<>(baseSets);
            params.forEach((k, v) -> sets.add(k + "=" + v));
            TrainConfig c;
            try {
                c = ConfigLoader.load(baseArg, sets);
            } catch (UserInputException e) {
                throw new UserInputException(where + ": trial " + (i + 1) + " of " + combos.size() + " (" + describe(params)
                        + ") fails validation: " + e.getMessage(), e);
            }
            Trial same = trials.stream().filter(t -> t.config().equals(c)).findFirst().orElse(null);
            if (same != null) {
                notes.add("skipped draw " + (i + 1) + " (" + describe(params) + "): same config as trial " + same.id());
                continue;
            }
            boolean isBase = c.equals(base);
            baseFound |= isBase;
            trials.add(new Trial(trials.size(), null, params, isBase, c));
        }
        if (!baseFound && spec.includeBase()) {
            trials.add(0, new Trial(0, null, Map.of(), true, base));
            notes.add("added the base config as a trial (no swept combination equals it), to measure how much the best beats it");
        }
        List<Trial> numbered = new ArrayList<>();
        for (int i = 0; i < trials.size(); i++) {
            Trial t = trials.get(i);
            numbered.add(new Trial(i, String.format("t%03d", i), t.params(), t.base(), t.config()));
        }

        Path data = resolvePath(spec.data(), dir, where + ": data");
        if (!Files.isDirectory(data)) {
            throw new UserInputException(where + ": data " + data + " is not a folder");
        }
        boolean prepared = Files.isRegularFile(data.resolve(DatasetPreparer.MANIFEST));
        if (!prepared && DatasetPreparer.listPhotos(data).isEmpty()) {
            throw new UserInputException(where + ": data " + data + " is neither a prepared dataset (no " + DatasetPreparer.MANIFEST
                    + ") nor a folder of photos");
        }
        Path cache = spec.teacherCache() == null ? null : resolvePath(spec.teacherCache(), dir, where + ": teacher_cache");
        boolean cacheAsGiven = cache != null && spec.teacher() == null;
        boolean usesTeacher = numbered.stream().anyMatch(t -> t.config().loss().usesTeacher());
        TeacherResolver.Resolved teacher = null;
        if (usesTeacher && !cacheAsGiven) {
            Path config = spec.teacherConfig() == null ? null : resolvePath(spec.teacherConfig(), dir, where + ": teacher_config");
            String choice = spec.teacher() == null ? "auto" : spec.teacher();
            if (!TeacherResolver.NAMED_CHOICES.contains(choice)) {
                choice = resolvePath(choice, dir, where + ": teacher").toString();
            }
            try {
                teacher = TeacherResolver.choose(choice, config, Checkout.home(), TeacherResolver.defaultCache());
            } catch (java.io.IOException e) {
                throw new UserInputException(where + ": teacher '" + choice + "' cannot be read: " + e.getMessage(), e);
            }
        }
        for (Trial t : numbered) {
            DistillationLossConfig loss = t.config().loss();
            if (loss.usesTeacher() && cacheAsGiven) {
                Path c = cache;
                if (!Files.isDirectory(c)) {
                    throw new UserInputException(where + ": trial " + t.id() + " (" + t.label() + ") uses teacher loss terms but there is"
                            + " no teacher cache at " + c + "; run 'kd-restore teacher cache', add 'teacher: auto' to fill it,"
                            + " or set loss.teacher_l1, loss.teacher_ssim and loss.teacher_vgg to 0");
                }
            }
            String vgg = t.config().train().vggWeights();
            if (vgg != null && !vgg.isBlank() && !Files.isRegularFile(Path.of(vgg))) {
                throw new UserInputException(where + ": train.vgg_weights " + vgg + " (trial " + t.id() + ") does not exist");
            }
            if (loss.usesVgg() && (vgg == null || vgg.isBlank()) && DistillationLossConfig.REFUSE.equals(loss.onMissingVgg())) {
                throw new UserInputException(where + ": trial " + t.id() + " (" + t.label() + ") uses VGG loss terms (loss.gt_vgg="
                        + loss.gtVgg() + ", loss.teacher_vgg=" + loss.teacherVgg() + ") but train.vgg_weights is not set; set it, "
                        + "set loss.on_missing_vgg=disable, or set both VGG weights to 0");
            }
        }
        return new SweepPlan(spec, baseArg, base, List.copyOf(swept.keySet()), List.copyOf(numbered), data, prepared, cache,
                teacher, List.copyOf(notes));
    }

    /** Every combination, the first key varying slowest (like nested loops in the file's order). */
    static List<Map<String, String>> gridCombos(Map<String, List<String>> grid) {
        List<Map<String, String>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<String>> e : grid.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> partial : out) {
                for (String v : e.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(partial);
                    m.put(e.getKey(), v);
                    next.add(m);
                }
            }
            out = next;
        }
        return out;
    }

    /**
     * {@code trials} draws, reproducible from the seed: trial i's values depend only on (seed, i
     * and the space). Continuous draws keep 4 significant digits so tables and folder listings
     * stay readable (a difference below that is noise for these hyperparameters).
     */
    static List<Map<String, String>> randomDraws(SweepSpec.RandomSearch r) {
        List<Map<String, String>> out = new ArrayList<>();
        SplittableRandom root = new SplittableRandom(r.seed());
        for (int i = 0; i < r.trials(); i++) {
            SplittableRandom rng = root.split();
            Map<String, String> m = new LinkedHashMap<>();
            r.space().forEach((k, d) -> m.put(k, draw(d, rng)));
            out.add(m);
        }
        return out;
    }

    private static String draw(SweepSpec.Distribution d, SplittableRandom rng) {
        return switch (d.kind()) {
            case "log_uniform" -> round(Math.exp(Math.log(d.low()) + rng.nextDouble() * (Math.log(d.high()) - Math.log(d.low()))));
            case "uniform" -> round(d.low() + rng.nextDouble() * (d.high() - d.low()));
            case "int_uniform" -> String.valueOf((long) d.low() + rng.nextLong((long) d.high() - (long) d.low() + 1));
            case "choice" -> d.choices().get(rng.nextInt(d.choices().size()));
            default -> throw new IllegalStateException(d.kind());
        };
    }

    private static String round(double v) {
        return SweepSpec.number(new BigDecimal(v).round(new MathContext(4)).doubleValue());
    }

    private static void requireKey(String key, List<String> keys, String where) {
        if (!keys.contains(key)) {
            String section = key.contains(".") ? key.substring(0, key.indexOf('.') + 1) : "";
            List<String> near = keys.stream().filter(k -> !section.isEmpty() && k.startsWith(section)).toList();
            throw new UserInputException(where + ": unknown config key '" + key + "' (known keys"
                    + (near.isEmpty() ? "" : " in " + section.substring(0, section.length() - 1)) + ": "
                    + String.join(", ", near.isEmpty() ? keys : near) + ")");
        }
    }

    /** A path as given when it exists relative to the current folder, else relative to the sweep file's folder. */
    private static Path resolvePath(String p, Path sweepDir, String where) {
        Path given = Path.of(p);
        if (given.isAbsolute() || Files.exists(given) || sweepDir == null) {
            if (!Files.exists(given)) {
                throw new UserInputException(where + ": " + p + " does not exist");
            }
            return given.toAbsolutePath().normalize();
        }
        Path beside = sweepDir.resolve(p);
        if (!Files.exists(beside)) {
            throw new UserInputException(where + ": " + p + " does not exist (looked in the current folder and in " + sweepDir + ")");
        }
        return beside.toAbsolutePath().normalize();
    }

    private static String describe(Map<String, String> params) {
        return params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    /**
     * What defines the sweep's results: the resolved base config, the data, the metric, the
     * early-stopping rule and every trial's values. {@code --resume} refuses when it changed.
     */
    public Map<String, Object> definition() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", spec.name());
        d.put("base", baseArg);
        d.put("base_config", ConfigLoader.toTree(baseConfig));
        d.put("data", data.toString());
        d.put("teacher_cache", teacherCache == null ? null : teacherCache.toString());
        if (teacher != null) {
            d.put("teacher_weights_sha256", teacher.sha256());
        }
        d.put("metric", spec.metric());
        // LinkedHashMaps only: Map.of's iteration order changes from one JVM to the next, the hash must not.
        Map<String, Object> search = new LinkedHashMap<>();
        if (spec.grid() != null) {
            search.put("grid", spec.grid());
        } else {
            search.put("random_seed", spec.random().seed());
            search.put("random_trials", spec.random().trials());
        }
        d.put("search", search);
        if (spec.earlyStop() != null) {
            SweepSpec.EarlyStop e = spec.earlyStop();
            Map<String, Object> es = new LinkedHashMap<>();
            es.put("rule", e.rule());
            es.put("after_epochs", e.afterEpochs());
            es.put("min_trials", e.minTrials());
            d.put("early_stop", es);
        } else {
            d.put("early_stop", null);
        }
        List<Map<String, Object>> ts = new ArrayList<>();
        for (Trial t : trials) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", t.id());
            m.put("params", t.params());
            m.put("base", t.base());
            ts.add(m);
        }
        d.put("trials", ts);
        return d;
    }

    public String hash() {
        return Hashing.sha256(Json.write(definition()));
    }
}
