package org.kdrestore.report;

import org.kdrestore.model.Flops;

import ai.djl.ndarray.NDManager;
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
import org.kdrestore.common.Engines;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.PrepareConfig;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.infer.RestormerInference;
import org.kdrestore.infer.TeacherCache;
import org.kdrestore.infer.TeacherResolver;
import org.kdrestore.model.Restormer;
import org.kdrestore.train.ConfigLoader;
import org.kdrestore.train.PreparedTrainingSet;
import org.kdrestore.train.TrainConfig;
import org.kdrestore.train.Trainer;

/**
 * The one-command demo: prepare the sample photos → teacher outputs (cached) → distill the student
 * (preset {@code quick}) and, to measure what distillation adds, train the same student with the
 * same seed and budget on the ground truth alone → evaluate both on the held-out photo, with the
 * paired difference between them → report. Every stage reuses what an
 * earlier run left when it is still valid, and says so in the log:
 * <ul>
 *   <li>prepared data: {@link DatasetPreparer} keeps photos whose source sha256 and outputs are intact;</li>
 *   <li>teacher outputs: {@link TeacherCache} keyed by weights + config + inference options, per image sha256;</li>
 *   <li>training: each run folder is named by a hash of (config, dataset manifest, teacher weights if used), so a
 *       finished run with the same inputs is reused, an interrupted one resumed, and a different
 *       config never overwrites an older run;</li>
 *   <li>evaluation: reused when {@code eval/evaluation.json} is newer than both student checkpoints.</li>
 * </ul>
 * Layout: {@code WORK/prepared}, {@code WORK/teacher-cache}, {@code WORK/runs/<hash>}; the report in
 * {@code REPORT} (default {@code reports/demo}).
 */
public final class Demo {
    private Demo() {}

    /** The distilled student (ground truth + teacher, the preset's loss). */
    public static final String KD_STUDENT = "student-kd";
    /** The same student, config, seed and budget trained on the ground truth alone: what distillation is measured against. */
    public static final String GT_STUDENT = "student-gt";
    /** The overrides that turn the preset's loss into a ground-truth-only loss. */
    public static final List<String> GROUND_TRUTH_ONLY = List.of("loss.teacher_l1=0", "loss.teacher_ssim=0", "loss.teacher_vgg=0");

    /**
     * @param home the checkout (for {@code models/restormer-s})
     * @param photos the photos to prepare (default {@code data-sample/})
     * @param weightsCache where official weights are looked for ({@code $KD_RESTORE_CACHE})
     * @param teacherWeights an explicit teacher instead of the resolution order (null: resolve)
     * @param teacherConfig its arch-config JSON (null: the motion-deblurring config)
     * @param teacherKind only this kind of teacher (official or compact), null: the resolution order
     * @param sets {@code key=value} overrides on top of {@code preset}
     * @param latencyRuns timed runs per model (0: no latency)
     * @param teacherLatency time the teacher too; null = only when it is cheap (see {@link Evaluation.Options})
     */
    /** {@code teacher}: auto, official, compact or a weights file ({@link TeacherResolver#choose}); {@code teacherConfig} goes with a file. */
    public record Options(Path home, Path photos, Path work, Path reportDir, Path weightsCache, String teacher,
            Path teacherConfig, String preset, List<String> sets, int latencyRuns, Boolean teacherLatency, boolean quiet,
            PrintStream log) {}

    /** What the demo did; {@code reused} lists the stages that were taken from an earlier run. */
    public record Result(Path report, Path runDir, Evaluation.Result evaluation, TeacherResolver.Resolved teacher,
            Map<String, Boolean> reused, Map<String, Double> seconds) {}

