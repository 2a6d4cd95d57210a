package org.kdrestore.report;

import org.kdrestore.model.Flops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.kdrestore.common.Distributor;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Json;
import org.kdrestore.common.Progress;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.data.Sample;
import org.kdrestore.infer.RestormerInference;
import org.kdrestore.infer.TeacherCache;
import org.kdrestore.metric.Definition;
import org.kdrestore.metric.Metrics;
import org.kdrestore.metric.MsSsim;
import org.kdrestore.metric.PixelErrors;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;
import org.kdrestore.train.Checkpoint;
import org.kdrestore.train.ConfigLoader;
import org.kdrestore.train.TrainConfig;
import org.kdrestore.weights.ParameterNames;

/**
 * Held-out evaluation of a distillation run: SSIM, PSNR and MS-SSIM against the ground truth of
 * every quadrant of the run's validation photos, for the degraded input itself (always), the
 * teacher (its cached output) and each student checkpoint; summaries with a 95% CI and paired
 * differences; parameter counts, FLOPs and measured latency per 1080p image.
 *
 * <p>The held-out photos are the run's own: {@link PreparedDataset#split(double, long)} with the
 * {@code data.val_fraction} and {@code train.seed} recorded in {@code run.json}, after checking
 * that the dataset's manifest hash is the one the run trained on.
 */
public final class Evaluation {
    private Evaluation() {}

    public static final String INPUT = "input";
    public static final String TEACHER = "teacher";
    public static final String SSIM = "SSIM";
    public static final String PSNR = "PSNR";
    public static final String MS_SSIM = "MS-SSIM";
    public static final List<String> METRICS = List.of(SSIM, PSNR, MS_SSIM);
    public static final String RESULT_FILE = "evaluation.json";

    /**
     * @param latencyRuns timed runs after one warm-up (0: latency not measured)
     * @param teacherLatency also time the teacher (on one 960×540 quadrant, ×4); null = only when
     *     it is cheap ({@link #AUTO_TEACHER_LATENCY_MAX_FLOPS} per quadrant) or the device is a GPU
     * @param comparisons extra paired differences between evaluated models, each {@code [a, b]} for a − b
     *     (e.g. the distilled student against one trained on the ground truth alone)
     */
    public record Options(boolean quiet, int latencyRuns, Boolean teacherLatency, List<List<String>> comparisons,
            Distributor distributor) {
        public Options {
            distributor = distributor == null ? Distributor.local() : distributor;
            comparisons = comparisons == null ? List.of() : comparisons.stream().map(List::copyOf).toList();
            for (List<String> c : comparisons) {
                if (c.size() != 2) {
                    throw new IllegalArgumentException("a comparison is two model names [a, b], got " + c);
                }
            }
        }

        public Options(boolean quiet, int latencyRuns, Boolean teacherLatency, List<List<String>> comparisons) {
            this(quiet, latencyRuns, teacherLatency, comparisons, null);
        }

        public Options(boolean quiet, int latencyRuns, Boolean teacherLatency) {
            this(quiet, latencyRuns, teacherLatency, List.of());
        }

        /** The same options with the images scored by {@code d} (a Spark cluster): the tables come out identical. */
        public Options withDistributor(Distributor d) {
            return new Options(quiet, latencyRuns, teacherLatency, comparisons, d);
        }

        public static Options defaults() {
            return new Options(false, 2, null);
        }
    }

    /** Above this many FLOPs per 960×540 quadrant the teacher is not timed on a CPU unless asked (about a minute on 2 cores). */
    public static final long AUTO_TEACHER_LATENCY_MAX_FLOPS = 100_000_000_000L;

    /** One image scored for one model; {@code msSsim} is null when the image is too small for it. */
    public record Row(String image, String photo, String quadrant, String model, double ssim, double psnr, Double msSsim) {
        double value(String metric) {
            return switch (metric) {
                case SSIM -> ssim;
                case PSNR -> psnr;
                default -> msSsim == null ? Double.NaN : msSsim;
            };
        }
    }

    /** Mean, sd and 95% CI of one metric over the images, for one model or one paired difference. */
    public record Stat(String subject, String metric, int n, double mean, double sd, double ciLow, double ciHigh) {}

    /** Cost of one model per 1920×1080 image. {@code latencyNote} says exactly what was timed, or why not. */
    public record Cost(String model, long parameters, long flops1080p, Double latencySeconds1080p, String latencyNote) {}

