package org.kdrestore.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.sweep.SweepPlan;
import org.kdrestore.sweep.SweepReport;
import org.kdrestore.sweep.SweepRunner;
import org.kdrestore.sweep.SweepSpec;
import org.kdrestore.sweep.SweepState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Hyperparameter sweep: a base config plus a grid or a random search over config keys.",
                "Each trial is an ordinary distill run folder (SWEEP_DIR/trials/tNNN). The whole sweep file is checked "
                        + "before any trial starts. Results: REPORT_DIR/results.csv, results.md, README.md, index.html and plots.",
                "See docs/sweep.md for the file format."})
public final class SweepCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--config", required = true, paramLabel = "SWEEP.yaml", description = "The sweep file.")
    Path config;

    @Option(names = "--resume", description = "Continue the sweep: finished trials are skipped, an interrupted one resumes "
            + "from its checkpoint. Refused when the sweep file changed.")
    boolean resume;

    @Option(names = "--workers", paramLabel = "N",
            description = "Trials at once (default 1; with --spark, the cluster's task slots); locally each gets cores/N PyTorch threads.")
    Integer workers;

    @picocli.CommandLine.Mixin
    SparkOption spark;

    @Option(names = "--out", paramLabel = "DIR", description = "Sweep folder (default runs/sweeps/NAME).")
    Path sweepDir;

    @Option(names = "--report-dir", paramLabel = "DIR", description = "Report folder (default reports/sweeps/NAME).")
    Path reportDir;

    @Option(names = "--retry-failed", description = "With --resume: run failed trials again.")
    boolean retryFailed;

    @Option(names = "--dry-run", description = "Check the sweep file and list the trials; train nothing.")
    boolean dryRun;

    /** Overrides the file's 'teacher' key; the runner fills the teacher cache once before any trial. */
    @Mixin
    TeacherOption teacherOption;

    @Override
    public Integer call() throws Exception {
        SweepSpec spec = SweepSpec.read(config);
        String choice = teacherOption.choice();
        if (!"auto".equals(choice) || teacherOption.config != null) {
            // A FILE is found by the plan like the file's own paths: in the current folder first.
            spec = spec.withTeacher(choice, teacherOption.config == null ? spec.teacherConfig() : teacherOption.config.toString());
        }
        SweepPlan plan = SweepPlan.of(spec);
        String name = plan.spec().name();
        Path dir = sweepDir != null ? sweepDir : Path.of("runs", "sweeps", name);
        Path report = reportDir != null ? reportDir : Path.of("reports", "sweeps", name);
        if (workers != null && workers < 1) {
            throw new org.kdrestore.common.UserInputException("--workers must be ≥ 1, got " + workers);
        }
        if (dryRun) {
            List<Map<String, Object>> trials = new ArrayList<>();
            StringBuilder sb = new StringBuilder("sweep " + name + ": " + plan.trials().size() + " trials (the file is valid)\n");
            for (SweepPlan.Trial t : plan.trials()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", t.id());
                m.put("params", t.params());
                m.put("base", t.base());
                trials.add(m);
                sb.append("  ").append(t.id()).append("  ").append(t.label()).append('\n');
            }
            plan.notes().forEach(n -> sb.append("note: ").append(n).append('\n'));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("sweep_dir", dir.toString());
            m.put("report_dir", report.toString());
            m.put("trials", trials);
            m.put("notes", plan.notes());
            out.print(m, sb.toString().stripTrailing());
            return 0;
        }
        if (!out.json) {
            plan.notes().forEach(n -> System.err.println("note: " + n));
        }
        SweepRunner.Outcome o;
        try (org.kdrestore.common.Distributor d = spark.open()) {
            int atOnce = workers != null ? workers : spark.enabled() ? d.parallelism() : 1;
            o = SweepRunner.run(plan, new SweepRunner.Options(dir, report, resume, atOnce, retryFailed, out.json,
                    SweepRunner.Launcher.current(TrialMain.class.getName()), d));
        }
        SweepReport.Results r = o.results();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("sweep_dir", dir.toString());
        m.put("report_dir", report.toString());
        m.put("metric", plan.spec().metric());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SweepReport.Row row : r.rows()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("id", row.entry().id);
            x.put("status", row.entry().status.name());
            x.put("params", row.entry().params);
            x.put("base", row.entry().base);
            x.put(plan.spec().metric(), Double.isNaN(row.value()) ? null : row.value());
            x.put("epochs", row.metrics().epochCount());
            x.put("seconds", row.entry().seconds);
            x.put("run_dir", dir.resolve(row.entry().runDir).toString());
            x.put("message", row.entry().message);
            rows.add(x);
        }
        m.put("trials", rows);
        m.put("best", r.best() == null ? null : r.best().entry().id);
        m.put("summary", r.summary());
        out.print(m, r.summary() + "\n\nreport: " + report.resolve("README.md") + " (and index.html, results.csv)");
        boolean anyFinished = r.rows().stream().anyMatch(x -> x.entry().status == SweepState.Status.finished);
        return anyFinished ? 0 : 1;
    }
}
