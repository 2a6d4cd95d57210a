package org.kdrestore.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.common.Checkout;
import org.kdrestore.infer.TeacherResolver;
import org.kdrestore.report.Reproduction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Reproduce the seed's headline and ask the question under it: does the teacher help the student? "
                + "Debian photos split by photo (the compact teacher's test photos stay test photos) -> teacher outputs -> five "
                + "students (the seed student distilled; the corrected and the residual student, each distilled and on the ground "
                + "truth alone), each with --seeds seeds and the same budget -> evaluation on the test quadrants -> reports/reproduction/.",
                "Preset cpu: 128 px crops, 500 steps per student, about two hours on 2 CPU cores; preset seed: the seed's exact "
                        + "recipe (whole quadrants, batch 32, 10 epochs), for a GPU. A second invocation reuses every finished stage; "
                        + "a killed student continues from its last checkpoint with --resume."})
public final class ReproduceCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--preset", description = "cpu or seed (default ${DEFAULT-VALUE}).")
    String preset = "cpu";

    @Option(names = "--seeds", description = "Training seeds per student (default ${DEFAULT-VALUE}).")
    int seeds = 3;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "Work folder: photos, prepared data, teacher cache, runs, evaluation (default <checkout>/work/reproduction).")
    Path runDir;

    @Option(names = "--resume", description = "Continue students whose training was interrupted (from their last checkpoint).")
    boolean resume;

    @Option(names = "--photos", paramLabel = "DIR", description = "Photos to use (default: RUN_DIR/photos, exported from Debian's wallpaper packages as 'data photos --source all').")
    Path photos;

    @Option(names = "--split", paramLabel = "FILE", description = "JSON with the test photos' names under \"test\" (default <checkout>/" + Reproduction.SPLIT_FILE + ").")
    Path split;

    @Option(names = "--report", paramLabel = "DIR", description = "Report folder (default <checkout>/reports/reproduction).")
    Path report;

    @Option(names = "--cache", paramLabel = "DIR", description = "Weights cache with the official teacher (default $KD_RESTORE_CACHE or ~/.cache/kd-restore).")
    Path cache;

    @Mixin
    TeacherOption teacherOption;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a training config key for every student (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--evaluate-only", description = "Only evaluate the students kept in the report (REPORT/runs/*/seed-*/student.safetensors) "
            + "on the test set prepared afresh, and write the report again: checks a committed report.")
    boolean evaluateOnly;

    @Option(names = "--latency-runs", description = "Timed 1080p forward passes per student after a warm-up (default ${DEFAULT-VALUE}; 0 = skip).")
    int latencyRuns = 1;

    @Override
    public Integer call() throws Exception {
        Path home = Checkout.home();
        PrintStream log = out.json ? null : System.err;
        Reproduction.Options options = new Reproduction.Options(home, photos,
                runDir != null ? runDir : home.resolve("work").resolve("reproduction"),
                report != null ? report : home.resolve("reports").resolve("reproduction"),
                cache != null ? cache : TeacherResolver.defaultCache(), teacherOption.choice(), teacherOption.config, preset, seeds, sets,
                split != null ? split : home.resolve(Reproduction.SPLIT_FILE), latencyRuns, resume, out.json, log);
        Reproduction.Result r = evaluateOnly ? Reproduction.evaluateOnly(options) : Reproduction.run(options);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("report", r.report().toString());
        m.put("teacher", r.teacher().toMap());
        m.put("students", r.runs().stream().map(Reproduction.StudentRun::name).toList());
        out.print(m, "report: " + r.report());
        return 0;
    }
}
