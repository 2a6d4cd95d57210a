package org.kdrestore.report;

import java.util.List;
import java.util.Map;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The evaluation's tables (Tablesaw), in the layout the CSV, Markdown and HTML share. */
public final class EvaluationTables {
    private EvaluationTables() {}

    /** One row per held-out image and model. */
    public static Table perImage(Evaluation.Result r) {
        List<Evaluation.Row> rows = r.rows();
        return Table.create("per image",
                StringColumn.create("image", rows.stream().map(Evaluation.Row::image).toList()),
                StringColumn.create("model", rows.stream().map(Evaluation.Row::model).toList()),
                DoubleColumn.create("SSIM", rows.stream().mapToDouble(Evaluation.Row::ssim).toArray()),
                DoubleColumn.create("PSNR (dB)", rows.stream().mapToDouble(Evaluation.Row::psnr).toArray()),
                DoubleColumn.create("MS-SSIM", rows.stream().mapToDouble(x -> x.msSsim() == null ? Double.NaN : x.msSsim()).toArray()));
    }

    /** Per model and metric: n, mean, sd, 95% CI. */
    public static Table summary(Evaluation.Result r) {
        return stats("summary", "model", r.summary());
    }

    /** Paired differences per student, base model and metric. */
    public static Table differences(Evaluation.Result r) {
        return stats("paired differences", "difference", r.differences());
    }

    private static Table stats(String name, String subject, List<Evaluation.Stat> s) {
        return Table.create(name,
                StringColumn.create(subject, s.stream().map(Evaluation.Stat::subject).toList()),
                StringColumn.create("metric", s.stream().map(Evaluation.Stat::metric).toList()),
                IntColumn.create("n", s.stream().mapToInt(Evaluation.Stat::n).toArray()),
                DoubleColumn.create("mean", s.stream().mapToDouble(Evaluation.Stat::mean).toArray()),
                DoubleColumn.create("sd", s.stream().mapToDouble(Evaluation.Stat::sd).toArray()),
                DoubleColumn.create("95% CI low", s.stream().mapToDouble(Evaluation.Stat::ciLow).toArray()),
                DoubleColumn.create("95% CI high", s.stream().mapToDouble(Evaluation.Stat::ciHigh).toArray()));
    }

    /** Parameters, FLOPs and latency per 1080p image. */
    public static Table costs(Evaluation.Result r) {
        List<Evaluation.Cost> c = r.costs().stream().filter(x -> !x.model().equals(Evaluation.INPUT)).toList();
        return Table.create("cost per 1920x1080 image",
                StringColumn.create("model", c.stream().map(Evaluation.Cost::model).toList()),
                LongColumn.create("parameters", c.stream().mapToLong(Evaluation.Cost::parameters).toArray()),
                DoubleColumn.create("GFLOPs", c.stream().mapToDouble(x -> x.flops1080p() / 1e9).toArray()),
                DoubleColumn.create("latency (s)", c.stream()
                        .mapToDouble(x -> x.latencySeconds1080p() == null ? Double.NaN : x.latencySeconds1080p()).toArray()),
                StringColumn.create("what was timed", c.stream().map(Evaluation.Cost::latencyNote).toList()));
    }

    /** The summary and paired differences as fixed-width text for the terminal. */
    public static String summaryText(Evaluation.Result r) {
        return statsText("model", r.summary()) + "\n" + statsText("paired difference", r.differences());
    }

    private static String statsText(String subject, List<Evaluation.Stat> stats) {
        StringBuilder sb = new StringBuilder(String.format("%-26s %-8s %3s %10s %10s %23s%n", subject, "metric", "n", "mean", "sd",
                "95% CI"));
        for (Evaluation.Stat s : stats) {
            sb.append(String.format(java.util.Locale.ROOT, "%-26s %-8s %3d %10.4f %10.4f %23s%n", s.subject(), s.metric(), s.n(),
                    s.mean(), s.sd(), Double.isNaN(s.ciLow()) ? "n/a (n<2)"
                            : String.format(java.util.Locale.ROOT, "[%.4f, %.4f]", s.ciLow(), s.ciHigh())));
        }
        return sb.toString();
    }

    /** evaluation.md: the four tables with the definitions under them. */
    public static String markdown(Evaluation.Result r) {
        StringBuilder sb = new StringBuilder(r.runDir() != null ? "# Evaluation of run " + r.runDir()
                : "# Evaluation of the teacher on every quadrant of " + r.dataset()).append("\n\n");
        sb.append(r.runDir() != null ? "Held-out photos (never trained on): " : "Photos: ").append(String.join(", ", r.heldOutPhotos())).append("; dataset ")
                .append(r.dataset()).append(" (manifest sha256 ").append(r.datasetManifestSha256()).append(").\n\n");
        sb.append("## Summary\n\n").append(Tables.toMarkdown(summary(r), 4)).append('\n');
        sb.append("## Paired differences\n\n").append(Tables.toMarkdown(differences(r), 4)).append('\n');
        sb.append("## Per image\n\n").append(Tables.toMarkdown(perImage(r), 4)).append('\n');
        sb.append("## Cost per 1920x1080 image\n\n").append(Tables.toMarkdown(costs(r), 3)).append('\n');
        sb.append("## Definitions\n\n");
        for (Map.Entry<String, String> e : r.definitions().entrySet()) {
            sb.append("- **").append(e.getKey()).append("**: ").append(e.getValue()).append('\n');
        }
        return sb.append('\n').toString();
    }
}
