package org.kdrestore.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.LomiriWallpapers;
import org.kdrestore.data.PrepareConfig;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.data.Wallpapers;
import org.kdrestore.infer.TeacherCache;
import org.kdrestore.infer.TeacherResolver;
import org.kdrestore.train.ConfigLoader;
import org.kdrestore.train.PreparedTrainingSet;
import org.kdrestore.train.TrainConfig;
import org.kdrestore.train.Trainer;

/**
 * {@code kd-restore reproduce}: the seed's headline ("student SSIM 0.9023 beats teacher 0.8838")
 * rebuilt where it can be, and the question underneath it answered: does the teacher help the
 * student, against the same student trained on the ground truth alone?
 * <ol>
 *   <li>data: the Debian photos ({@code data photos --source all}), split by photo into a training
 *       pool and a test set ({@link #SPLIT_FILE}: the compact teacher's test photos stay test
 *       photos); validation photos are held out of the pool by each run's {@code data.val_fraction};</li>
 *   <li>teacher outputs for every quadrant of both (official Restormer when cached, else the shipped teacher);</li>
 *   <li>the five students of {@link #VARIANTS}, each with {@code seeds} seeds and the same budget;</li>
 *   <li>evaluation of all of them on the test quadrants, with the degraded input and the teacher;</li>
 *   <li>the report ({@link ReproductionReport}).</li>
 * </ol>
 * Every stage reuses what a previous invocation finished, and resumes a killed training run from
 * its last checkpoint. Layout under {@code work}: {@code photos/}, {@code photos-train/},
 * {@code photos-test/}, {@code prepared-train/}, {@code prepared-test/}, {@code teacher-cache/},
 * {@code split.json}, {@code runs/<variant>/seed-<n>/}, {@code eval/}.
 */
public final class Reproduction {
    private Reproduction() {}

    /** The teacher's split by photo, relative to the checkout. */
    public static final String SPLIT_FILE = "models/restormer-s/split.json";

    /** The seed's figures (docs/seed.md): SSIM of its student and of its teacher; no metric definition or data given. */
    public static final double SEED_STUDENT_SSIM = 0.9023;
    public static final double SEED_TEACHER_SSIM = 0.8838;

    /** One student of the ablation: which network, and whether the teacher's output is a target. */
    public record Variant(String id, String label, String studentPreset, boolean distilled) {}

    /** (a) the seed exactly, (b)/(c) the corrected student with/without the teacher, (d)/(e) the residual one. */
    public static final List<Variant> VARIANTS = List.of(
            new Variant("a-seed-kd", "(a) seed student, distilled", "seed", true),
            new Variant("b-fixed-kd", "(b) corrected student, distilled", "seed-fixed", true),
            new Variant("c-fixed-gt", "(c) corrected student, ground truth only", "seed-fixed", false),
            new Variant("d-residual-kd", "(d) residual student, distilled", "seed-residual", true),
            new Variant("e-residual-gt", "(e) residual student, ground truth only", "seed-residual", false));

    /** The pairs whose difference is what distillation adds: same network, seed and budget; only the loss differs. */
    public static final List<List<String>> KD_VS_GT = List.of(List.of("b-fixed-kd", "c-fixed-gt"), List.of("d-residual-kd", "e-residual-gt"));

    /** {@code --preset}: cpu (crops and a step budget for 2 CPU cores) or seed (the seed's exact recipe, for a GPU). */
    public static final Map<String, String> PRESETS = Map.of("cpu", "reproduce-cpu", "seed", "seed");

    /**
     * @param photos a folder of 1920x1080 photos; null: {@code work/photos}, exported from the
     *     Debian packages ({@code data photos --source all}) when empty
     * @param sets {@code key=value} overrides on top of the preset, for every student
     * @param resume continue students whose training was interrupted (else that is an error)
     */
    public record Options(Path home, Path photos, Path work, Path reportDir, Path weightsCache, String teacher, Path teacherConfig,
            String preset, int seeds, List<String> sets, Path splitFile, int latencyRuns, boolean resume, boolean quiet, PrintStream log) {
        public Options {
            if (!PRESETS.containsKey(preset)) {
                throw new UserInputException("unknown reproduction preset '" + preset + "'; choose " + String.join(" or ", new TreeSet<>(PRESETS.keySet())));
            }
            if (seeds < 1) {
                throw new UserInputException("--seeds must be at least 1, got " + seeds);
            }
        }
    }