    public static Result run(Options o) throws IOException {
        long t0 = System.nanoTime();
        Map<String, Boolean> reused = new LinkedHashMap<>();
        Map<String, Double> secs = new LinkedHashMap<>();
        Path prepared = o.work().resolve("prepared");
        Path cacheRoot = o.work().resolve("teacher-cache");
        log(o, "device: " + Engines.describe());

        // 1. data
        long t = System.nanoTime();
        DatasetPreparer.Result prep = new DatasetPreparer(PrepareConfig.DEFAULT).prepare(o.photos(), prepared, false, o.quiet());
        PreparedDataset ds = PreparedDataset.open(prepared);
        reused.put("data", prep.prepared() == 0);
        secs.put("data", since(t));
        log(o, String.format(Locale.ROOT, "[1/5] data: %d photos -> %d quadrants in %s; %s (%.1f s)", prep.photos(), prep.quadrants(),
                prepared, prep.prepared() == 0 ? "all reused from the previous run (cached)"
                        : prep.prepared() + " prepared, " + prep.skipped() + " reused", secs.get("data")));

        // 2. teacher
        t = System.nanoTime();
        TeacherResolver.Resolved teacher = TeacherResolver.choose(o.teacher(), o.teacherConfig(), o.home(), o.weightsCache());
        log(o, "[2/5] teacher: " + teacher.describe());
        log(o, "      needs " + Flops.human((long) Flops.restormer(teacher.config(), 1, 540, 960)) + " per quadrant"
                + (teacher.kind() == TeacherResolver.Kind.OFFICIAL && !Engines.device().isGpu()
                        ? "; the full teacher on a CPU takes about a minute per uncached quadrant (--teacher compact uses the "
                                + "shipped compact teacher instead)" : ""));
        TeacherCache.Summary cache = TeacherCache.fill(teacher, prepared, cacheRoot, o.quiet());
        reused.put("teacher", cache.computed() == 0);
        secs.put("teacher", since(t));
        log(o, String.format(Locale.ROOT, "      teacher outputs in %s: %s (%.1f s)", cache.cacheDir(), cache.computed() == 0
                ? "all " + cache.images() + " reused from the cache" : cache.computed() + " computed, " + cache.reused() + " reused",
                secs.get("teacher")));

        // 3. training: the distilled student and, with the same config, seed and budget, one on the ground truth alone
        t = System.nanoTime();
        TrainConfig kdCfg = ConfigLoader.load(o.preset(), o.sets());
        Map<String, Path> runs = new LinkedHashMap<>();
        boolean trainedNothing = true;
        runs.put(KD_STUDENT, null);
        if (kdCfg.loss().usesTeacher()) {
            runs.put(GT_STUDENT, null);
        }
        int k = 0;
        for (String name : runs.keySet()) {
            List<String> sets = new ArrayList<>(o.sets());
            if (name.equals(GT_STUDENT)) {
                sets.addAll(GROUND_TRUTH_ONLY);
            }
            TrainConfig cfg = ConfigLoader.load(o.preset(), sets);
            Path runDir = runDir(o.work(), cfg, ds, teacher);
            runs.put(name, runDir);
            String step = String.format(Locale.ROOT, "[3/5] training %d/%d (%s, %s)", ++k, runs.size(), name,
                    cfg.loss().usesTeacher() ? "ground truth + teacher" : "ground truth only");
            if (isFinished(runDir)) {
                log(o, step + ": reused the finished run " + runDir + " (same config, data"
                        + (cfg.loss().usesTeacher() ? " and teacher)" : "; the teacher plays no part)"));
                continue;
            }
            trainedNothing = false;
            boolean resume = Files.isRegularFile(Trainer.lastCheckpoint(runDir));
            String described = "preset " + o.preset() + (sets.isEmpty() ? "" : " with " + String.join(" ", sets));
            log(o, step + ": " + (resume ? "resuming the interrupted run " : "new run ") + runDir + " (" + described + ")");
            Files.createDirectories(runDir);
            Json.writeFile(runDir.resolve("teacher.json"), teacher.toMap());
            PreparedTrainingSet set = new PreparedTrainingSet(ds, cfg.data().valFraction(), cfg.train().seed(),
                    cfg.loss().usesTeacher() ? targets(TeacherCache.open(cache.cacheDir())) : null);
            Trainer.run(cfg, set, new Trainer.Options(runDir, resume, o.quiet(), "kd-restore demo: " + name + ", " + described));
        }
        Path runDir = runs.get(KD_STUDENT);
        reused.put("training", trainedNothing);
        secs.put("training", since(t));
        log(o, String.format(Locale.ROOT, "      training: %.1f s", secs.get("training")));

        // 4. evaluation
        t = System.nanoTime();
        Path evalDir = runDir.resolve("eval");
        Map<String, Path> checkpoints = new LinkedHashMap<>();
        runs.forEach((name, dir) -> checkpoints.put(name, dir.resolve("student.ckpt")));
        Path evalFile = evalDir.resolve(Evaluation.RESULT_FILE);
        Evaluation.Result ev;
        boolean evalReused = Files.isRegularFile(evalFile) && newerThanAll(evalFile, checkpoints.values())
                && cache.cacheDir().toAbsolutePath().toString().equals(String.valueOf(Evaluation.read(evalDir).teacher().get("cache")))
                && Evaluation.read(evalDir).checkpoints().keySet().equals(checkpoints.keySet());
        if (evalReused) {
            ev = Evaluation.read(evalDir);
            log(o, "[4/5] evaluation: reused " + evalFile + " (newer than the student checkpoints)");
        } else {
            log(o, "[4/5] evaluation on the held-out photo(s) ...");
            ev = Evaluation.run(ds, runDir, cache.cacheDir(), checkpoints, evalDir,
                    new Evaluation.Options(o.quiet(), o.latencyRuns(), o.teacherLatency(),
                            runs.containsKey(GT_STUDENT) ? List.of(List.of(KD_STUDENT, GT_STUDENT)) : List.of()));
        }
        reused.put("evaluation", evalReused);
        secs.put("evaluation", since(t));
        log(o, String.format(Locale.ROOT, "      evaluation: %.1f s", secs.get("evaluation")));

        // 5. report
        t = System.nanoTime();
        RunReport.Written w = RunReport.write(runs, evalDir, o.reportDir());
        secs.put("report", since(t));
        log(o, String.format(Locale.ROOT, "[5/5] report: %s (%.1f s)", w.html(), secs.get("report")));
        secs.put("total", since(t0));
        boolean allReused = reused.values().stream().allMatch(b -> b);
        log(o, String.format(Locale.ROOT, "demo finished in %.1f s%s", secs.get("total"),
                allReused ? " (everything reused from the previous run; delete " + o.work() + " to start afresh)" : ""));
        return new Result(w.html(), runDir, ev, teacher, reused, secs);
    }