    /** Everything an evaluation found; written as {@code evaluation.json} and read back by the report. */
    public record Result(String runDir, String dataset, String datasetManifestSha256, List<String> heldOutPhotos,
            List<String> models, Map<String, String> checkpoints, Map<String, Object> teacher, List<Row> rows,
            List<Stat> summary, List<Stat> differences, List<Cost> costs, Map<String, String> outputs,
            Map<String, String> definitions, String device) {}

    /** The metric definitions printed under every table. */
    public static Map<String, String> definitions() {
        Definition def = Definition.pytorchMsssim(1.0);
        Map<String, String> d = new LinkedHashMap<>();
        d.put(SSIM, "SSIM " + def.describe() + "; on float32 RGB in [0,1], against the 8-bit ground-truth quadrant");
        d.put(PSNR, "PSNR " + PixelErrors.DEFINITION + "; data range 1; float64");
        d.put(MS_SSIM, "MS-SSIM " + MsSsim.describe(def) + "; refused for sides of " + MsSsim.minSideExclusive(def)
                + " px or less (960x540 quadrants are fine)");
        d.put("inputs", "input = the degraded 8-bit PNG quadrant (the baseline); teacher = its cached output, a 16-bit PNG, so "
                + "quantised to 1/65535 (" + TeacherCache.QUANTISATION + "); student = the checkpoint run on the degraded "
                + "quadrant, float32 output (not quantised)");
        d.put("summary", "mean over held-out quadrants; sd = sample standard deviation (n-1); 95% CI = mean ± t(0.975, n-1)·sd/√n");
        d.put("differences", "paired per quadrant: a − b for the same image, then mean, sd and 95% CI as above");
        d.put("FLOPs", Flops.DEFINITION + "; per 1920x1080 image");
        d.put("latency", "wall time of one forward pass, median of the timed runs after one warm-up, gradients off, batch 1, "
                + "on the device named; see each row for what exactly was timed");
        return d;
    }

    /** SSIM, PSNR and MS-SSIM of one CHW image against its ground truth (the function every row uses). */
    public static double[] score(NDArray output, NDArray groundTruth) {
        Metrics.Comparison c = Metrics.compare(output, groundTruth, Definition.pytorchMsssim(1.0));
        return new double[] {c.ssim(), c.psnr(), c.msSsim() == null ? Double.NaN : c.msSsim()};
    }

    /** {@link #score} of two image files (8- or 16-bit PNG, read as [0,1] floats). */
    public static double[] scoreFiles(Path output, Path groundTruth) {
        try (NDManager m = Engines.newManager()) {
            return score(ImageTensors.read(m, output), ImageTensors.read(m, groundTruth));
        }
    }

    /** The run's recorded config ({@code run.json}'s {@code config}). */
    public static TrainConfig runConfig(Path runDir) {
        JsonNode run = readRunJson(runDir);
        if (!run.has("config")) {
            throw new UserInputException(runDir.resolve("run.json") + " has no 'config' (not a kd-restore distill run)");
        }
        return ConfigLoader.fromTree(run.get("config"), runDir.resolve("run.json").toString());
    }