    /** One trained student. */
    public record StudentRun(Variant variant, int seed, Path runDir) {
        public String name() {
            return variant.id() + "/seed-" + seed;
        }
    }

    public record Result(Path report, Evaluation.Result evaluation, List<StudentRun> runs, TeacherResolver.Resolved teacher) {}

    public static Result run(Options o) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        log(o, "device: " + Engines.describe());

        // 1. data
        long t = System.nanoTime();
        Path photos = o.photos() != null ? o.photos() : exportPhotos(o);
        Split split = split(photos, o.splitFile(), o.work());
        DatasetPreparer preparer = new DatasetPreparer(PrepareConfig.DEFAULT);
        preparer.prepare(split.trainDir(), o.work().resolve("prepared-train"), false, o.quiet());
        preparer.prepare(split.testDir(), o.work().resolve("prepared-test"), false, o.quiet());
        PreparedDataset train = PreparedDataset.open(o.work().resolve("prepared-train"));
        PreparedDataset test = PreparedDataset.open(o.work().resolve("prepared-test"));
        Map<String, Object> splitRecord = new LinkedHashMap<>();
        splitRecord.put("split_file", relative(o.home(), o.splitFile()));
        splitRecord.put("train_pool", split.train());
        splitRecord.put("test", split.test());
        splitRecord.put("train_manifest_sha256", train.manifestSha256());
        splitRecord.put("test_manifest_sha256", test.manifestSha256());
        Json.writeFile(o.work().resolve("split.json"), splitRecord);
        log(o, String.format(Locale.ROOT, "[1/5] data: %d photos -> training pool %d photos (%d quadrants), test %d photos (%d quadrants) (%.0f s)",
                split.train().size() + split.test().size(), split.train().size(), train.samples().size(), split.test().size(),
                test.samples().size(), since(t)));

        // 2. teacher
        t = System.nanoTime();
        TeacherResolver.Resolved teacher = TeacherResolver.choose(o.teacher(), o.teacherConfig(), o.home(), o.weightsCache());
        log(o, "[2/5] teacher: " + teacher.describe());
        Path cacheRoot = o.work().resolve("teacher-cache");
        TeacherCache.Summary trainCache = TeacherCache.fill(teacher, train.root(), cacheRoot, o.quiet());
        TeacherCache.Summary testCache = TeacherCache.fill(teacher, test.root(), cacheRoot, o.quiet());
        log(o, String.format(Locale.ROOT, "      teacher outputs: %d computed, %d reused (%.0f s)",
                trainCache.computed() + testCache.computed(), trainCache.reused() + testCache.reused(), since(t)));

        // 3. students: seed-major, so that an interrupted reproduction has every variant at the first seeds
        t = System.nanoTime();
        List<StudentRun> runs = new ArrayList<>();
        for (int seed = 0; seed < o.seeds(); seed++) {
            for (Variant v : VARIANTS) {
                runs.add(new StudentRun(v, seed, o.work().resolve("runs").resolve(v.id()).resolve("seed-" + seed)));
            }
        }
        int done = 0;
        double trainedSeconds = 0;
        int trained = 0;
        for (StudentRun r : runs) {
            done++;
            TrainConfig cfg = config(o, r);
            String step = String.format(Locale.ROOT, "[3/5] student %d/%d: %s (%s)", done, runs.size(), r.name(), r.variant().label());
            if (isFinished(r.runDir(), cfg)) {
                log(o, step + ": reused the finished run " + r.runDir());
                continue;
            }
            boolean resume = Files.isRegularFile(r.runDir().resolve("run.json"));
            if (resume && !o.resume()) {
                throw new UserInputException("the training of " + r.name() + " in " + r.runDir() + " was interrupted; rerun with "
                        + "--resume to continue it from its last checkpoint");
            }
            String eta = trained == 0 ? "" : String.format(Locale.ROOT, ", about %.0f min left", trainedSeconds / trained
                    * runs.stream().skip(done - 1).filter(x -> !finishedQuietly(x, o)).count() / 60);
            log(o, step + ": " + (resume ? "resuming " : "training ") + r.runDir() + eta);
            long tr = System.nanoTime();
            Files.createDirectories(r.runDir());
            Json.writeFile(r.runDir().resolve("teacher.json"), teacher.toMap());
            PreparedTrainingSet set = new PreparedTrainingSet(train, cfg.data().valFraction(), cfg.train().seed(),
                    cfg.loss().usesTeacher() ? Demo.targets(TeacherCache.open(trainCache.cacheDir())) : null);
            Trainer.run(cfg, set, new Trainer.Options(r.runDir(), resume, o.quiet(), "kd-restore reproduce --preset " + o.preset()
                    + ": " + r.name()));
            trainedSeconds += since(tr);
            trained++;
        }
        log(o, String.format(Locale.ROOT, "      students: %d trained, %d reused (%.0f s)", trained, runs.size() - trained, since(t)));