    /** The teacher cache as the trainer's second target (used by the demo, {@code distill} and the notebooks). */
    public static PreparedTrainingSet.TeacherTargets targets(TeacherCache cache) {
        return new PreparedTrainingSet.TeacherTargets() {
            @Override
            public Path file(String id) {
                TeacherCache.Entry e = cache.index().entries().get(id);
                return e == null ? null : cache.dir().resolve(e.file());
            }

            @Override
            public String inputSha256(String id) {
                TeacherCache.Entry e = cache.index().entries().get(id);
                return e == null ? null : e.imageSha256();
            }

            @Override
            public String weightsSha256() {
                return cache.index().weightsSha256();
            }

            @Override
            public String describe() {
                return cache.dir().toString();
            }
        };
    }

    /**
     * The run folder: named by a hash of (config, dataset manifest, teacher weights when the loss
     * uses the teacher), so a ground-truth-only run is reused whatever the teacher.
     */
    private static Path runDir(Path work, TrainConfig cfg, PreparedDataset ds, TeacherResolver.Resolved teacher) {
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("config", ConfigLoader.toTree(cfg));
        identity.put("dataset", ds.manifestSha256());
        identity.put("teacher", cfg.loss().usesTeacher() ? teacher.sha256() : null);
        return work.resolve("runs").resolve(Hashing.sha256(Json.write(identity)).substring(0, 12));
    }

    private static boolean newerThanAll(Path file, Iterable<Path> others) throws IOException {
        for (Path p : others) {
            if (!Files.isRegularFile(p) || Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(p)) <= 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isFinished(Path runDir) throws IOException {
        Path runJson = runDir.resolve("run.json");
        if (!Files.isRegularFile(runJson) || !Files.isRegularFile(runDir.resolve("student.ckpt"))) {
            return false;
        }
        JsonNode j = Json.MAPPER.readTree(runJson.toFile());
        return "finished".equals(j.path("status").asText());
    }

    private static double since(long t) {
        return (System.nanoTime() - t) / 1e9;
    }

    private static void log(Options o, String line) {
        if (o.log() != null) {
            o.log().println(line);
        }
    }

    /** The demo's default work folder, relative to the checkout. */
    public static Path defaultWork(Path home) {
        return home.resolve("work").resolve("demo");
    }

    static void requireExists(Path p, String what) {
        if (!Files.exists(p)) {
            throw new UserInputException(what + " " + p + " does not exist");
        }
    }
}
