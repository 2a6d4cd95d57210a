package org.kdrestore.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.common.Checkout;
import org.kdrestore.infer.TeacherResolver;
import org.kdrestore.report.Demo;
import org.kdrestore.report.EvaluationTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The first command to run: prepare data-sample/ -> teacher outputs (official weights if cached, else the "
                + "shipped compact teacher models/restormer-s) -> distill the student (preset quick), and train the same student "
                + "with the same seed and budget on the ground truth alone -> evaluate both on the held-out photo, with their "
                + "paired difference -> report. Prints the summary table and the report's path.",
                "Work files go to work/demo/ (prepared data, teacher cache, runs/<hash>); the report to reports/demo/. "
                        + "A second run reuses every stage that is still valid and says so."})
public final class DemoCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--photos", paramLabel = "DIR", description = "Photos to use (default <checkout>/data-sample).")
    Path photos;

    @Option(names = "--work", paramLabel = "DIR", description = "Work folder (default <checkout>/work/demo).")
    Path work;

    @Option(names = "--report", paramLabel = "DIR", description = "Report folder (default <checkout>/reports/demo).")
    Path report;

    @Option(names = "--cache", paramLabel = "DIR", description = "Weights cache with the official teacher (default $KD_RESTORE_CACHE or ~/.cache/kd-restore).")
    Path cache;

    @Mixin
    TeacherOption teacherOption;

    @Option(names = "--config", paramLabel = "PRESET|FILE.yaml", description = "Training preset or YAML (default ${DEFAULT-VALUE}).")
    String config = "quick";

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a training config key (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--latency-runs", description = "Timed forward passes per model after a warm-up (default ${DEFAULT-VALUE}; 0 = skip).")
    int latencyRuns = 1;

    @Option(names = "--teacher-latency", negatable = true,
            description = "Time the teacher too (default: only when it is small or a GPU is used).")
    Boolean teacherLatency;

    @Override
    public Integer call() throws IOException {
        Path home = Checkout.home();
        PrintStream log = out.json ? null : System.err;
        Demo.Result r = Demo.run(new Demo.Options(home, photos != null ? photos : home.resolve("data-sample"),
                work != null ? work : Demo.defaultWork(home), report != null ? report : home.resolve("reports").resolve("demo"),
                cache != null ? cache : TeacherResolver.defaultCache(), teacherOption.choice(), teacherOption.config, config, sets, latencyRuns,
                teacherLatency, out.json, log));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("report", r.report().toString());
        m.put("run_dir", r.runDir().toString());
        m.put("teacher", r.teacher().toMap());
        m.put("reused", r.reused());
        m.put("seconds", r.seconds());
        m.put("summary", r.evaluation().summary());
        out.print(m, EvaluationTables.summaryText(r.evaluation()) + "\nreport: " + r.report());
        return 0;
    }

}