        // 4. evaluation on the test quadrants
        t = System.nanoTime();
        Path evalDir = o.work().resolve("eval");
        Map<String, Path> checkpoints = new LinkedHashMap<>();
        runs.forEach(r -> checkpoints.put(r.name(), r.runDir().resolve("student.ckpt")));
        Evaluation.Result ev = reusableEvaluation(evalDir, checkpoints, testCache.cacheDir());
        if (ev != null) {
            log(o, "[4/5] evaluation: reused " + evalDir.resolve(Evaluation.RESULT_FILE) + " (newer than every student)");
        } else {
            log(o, "[4/5] evaluation: " + checkpoints.size() + " students, the teacher and the input on " + test.samples().size()
                    + " test quadrants ...");
            ev = Evaluation.runTestSet(test, testCache.cacheDir(), checkpoints, evalDir,
                    new Evaluation.Options(o.quiet(), o.latencyRuns(), null, kdVsGtPerSeed(o.seeds())));
        }
        log(o, String.format(Locale.ROOT, "      evaluation: %.0f s", since(t)));

        // 5. report
        t = System.nanoTime();
        Path html = ReproductionReport.write(o, runs, ev, evalDir, teacher, splitRecord);
        log(o, String.format(Locale.ROOT, "[5/5] report: %s (%.0f s); reproduction finished in %.0f s", html, since(t), since(t0)));
        return new Result(html, ev, runs, teacher);
    }

    /**
     * The evaluation and report alone, on the students kept in {@code o.reportDir()/runs} (a
     * committed report): the test photos are prepared and the teacher's outputs computed again,
     * and must match what the report records (the test manifest, the teacher's sha256); then the
     * report is written again over the old one, so {@code git diff} shows whatever moved.
     */
    public static Result evaluateOnly(Options o) throws IOException, InterruptedException {
        Path committed = o.reportDir().resolve("split.json");
        if (!Files.isRegularFile(committed)) {
            throw new UserInputException(o.reportDir() + " holds no reproduction report (no split.json); run 'kd-restore reproduce' first");
        }
        JsonNode recorded = Json.MAPPER.readTree(committed.toFile());
        List<StudentRun> runs = new ArrayList<>();
        for (int seed = 0; seed < o.seeds(); seed++) {
            for (Variant v : VARIANTS) {
                StudentRun r = new StudentRun(v, seed, o.reportDir().resolve("runs").resolve(v.id()).resolve("seed-" + seed));
                if (!Files.isRegularFile(r.runDir().resolve("student.safetensors"))) {
                    throw new UserInputException("the report " + o.reportDir() + " has no weights for " + r.name() + " (--seeds "
                            + o.seeds() + "; the report was made with fewer?)");
                }
                runs.add(r);
            }
        }
        Path photos = o.photos() != null ? o.photos() : exportPhotos(o);
        Split split = split(photos, o.splitFile(), o.work());
        new DatasetPreparer(PrepareConfig.DEFAULT).prepare(split.testDir(), o.work().resolve("prepared-test"), false, o.quiet());
        PreparedDataset test = PreparedDataset.open(o.work().resolve("prepared-test"));
        String testSha = recorded.path("test_manifest_sha256").asText();
        if (!test.manifestSha256().equals(testSha)) {
            throw new UserInputException("the test set prepared here (manifest sha256 " + test.manifestSha256() + ") is not the report's ("
                    + testSha + "): other photos, or another degradation");
        }
        log(o, "[1/3] data: " + test.samples().size() + " test quadrants, the report's test set (manifest " + testSha.substring(0, 12) + ")");
        TeacherResolver.Resolved teacher = TeacherResolver.choose(o.teacher(), o.teacherConfig(), o.home(), o.weightsCache());
        String trainedWith = Json.MAPPER.readTree(runs.get(0).runDir().resolve("run.json").toFile()).path("teacher_weights_sha256").asText();
        if (!teacher.sha256().equals(trainedWith)) {
            throw new UserInputException("the teacher resolved here (" + teacher.describe() + ") is not the one the report's students "
                    + "were distilled from (sha256 " + trainedWith + "); give it with --teacher");
        }
        TeacherCache.Summary cache = TeacherCache.fill(teacher, test.root(), o.work().resolve("teacher-cache"), o.quiet());
        log(o, "[2/3] teacher: " + teacher.describe());
        Map<String, Path> weights = new LinkedHashMap<>();
        runs.forEach(r -> weights.put(r.name(), r.runDir().resolve("student.safetensors")));
        Path evalDir = o.work().resolve("eval-committed");
        Evaluation.Result ev = Evaluation.runTestSet(test, cache.cacheDir(), weights, evalDir,
                new Evaluation.Options(o.quiet(), o.latencyRuns(), null, kdVsGtPerSeed(o.seeds())));
        @SuppressWarnings("unchecked")
        Map<String, Object> splitRecord = Json.MAPPER.convertValue(recorded, LinkedHashMap.class);
        Path html = ReproductionReport.write(o, runs, ev, evalDir, teacher, splitRecord);
        log(o, "[3/3] report: " + html + " (evaluated again on the kept weights; git diff shows what moved)");
        return new Result(html, ev, runs, teacher);
    }

    /** The per-seed KD − ground-truth-only comparisons the evaluation computes ({@code b-fixed-kd/seed-0 − c-fixed-gt/seed-0}, …). */
    private static List<List<String>> kdVsGtPerSeed(int seeds) {
        List<List<String>> out = new ArrayList<>();
        for (int seed = 0; seed < seeds; seed++) {
            for (List<String> pair : KD_VS_GT) {
                out.add(List.of(pair.get(0) + "/seed-" + seed, pair.get(1) + "/seed-" + seed));
            }
        }
        return out;
    }

    /** The config of one student: the preset, the user's overrides, the variant's network and loss, the seed. */
    static TrainConfig config(Options o, StudentRun r) {
        List<String> sets = new ArrayList<>(o.sets());
        sets.add("student.preset=" + r.variant().studentPreset());
        sets.add("train.seed=" + r.seed());
        if (!r.variant().distilled()) {
            sets.addAll(Demo.GROUND_TRUTH_ONLY);
        }
        return ConfigLoader.load(PRESETS.get(o.preset()), sets);
    }

    /** The photos, test and training pool copied into two folders by {@code splitFile}'s test list. */
    record Split(List<String> train, List<String> test, Path trainDir, Path testDir) {}

    static Split split(Path photos, Path splitFile, Path work) throws IOException {
        if (!Files.isDirectory(photos)) {
            throw new UserInputException("photo folder " + photos + " does not exist");
        }
        JsonNode spec = Json.MAPPER.readTree(splitFile.toFile());
        if (spec == null || !spec.path("test").isArray()) {
            throw new UserInputException("split file " + splitFile + " has no \"test\" list of photo names");
        }
        Set<String> testNames = new TreeSet<>();
        spec.get("test").forEach(n -> testNames.add(n.asText()));
        List<Path> files;
        try (Stream<Path> s = Files.list(photos)) {
            files = s.filter(p -> p.getFileName().toString().matches("(?i).+\\.(jpe?g|png)")).sorted().toList();
        }
        List<String> train = new ArrayList<>();
        List<String> test = new ArrayList<>();
        Path trainDir = work.resolve("photos-train");
        Path testDir = work.resolve("photos-test");
        Files.createDirectories(trainDir);
        Files.createDirectories(testDir);
        for (Path f : files) {
            String name = f.getFileName().toString();
            String stem = name.substring(0, name.lastIndexOf('.'));
            boolean isTest = testNames.contains(stem);
            (isTest ? test : train).add(stem);
            Path to = (isTest ? testDir : trainDir).resolve(name);
            if (!Files.isRegularFile(to) || Files.size(to) != Files.size(f) || Files.mismatch(to, f) != -1) {
                AtomicFiles.write(to, out -> Files.copy(f, out));
            }
        }
        Set<String> missing = new TreeSet<>(testNames);
        missing.removeAll(test);
        if (!missing.isEmpty()) {
            throw new UserInputException("the test photos " + missing + " of " + splitFile + " are not in " + photos
                    + " (kd-restore data photos --source all --output " + photos + " exports them)");
        }
        if (train.isEmpty()) {
            throw new UserInputException("no training photos in " + photos + ": every photo is a test photo of " + splitFile);
        }
        return new Split(train, test, trainDir, testDir);
    }

    /** {@code work/photos}, exported from Debian's wallpaper packages when it holds no photo yet. */
    private static Path exportPhotos(Options o) throws IOException, InterruptedException {
        Path dir = o.work().resolve("photos");
        if (Files.isRegularFile(dir.resolve("LICENSES.md"))) {
            return dir;
        }
        log(o, "[1/5] data: exporting the Debian photos (kd-restore data photos --source all) to " + dir);
        List<Wallpapers.Wallpaper> all = Wallpapers.collect(Wallpapers.Source.parse("all"), Wallpapers.DEFAULT_ROOT,
                LomiriWallpapers.DEFAULT_BACKGROUNDS, LomiriWallpapers.DEFAULT_DOCS, false);
        Wallpapers.export(all, dir, o.quiet());
        return dir;
    }

    private static Evaluation.Result reusableEvaluation(Path evalDir, Map<String, Path> checkpoints, Path cacheDir) throws IOException {
        Path file = evalDir.resolve(Evaluation.RESULT_FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        for (Path c : checkpoints.values()) {
            if (!Files.isRegularFile(c) || Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(c)) <= 0) {
                return null;
            }
        }
        Evaluation.Result ev = Evaluation.read(evalDir);
        boolean sameModels = ev.checkpoints().keySet().equals(checkpoints.keySet());
        boolean sameCache = cacheDir.toAbsolutePath().toString().equals(String.valueOf(ev.teacher().get("cache")));
        return sameModels && sameCache ? ev : null;
    }

    /** A finished run of exactly this config (a different config in the folder is an error, not overwritten). */
    private static boolean isFinished(Path runDir, TrainConfig cfg) throws IOException {
        Path runJson = runDir.resolve("run.json");
        if (!Files.isRegularFile(runJson)) {
            return false;
        }
        JsonNode j = Json.MAPPER.readTree(runJson.toFile());
        TrainConfig recorded = ConfigLoader.fromTree(j.get("config"), runJson.toString());
        if (!recorded.equals(cfg)) {
            throw new UserInputException(runDir + " holds a run of another config (run.json); give another --work folder, or "
                    + "delete that run to retrain it");
        }
        return "finished".equals(j.path("status").asText()) && Files.isRegularFile(runDir.resolve("student.ckpt"));
    }

    private static boolean finishedQuietly(StudentRun r, Options o) {
        try {
            return isFinished(r.runDir(), config(o, r));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static String relative(Path home, Path p) {
        Path a = p.toAbsolutePath().normalize();
        Path h = home.toAbsolutePath().normalize();
        return a.startsWith(h) ? h.relativize(a).toString() : a.toString();
    }

    private static double since(long t) {
        return (System.nanoTime() - t) / 1e9;
    }

    static void log(Options o, String line) {
        if (o.log() != null) {
            o.log().println(line);
        }
    }
}
