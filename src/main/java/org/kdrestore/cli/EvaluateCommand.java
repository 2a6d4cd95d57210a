package org.kdrestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.report.Evaluation;
import org.kdrestore.report.EvaluationTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Score a distillation run on its held-out photos: SSIM, PSNR and MS-SSIM against the ground truth for the "
                + "degraded input (the baseline), the teacher (cached outputs) and each student checkpoint; mean, sd, 95%% CI, "
                + "paired differences; parameters, FLOPs and latency per 1080p image.",
                "Without --run: score a teacher on every quadrant of --data (a test set it never saw) from --teacher-cache, "
                        + "against the degraded input, with paired teacher − input differences.",
                "Writes RUN/eval/: evaluation.json, per_image.csv, summary.csv, differences.csv, cost.csv, evaluation.md "
                        + "(definitions under the tables) and the student's outputs as 8-bit PNG."})
public final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--run", paramLabel = "RUN_DIR", description = "The run folder (run.json, student.ckpt); "
            + "without it, every quadrant of --data is scored for the input and the teacher.")
    Path run;

    @Option(names = "--data", paramLabel = "PREPARED",
            description = "The prepared dataset the run trained on (default: run.json's dataset.path).")
    Path data;

    @Option(names = {"--teacher-cache", "--teacher"}, paramLabel = "DIR",
            description = "Teacher cache (a cache dir or a root; default PREPARED/teacher-cache).")
    Path teacherCache;

    @Option(names = "--no-teacher", description = "Leave the teacher out (no cache needed).")
    boolean noTeacher;

    @Option(names = "--checkpoint", paramLabel = "NAME=FILE",
            description = "A student checkpoint to score (repeatable; default the run's student.ckpt as 'student').")
    List<String> checkpoints;

    @Option(names = "--all-epochs", description = "Also score every checkpoints/epoch-NNN.ckpt of the run.")
    boolean allEpochs;

    @Option(names = "--latency-runs", description = "Timed forward passes after one warm-up (0 = no latency; default ${DEFAULT-VALUE}).")
    int latencyRuns = 2;

    @Option(names = "--teacher-latency", negatable = true,
            description = "Time the teacher too (default: only when it is small or a GPU is used; the full teacher takes minutes per image on a CPU).")
    Boolean teacherLatency;

    @Option(names = "--output", paramLabel = "DIR", description = "Where to write (default RUN_DIR/eval).")
    Path output;

    @Mixin
    SparkOption spark;

    @Override
    public Integer call() throws IOException {
        try (org.kdrestore.common.Distributor d = spark.open()) {
            return evaluate(d);
        }
    }

    private Integer evaluate(org.kdrestore.common.Distributor d) throws IOException {
        if (latencyRuns < 0) {
            throw new UserInputException("--latency-runs must be ≥ 0, got " + latencyRuns);
        }
        if (run == null) {
            return wholeDataset(d);
        }
        Evaluation.readRunJson(run);
        Map<String, Path> ckpts = parseCheckpoints();
        Path dataDir = data != null ? data : datasetOf(run);
        PreparedDataset ds = PreparedDataset.open(dataDir);
        Path cache = null;
        if (!noTeacher) {
            cache = teacherCache != null ? teacherCache : ds.root().resolve("teacher-cache");
            if (!Files.exists(cache)) {
                throw new UserInputException("teacher cache " + cache + " does not exist; build it with 'kd-restore teacher cache --data "
                        + ds.root() + " --weights FILE', name one with --teacher-cache, or pass --no-teacher");
            }
        }
        Evaluation.Options opt = new Evaluation.Options(out.json, latencyRuns, teacherLatency).withDistributor(d);
        Path dir = output != null ? output : run.resolve("eval");
        return print(Evaluation.run(ds, run, cache, ckpts, dir, opt), dir);
    }

    private int print(Evaluation.Result r, Path dir) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("output", dir.toString());
        json.put("result", r);
        out.print(json, EvaluationTables.summaryText(r) + "\nwritten: " + dir.resolve("evaluation.md") + " (tables with definitions), "
                + dir.resolve("summary.csv") + ", " + dir.resolve("per_image.csv"));
        return 0;
    }

    private int wholeDataset(org.kdrestore.common.Distributor d) throws IOException {
        if (data == null || output == null) {
            throw new UserInputException("without --run, give the dataset (--data PREPARED), the teacher's outputs "
                    + "(--teacher-cache DIR, from 'kd-restore teacher cache') and where to write (--output DIR)");
        }
        if (noTeacher || checkpoints != null || allEpochs) {
            throw new UserInputException("without --run there is no student to score: --no-teacher, --checkpoint and --all-epochs need --run");
        }
        PreparedDataset ds = PreparedDataset.open(data);
        Path cache = teacherCache != null ? teacherCache : ds.root().resolve("teacher-cache");
        if (!Files.exists(cache)) {
            throw new UserInputException("teacher cache " + cache + " does not exist; build it with 'kd-restore teacher cache --data "
                    + ds.root() + " --weights FILE' or name one with --teacher-cache");
        }
        return print(Evaluation.runDataset(ds, cache, output, new Evaluation.Options(out.json, latencyRuns, teacherLatency)
                .withDistributor(d)), output);
    }

    private Map<String, Path> parseCheckpoints() throws IOException {
        if (checkpoints == null || checkpoints.isEmpty()) {
            return Evaluation.runCheckpoints(run, allEpochs);
        }
        Map<String, Path> m = new LinkedHashMap<>();
        if (allEpochs) {
            m.putAll(Evaluation.runCheckpoints(run, true));
        }
        for (String c : checkpoints) {
            int eq = c.indexOf('=');
            if (eq <= 0 || eq == c.length() - 1) {
                throw new UserInputException("--checkpoint " + c + ": expected NAME=FILE");
            }
            String name = c.substring(0, eq);
            if (name.equals(Evaluation.INPUT) || name.equals(Evaluation.TEACHER)) {
                throw new UserInputException("--checkpoint " + c + ": the name '" + name + "' is reserved");
            }
            m.put(name, Path.of(c.substring(eq + 1)));
        }
        return m;
    }

    static Path datasetOf(Path run) {
        JsonNode j = Evaluation.readRunJson(run);
        String p = j.path("dataset").path("path").asText(null);
        if (p == null) {
            throw new UserInputException(run.resolve("run.json") + " does not record the dataset's path; pass --data PREPARED");
        }
        return Path.of(p);
    }
}