    public static JsonNode readRunJson(Path runDir) {
        Path f = runDir.resolve("run.json");
        if (!Files.isDirectory(runDir)) {
            throw new UserInputException("run folder " + runDir + " does not exist");
        }
        if (!Files.isRegularFile(f)) {
            throw new UserInputException("run folder " + runDir + " has no run.json (not a kd-restore distill run folder)");
        }
        try {
            return Json.MAPPER.readTree(f.toFile());
        } catch (IOException e) {
            throw new UserInputException(f + " is not readable JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The student checkpoints of a run: {@code student.ckpt} (as "student"), and with
     * {@code allEpochs} every {@code checkpoints/epoch-NNN.ckpt} (as "epoch NNN").
     *
     * @throws UserInputException when there is none, saying training did not finish
     */
    public static Map<String, Path> runCheckpoints(Path runDir, boolean allEpochs) throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        if (allEpochs && Files.isDirectory(runDir.resolve("checkpoints"))) {
            try (Stream<Path> s = Files.list(runDir.resolve("checkpoints"))) {
                s.filter(p -> p.getFileName().toString().matches("epoch-\\d+\\.ckpt")).sorted()
                        .forEach(p -> out.put("epoch " + p.getFileName().toString().replaceAll("\\D", "").replaceFirst("^0+(?=.)", ""), p));
            }
        }
        Path fin = runDir.resolve("student.ckpt");
        if (Files.isRegularFile(fin)) {
            out.put("student", fin);
        }
        if (out.isEmpty()) {
            throw new UserInputException("run folder " + runDir + " holds no student checkpoint (no student.ckpt"
                    + (allEpochs ? " and no checkpoints/epoch-*.ckpt" : "") + "): training did not finish; finish it with "
                    + "'kd-restore distill --run-dir " + runDir + " --resume' or pass --checkpoint NAME=FILE");
        }
        return out;
    }

    /**
     * The teacher cache to score: {@code path} is a cache directory or a root; in a root holding
     * several caches, the one made with the run's teacher weights (sha256 in run.json) is taken.
     */
    public static TeacherCache openTeacherCache(Path path, String runTeacherSha) throws IOException {
        if (Files.isRegularFile(path.resolve(TeacherCache.INDEX)) || !Files.isDirectory(path)) {
            return TeacherCache.open(path);
        }
        List<TeacherCache> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(path)) {
            for (Path p : s.filter(p -> Files.isRegularFile(p.resolve(TeacherCache.INDEX))).sorted().toList()) {
                TeacherCache c = TeacherCache.open(p);
                if (runTeacherSha == null || runTeacherSha.equals(c.index().weightsSha256())) {
                    found.add(c);
                }
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        throw new UserInputException("teacher cache root " + path + (found.isEmpty()
                ? " holds no cache" + (runTeacherSha == null ? "" : " made with the run's teacher weights (sha256 " + runTeacherSha + ")")
                : " holds several caches; name one directory with --teacher-cache"));
    }

    /**
     * Evaluates a run.
     *
     * @param teacherCache a teacher cache (dir or root), null to skip the teacher rows
     * @param checkpoints name → student checkpoint, in table order
     * @param outDir where per-model outputs (8-bit PNGs of the student) and the result go
     */
    public static Result run(PreparedDataset ds, Path runDir, Path teacherCache, Map<String, Path> checkpoints, Path outDir,
            Options opt) throws IOException {
        JsonNode run = readRunJson(runDir);
        TrainConfig cfg = runConfig(runDir);
        String trainedOn = run.path("dataset").path("manifest_hash").asText(null);
        if (trainedOn != null && !trainedOn.equals(ds.manifestSha256())) {
            throw new UserInputException("dataset " + ds.root() + " (manifest sha256 " + ds.manifestSha256()
                    + ") is not the one run " + runDir + " was trained on (" + trainedOn + "); evaluate with the same --data");
        }
        if (checkpoints.isEmpty()) {
            throw new UserInputException("no student checkpoint to evaluate in " + runDir);
        }
        requireCheckpoints(checkpoints);
        PreparedDataset.Split split = ds.split(cfg.data().valFraction(), cfg.train().seed());
        List<Sample> heldOut = split.val();
        if (heldOut.isEmpty()) {
            throw new UserInputException("run " + runDir + " held out no photos (data.val_fraction=" + cfg.data().valFraction()
                    + "), so there is nothing unseen to evaluate on");
        }
        String runTeacherSha = run.path("teacher_weights_sha256").isTextual() ? run.get("teacher_weights_sha256").asText() : null;
        return evaluate(ds, heldOut, runDir, runTeacherSha, teacherCache, checkpoints, outDir, opt);
    }

    /**
     * Evaluates a teacher on every quadrant of a prepared dataset (a test set the teacher never
     * saw): the degraded input and the teacher's cached outputs, with paired teacher − input
     * differences. No training run is involved.
     */
    public static Result runDataset(PreparedDataset ds, Path teacherCache, Path outDir, Options opt) throws IOException {
        if (teacherCache == null) {
            throw new UserInputException("evaluating a whole dataset needs a teacher cache (--teacher-cache DIR)");
        }
        return evaluate(ds, ds.samples(), null, null, teacherCache, Map.of(), outDir, opt);
    }

    /**
     * Evaluates students trained elsewhere on every quadrant of a test set none of them saw (nor
     * the teacher): the degraded input, the teacher's cached outputs and each checkpoint, with the
     * paired differences of {@code opt.comparisons()}. ({@code kd-restore reproduce}.)
     */
    public static Result runTestSet(PreparedDataset test, Path teacherCache, Map<String, Path> checkpoints, Path outDir, Options opt)
            throws IOException {
        requireCheckpoints(checkpoints);
        return evaluate(test, test.samples(), null, null, teacherCache, checkpoints, outDir, opt);
    }

    private static void requireCheckpoints(Map<String, Path> checkpoints) {
        for (Map.Entry<String, Path> e : checkpoints.entrySet()) {
            if (!Files.isRegularFile(e.getValue())) {
                throw new UserInputException("student checkpoint '" + e.getKey() + "' " + e.getValue() + " does not exist");
            }
        }
    }

    private static Result evaluate(PreparedDataset ds, List<Sample> heldOut, Path runDir, String runTeacherSha, Path teacherCache,
            Map<String, Path> checkpoints, Path outDir, Options opt) throws IOException {
        TeacherCache cache = teacherCache == null ? null : openTeacherCache(teacherCache, runTeacherSha);
        if (cache != null) {
            List<String> missing = heldOut.stream().map(Sample::id).filter(id -> !cache.index().entries().containsKey(id)).toList();
            if (!missing.isEmpty()) {
                throw new UserInputException("teacher cache " + cache.dir() + " has no output for held-out image(s) " + missing
                        + "; run 'kd-restore teacher cache --data " + ds.root() + "'");
            }
        }
        List<String> models = new ArrayList<>();
        models.add(INPUT);
        if (cache != null) {
            models.add(TEACHER);
        }
        models.addAll(checkpoints.keySet());
        for (List<String> c : opt.comparisons()) {
            for (String name : c) {
                if (!models.contains(name)) {
                    throw new UserInputException("cannot compare '" + name + "': the evaluated models are " + models);
                }
            }
        }
        Files.createDirectories(outDir);
        Map<String, String> outputs = new LinkedHashMap<>();
        Map<String, String> ckptNames = new LinkedHashMap<>();
        checkpoints.forEach((k, v) -> ckptNames.put(k, v.toAbsolutePath().toString()));
        for (String name : checkpoints.keySet()) {
            Path dir = outDir.resolve("outputs").resolve(safe(name));
            Files.createDirectories(dir);
            outputs.put(name, outDir.relativize(dir).toString());
        }
        ScoreJob job = new ScoreJob(ds.root().toAbsolutePath().toString(), cache == null ? null : cache.dir().toAbsolutePath().toString(),
                ckptNames, outDir.toAbsolutePath().toString(), outputs);
        Map<String, List<Row>> bySample = new java.util.HashMap<>();
        try (Progress progress = new Progress("evaluate", (long) heldOut.size() * models.size(), opt.quiet())) {
            List<String> ids = heldOut.stream().map(Sample::id).toList();
            int partitions = Math.max(1, Math.min(ids.size(), opt.distributor().parallelism() * 2));
            opt.distributor().run("evaluate", ScoreTask.class, Json.write(job), ids, partitions, (id, json) -> {
                bySample.put(id, List.of(Json.MAPPER.readValue(json, Row[].class)));
                progress.step(models.size());
            });
        }
        List<Row> rows = new ArrayList<>();
        for (Sample s : heldOut) {
            List<Row> r = bySample.get(s.id());
            if (r == null) {
                throw new IOException("evaluate: no scores came back for " + s.id());
            }
            rows.addAll(r); // in held-out order, whichever worker scored it: the tables do not depend on where
        }
        List<Cost> costs = new ArrayList<>();
        try (NDManager manager = Engines.newManager()) {
            costs.add(new Cost(INPUT, 0, 0, null, "no model"));
            if (cache != null) {
                costs.add(teacherCost(RestormerConfig.fromUpstreamMap(cache.index().config()), manager, opt));
            }
            for (Map.Entry<String, Path> e : checkpoints.entrySet()) {
                costs.add(studentCost(e.getKey(), Checkpoint.loadStudent(e.getValue(), manager), manager, opt));
            }
        }
        List<Stat> summary = new ArrayList<>();
        for (String model : models) {
            for (String metric : METRICS) {
                summary.add(stat(model, metric, Summary.of(values(rows, model, metric))));
            }
        }
        List<Stat> diffs = new ArrayList<>();
        if (cache != null) {
            for (String metric : METRICS) {
                diffs.add(stat(TEACHER + " − " + INPUT, metric,
                        Summary.ofDifferences(values(rows, TEACHER, metric), values(rows, INPUT, metric))));
            }
        }
        for (String student : checkpoints.keySet()) {
            for (String base : cache != null ? List.of(TEACHER, INPUT) : List.of(INPUT)) {
                for (String metric : METRICS) {
                    diffs.add(stat(student + " − " + base, metric,
                            Summary.ofDifferences(values(rows, student, metric), values(rows, base, metric))));
                }
            }
        }
        for (List<String> c : opt.comparisons()) {
            for (String metric : METRICS) {
                diffs.add(stat(c.get(0) + " − " + c.get(1), metric,
                        Summary.ofDifferences(values(rows, c.get(0), metric), values(rows, c.get(1), metric))));
            }
        }
        Map<String, Object> teacher = new LinkedHashMap<>();
        if (cache != null) {
            teacher.put("cache", cache.dir().toAbsolutePath().toString());
            teacher.put("weights", cache.index().weights());
            teacher.put("weights_sha256", cache.index().weightsSha256());
            teacher.put("config", cache.index().config());
            teacher.put("inference", cache.index().inference());
            teacher.put("quantisation", cache.index().quantisation());
            teacher.put("matches_run", runTeacherSha == null ? null : runTeacherSha.equals(cache.index().weightsSha256()));
        }
        Path provenance = runDir == null ? null : runDir.resolve("teacher.json");
        if (provenance != null && Files.isRegularFile(provenance)) {
            teacher.put("resolved", Json.MAPPER.readValue(provenance.toFile(), LinkedHashMap.class));
        }
        List<String> photos = heldOut.stream().map(Sample::photo).distinct().toList();
        Result r = new Result(runDir == null ? null : runDir.toAbsolutePath().toString(), ds.root().toAbsolutePath().toString(), ds.manifestSha256(),
                photos, models, ckptNames, teacher, rows, summary, diffs, costs, outputs, definitions(), Engines.describe());
        write(r, outDir);
        return r;
    }

    /** What every partition of an evaluation shares: the data set, the teacher cache, the students and where outputs go. */
    record ScoreJob(String dataset, String teacherCache, Map<String, String> checkpoints, String outDir, Map<String, String> outputs) {}

    /**
     * Scores one partition of samples (ids), wherever it runs: loads the students once, then for each
     * sample the input, the teacher's cached output and every student against the ground truth, and
     * writes the students' outputs. Emits each sample's rows (JSON), models in table order.
     */
    public static final class ScoreTask implements Distributor.PartitionTask {
        @Override
        public void run(String jobJson, List<String> ids, Distributor.ResultSink emit) throws IOException {
            ScoreJob job = Json.MAPPER.readValue(jobJson, ScoreJob.class);
            Map<String, Sample> samples = new java.util.HashMap<>();
            for (Sample s : PreparedDataset.open(Path.of(job.dataset()), false).samples()) {
                samples.put(s.id(), s);
            }
            TeacherCache cache = job.teacherCache() == null ? null : TeacherCache.open(Path.of(job.teacherCache()));
            Path outDir = Path.of(job.outDir());
            try (NDManager manager = Engines.newManager()) {
                Map<String, StudentCnn> students = new LinkedHashMap<>();
                for (Map.Entry<String, String> e : job.checkpoints().entrySet()) {
                    students.put(e.getKey(), Checkpoint.loadStudent(Path.of(e.getValue()), manager));
                }
                for (String id : ids) {
                    Sample s = samples.get(id);
                    if (s == null) {
                        throw new UserInputException("dataset " + job.dataset() + " has no sample " + id);
                    }
                    List<Row> rows = new ArrayList<>();
                    try (NDManager m = manager.newSubManager()) {
                        NDArray gt = ImageTensors.read(m, s.sharp());
                        NDArray x = ImageTensors.read(m, s.degraded());
                        rows.add(row(s, INPUT, score(x, gt)));
                        if (cache != null) {
                            rows.add(row(s, TEACHER, score(cache.readFor(m, s), gt)));
                        }
                        for (Map.Entry<String, StudentCnn> e : students.entrySet()) {
                            NDArray y = e.getValue().predict(x);
                            rows.add(row(s, e.getKey(), score(y, gt)));
                            ImageTensors.write(outDir.resolve(job.outputs().get(e.getKey())).resolve(s.id() + ".png"), y);
                        }
                    }
                    emit.accept(id, Json.write(rows));
                }
            }
        }
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]+", "-");
    }

    private static Row row(Sample s, String model, double[] v) {
        return new Row(s.id(), s.photo(), s.quadrant(), model, v[0], v[1], Double.isNaN(v[2]) ? null : v[2]);
    }

    static double[] values(List<Row> rows, String model, String metric) {
        return rows.stream().filter(r -> r.model().equals(model)).mapToDouble(r -> r.value(metric)).filter(v -> !Double.isNaN(v))
                .toArray();
    }

    private static Stat stat(String subject, String metric, Summary s) {
        return new Stat(subject, metric, s.n(), s.mean(), s.sd(), s.ciLow(), s.ciHigh());
    }

    private static Cost studentCost(String name, StudentCnn net, NDManager manager, Options opt) {
        long flops = (long) Flops.student(net.config(), 1, 1080, 1920);
        if (opt.latencyRuns() <= 0) {
            return new Cost(name, net.parameterCount(), flops, null, "not measured (latency runs set to 0)");
        }
        double secs;
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomUniform(0f, 1f, new Shape(1, 3, 1080, 1920));
            secs = median(opt.latencyRuns(), () -> net.predict(x).close());
        }
        return new Cost(name, net.parameterCount(), flops, secs, String.format(Locale.ROOT,
                "one 1x3x1080x1920 forward, %s after 1 warm-up, on %s", runs(opt.latencyRuns()), Engines.device()));
    }

    private static Cost teacherCost(RestormerConfig cfg, NDManager manager, Options opt) {
        long flops = (long) Flops.restormer(cfg, 1, 1080, 1920);
        try (NDManager m = manager.newSubManager()) {
            // Timing does not depend on the weights' values, so the cached teacher's architecture
            // with PyTorch-default init stands in for its weights (which the cache does not hold).
            Restormer model = Restormer.create(cfg, m);
            long params = ParameterNames.of(model).values().stream().mapToLong(p -> p.getArray().size()).sum();
            boolean cheap = (long) Flops.restormer(cfg, 1, 540, 960) <= AUTO_TEACHER_LATENCY_MAX_FLOPS || Engines.device().isGpu();
            boolean time = opt.teacherLatency() != null ? opt.teacherLatency() : cheap;
            if (opt.latencyRuns() <= 0 || !time) {
                return new Cost(TEACHER, params, flops, null, opt.latencyRuns() <= 0 ? "not measured (latency runs set to 0)"
                        : opt.teacherLatency() != null ? "not measured (--no-teacher-latency)"
                        : "not measured: skipped by default because this teacher needs " + Flops.human((long) Flops.restormer(cfg, 1, 540, 960))
                                + " per quadrant on a CPU (minutes per 1080p image); run 'kd-restore evaluate --teacher-latency' to time it");
            }
            RestormerInference inf = new RestormerInference(model, RestormerInference.Options.upstream());
            NDArray x = m.randomUniform(0f, 1f, new Shape(1, 3, 540, 960));
            double secs = median(opt.latencyRuns(), () -> inf.restore(x).close());
            return new Cost(TEACHER, params, flops, 4 * secs, String.format(Locale.ROOT,
                    "4 x one 1x3x540x960 quadrant forward (untiled, as the teacher cache runs it; a whole 1080p frame is not "
                            + "run, the teacher only ever sees quadrants), %s after 1 warm-up, on %s; same architecture, "
                            + "default-initialised weights", runs(opt.latencyRuns()), Engines.device()));
        }
    }

    private static String runs(int n) {
        return n == 1 ? "1 timed run" : "median of " + n + " timed runs";
    }

    private static double median(int runs, Runnable r) {
        r.run(); // warm-up: first-call allocation and kernel selection
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    }

    /** Writes evaluation.json, the CSV tables and evaluation.md into {@code outDir}. */
    public static void write(Result r, Path outDir) throws IOException {
        Json.writeFile(outDir.resolve(RESULT_FILE), r);
        Tables.writeCsv(EvaluationTables.perImage(r), outDir.resolve("per_image.csv"));
        Tables.writeCsv(EvaluationTables.summary(r), outDir.resolve("summary.csv"));
        Tables.writeCsv(EvaluationTables.differences(r), outDir.resolve("differences.csv"));
        Tables.writeCsv(EvaluationTables.costs(r), outDir.resolve("cost.csv"));
        org.kdrestore.common.AtomicFiles.writeString(outDir.resolve("evaluation.md"), org.kdrestore.common.Checkout.relativize(EvaluationTables.markdown(r)));
    }

    /** Reads a result written by {@link #write}. */
    public static Result read(Path outDir) {
        Path f = outDir.resolve(RESULT_FILE);
        if (!Files.isRegularFile(f)) {
            throw new UserInputException("no " + RESULT_FILE + " in " + outDir + "; run 'kd-restore evaluate' first");
        }
        try {
            return Json.MAPPER.readValue(f.toFile(), Result.class);
        } catch (IOException e) {
            throw new UserInputException(f + " is unreadable: " + e.getMessage(), e);
        }
    }

    static StudentConfig studentConfigOf(TrainConfig cfg) {
        return cfg.student().resolve();
    }
}
