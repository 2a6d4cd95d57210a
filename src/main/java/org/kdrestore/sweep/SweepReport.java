package org.kdrestore.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Json;
import org.kdrestore.report.Charts;
import org.kdrestore.report.ReportDocument;
import org.kdrestore.report.Tables;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The sweep's results: one row per trial, every number read from the trial's own
 * {@code metrics.csv} (its last epoch row: the final losses, averaged over that epoch's steps,
 * and the validation SSIM/PSNR), sorted by the metric; plots of the metric against each swept
 * key and of the best trials' per-epoch curves; a summary naming the best configuration and
 * how much it beats the base. Written to {@code results.csv}, {@code results.md},
 * {@code README.md} and {@code index.html} (with the PNGs) in the report folder.
 */
public final class SweepReport {
    private SweepReport() {}

    static final List<String> LOSS_COLUMNS = List.of("loss", "gt_l1", "gt_ssim", "gt_vgg", "teacher_l1", "teacher_ssim",
            "teacher_vgg");
    static final int CURVES = 5;

    /** One trial's row. */
    public record Row(SweepState.TrialEntry entry, TrialMetrics metrics, double value) {}

    /**
     * @param rows every trial, best first (finished by metric, then pruned, then the rest)
     * @param best the best finished trial, null when none finished
     * @param base the trial with the base config, null when it was not run
     */
    public record Results(Table table, List<Row> rows, Row best, Row base, String summary) {}

    public static Results collect(SweepPlan plan, SweepState state, Path sweepDir) throws IOException {
        String metric = plan.spec().metric();
        boolean max = plan.spec().maximise();
        List<Row> rows = new ArrayList<>();
        for (SweepState.TrialEntry e : state.trials()) {
            TrialMetrics m = TrialMetrics.read(sweepDir.resolve(e.runDir));
            rows.add(new Row(e, m, m.lastValue(metric)));
        }
        Comparator<Row> byValue = Comparator.comparingDouble(r -> Double.isNaN(r.value()) ? Double.POSITIVE_INFINITY
                : max ? -r.value() : r.value());
        rows.sort(Comparator.comparingInt((Row r) -> group(r.entry().status)).thenComparing(byValue)
                .thenComparing(r -> r.entry().id));
        Row best = rows.stream().filter(r -> r.entry().status == SweepState.Status.finished && !Double.isNaN(r.value()))
                .findFirst().orElse(null);
        Row base = rows.stream().filter(r -> r.entry().base).findFirst().orElse(null);
        Table table = table(plan, rows);
        return new Results(table, rows, best, base, summary(plan, rows, best, base));
    }

    private static int group(SweepState.Status s) {
        return switch (s) {
            case finished -> 0;
            case pruned -> 1;
            case running -> 2;
            case failed -> 3;
            case pending -> 4;
        };
    }

    static Table table(SweepPlan plan, List<Row> rows) {
        Table t = Table.create("sweep " + plan.spec().name());
        IntColumn rank = IntColumn.create("rank");
        StringColumn trial = StringColumn.create("trial");
        StringColumn status = StringColumn.create("status");
        int r = 1;
        for (Row row : rows) {
            if (row.entry().status == SweepState.Status.finished && !Double.isNaN(row.value())) {
                rank.append(r++);
            } else {
                rank.appendMissing();
            }
            trial.append(row.entry().id + (row.entry().base ? " (base)" : ""));
            status.append(row.entry().status.name());
        }
        t.addColumns(rank, trial, status);
        for (String key : plan.sweptKeys()) {
            List<String> values = rows.stream().map(x -> x.entry().params.get(key)).toList();
            String baseValue = baseValue(plan, key);
            boolean numeric = values.stream().allMatch(v -> v == null || isNumber(v)) && (baseValue == null || isNumber(baseValue));
            if (numeric) {
                DoubleColumn c = DoubleColumn.create(key);
                values.forEach(v -> c.append(Double.parseDouble(v == null ? baseValue : v)));
                t.addColumns(c);
            } else {
                StringColumn c = StringColumn.create(key);
                values.forEach(v -> c.append(v == null ? baseValue : v));
                t.addColumns(c);
            }
        }
        IntColumn epochs = IntColumn.create("epochs");
        DoubleColumn steps = DoubleColumn.create("steps");
        rows.forEach(x -> {
            epochs.append(x.metrics().epochCount());
            steps.append(x.metrics().lastValue("global_step"));
        });
        t.addColumns(epochs, steps);
        for (String col : LOSS_COLUMNS) {
            if (rows.stream().anyMatch(x -> !Double.isNaN(x.metrics().lastValue(col)))) {
                DoubleColumn c = DoubleColumn.create(col);
                rows.forEach(x -> c.append(x.metrics().lastValue(col)));
                t.addColumns(c);
            }
        }
        for (String col : List.of("val_ssim", "val_psnr")) {
            DoubleColumn c = DoubleColumn.create(col);
            rows.forEach(x -> c.append(x.metrics().lastValue(col)));
            t.addColumns(c);
        }
        DoubleColumn time = DoubleColumn.create("time_s");
        StringColumn dir = StringColumn.create("run_dir");
        rows.forEach(x -> {
            time.append(x.entry().seconds);
            dir.append(x.entry().runDir);
        });
        t.addColumns(time, dir);
        return t;
    }

    /** The base config's value of a swept key (what the base trial ran with), as text. */
    private static String baseValue(SweepPlan plan, String key) {
        JsonNode n = org.kdrestore.train.ConfigLoader.toTree(plan.baseConfig());
        for (String part : key.split("\\.")) {
            n = n.path(part);
        }
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (n.isArray()) {
            List<String> items = new ArrayList<>();
            n.forEach(x -> items.add(x.asText()));
            return String.join(",", items);
        }
        return n.asText();
    }

    private static boolean isNumber(String v) {
        try {
            Double.parseDouble(v);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static String summary(SweepPlan plan, List<Row> rows, Row best, Row base) {
        String metric = plan.spec().metric();
        StringBuilder sb = new StringBuilder();
        Map<SweepState.Status, Long> counts = rows.stream().collect(Collectors.groupingBy(r -> r.entry().status,
                LinkedHashMap::new, Collectors.counting()));
        sb.append(rows.size()).append(" trials (").append(counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "))).append("), ranked by ").append(metric).append(" of the last epoch (")
                .append(plan.spec().maximise() ? "higher" : "lower").append(" is better).\n\n");
        if (best == null) {
            sb.append("No trial has finished yet, so there is no best configuration.");
            return sb.toString();
        }
        sb.append("Best configuration: ").append(best.entry().id).append(" (").append(label(best)).append("), ").append(metric)
                .append(' ').append(fmt(best.value())).append(" after ").append(best.metrics().epochCount()).append(" epoch(s).");
        if (base == null) {
            sb.append(" The base config was not run (include_base: false), so there is nothing to compare with.");
        } else if (base == best) {
            sb.append(" That is the base config: no swept combination beat it.");
        } else if (Double.isNaN(base.value())) {
            sb.append(" The base config (").append(base.entry().id).append(") has no ").append(metric).append(" (")
                    .append(base.entry().status).append("), so there is nothing to compare with.");
        } else {
            double diff = best.value() - base.value();
            sb.append(" Base config (").append(base.entry().id).append(base.entry().params.isEmpty() ? "" : ", " + label(base))
                    .append("): ").append(fmt(base.value())).append(base.entry().status == SweepState.Status.pruned
                            ? " (stopped early at epoch " + base.entry().prunedAtEpoch + ")" : "")
                    .append(". The best ").append(plan.spec().maximise() ? "beats" : "improves on").append(" it by ")
                    .append(String.format(Locale.ROOT, "%+.5g", plan.spec().maximise() ? diff : -diff));
            if (base.value() != 0) {
                sb.append(String.format(Locale.ROOT, " (%+.2f%%)", 100 * (plan.spec().maximise() ? diff : -diff)
                        / Math.abs(base.value())));
            }
            sb.append('.');
        }
        sb.append("\n\nSwept values of the best: ").append(best.entry().params.isEmpty() ? "none (the base)" : label(best))
                .append(". Run folder: ").append(best.entry().runDir).append('.');
        return sb.toString();
    }

    private static String label(Row r) {
        return r.entry().params.isEmpty() ? "base config" : r.entry().params.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.5g", v);
    }

    /** Collects the results and writes the report files into {@code reportDir}. */
    public static Results write(SweepPlan plan, SweepState state, Path sweepDir, Path reportDir) throws IOException {
        Results res = collect(plan, state, sweepDir);
        Files.createDirectories(reportDir);
        Tables.writeCsv(res.table(), reportDir.resolve("results.csv"));
        String metric = plan.spec().metric();
        String title = "Sweep " + plan.spec().name();
        AtomicFiles.writeString(reportDir.resolve("results.md"), "# " + title + "\n\n" + res.summary() + "\n\n"
                + Tables.toMarkdown(res.table(), 5));

        ReportDocument doc = new ReportDocument(title);
        doc.paragraph(res.summary());
        doc.table(res.table(), 5, "One row per trial; every number is the last epoch row of the trial's metrics.csv "
                + "(losses: means over that epoch's steps, unweighted terms; loss: the weighted sum that was minimised). "
                + "time_s: wall time of the trial's processes.");
        for (String key : plan.sweptKeys()) {
            XYChart c = paramChart(plan, res, key);
            if (c != null) {
                doc.image(fileName(metric + "-vs-" + key) + ".png", metric + " against " + key, Charts.image(c));
            }
        }
        XYChart curves = curvesChart(plan, res);
        if (curves != null) {
            doc.image(fileName(metric + "-curves") + ".png", metric + " per epoch of the best trials", Charts.image(curves));
        }
        doc.heading(1, "Definitions");
        doc.paragraph(definitions(plan, res, sweepDir));
        doc.heading(1, "Sweep");
        doc.code(Json.write(plan.definition()));
        doc.write(reportDir);
        return res;
    }

    private static String definitions(SweepPlan plan, Results res, Path sweepDir) {
        StringBuilder sb = new StringBuilder();
        Row any = res.best() != null ? res.best() : res.rows().isEmpty() ? null : res.rows().get(0);
        if (any != null) {
            Path runJson = sweepDir.resolve(any.entry().runDir).resolve("run.json");
            try {
                JsonNode d = Json.MAPPER.readTree(runJson.toFile()).path("metric_definitions");
                for (String k : List.of("val_ssim", "val_psnr", "loss")) {
                    if (d.has(k)) {
                        sb.append(k).append(": ").append(d.get(k).isTextual() ? d.get(k).asText() : d.get(k).toString()).append("\n\n");
                    }
                }
            } catch (IOException e) {
                // no run.json yet: the definitions follow once a trial has started
            }
        }
        if (plan.spec().earlyStop() != null) {
            SweepSpec.EarlyStop e = plan.spec().earlyStop();
            sb.append("early stopping: median rule — from epoch ").append(e.afterEpochs()).append(" on, a trial whose ")
                    .append(plan.spec().metric()).append(" at an epoch is worse than the median of the other trials' value at that "
                    + "epoch (once at least ").append(e.minTrials()).append(" have one) is stopped; its row shows the last epoch it "
                    + "completed.\n\n");
        }
        sb.append("Swept keys are config keys (see 'kd-restore distill --print-config'); each trial is an ordinary run folder "
                + "that 'kd-restore distill --run-dir DIR --resume' can continue on its own.");
        return sb.toString();
    }

    /** The metric against one swept key: finished and pruned trials as separate point sets. */
    static XYChart paramChart(SweepPlan plan, Results res, String key) {
        String metric = plan.spec().metric();
        List<Row> rows = res.rows().stream().filter(r -> !Double.isNaN(r.value())).toList();
        if (rows.isEmpty()) {
            return null;
        }
        String baseValue = baseValue(plan, key);
        List<String> raw = rows.stream().map(r -> r.entry().params.getOrDefault(key, baseValue)).toList();
        boolean numeric = raw.stream().allMatch(v -> v != null && isNumber(v));
        List<String> categories = raw.stream().distinct().sorted(Comparator.nullsFirst(Comparator.naturalOrder())).toList();
        List<Charts.Series> series = new ArrayList<>();
        for (SweepState.Status s : List.of(SweepState.Status.finished, SweepState.Status.pruned)) {
            List<double[]> pts = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                if (rows.get(i).entry().status == s) {
                    double x = numeric ? Double.parseDouble(raw.get(i)) : categories.indexOf(raw.get(i));
                    pts.add(new double[] {x, rows.get(i).value()});
                }
            }
            if (!pts.isEmpty()) {
                series.add(new Charts.Series(s == SweepState.Status.finished ? "finished" : "stopped early",
                        pts.stream().mapToDouble(p -> p[0]).toArray(), pts.stream().mapToDouble(p -> p[1]).toArray()));
            }
        }
        String xLabel = numeric ? key : key + " (" + java.util.stream.IntStream.range(0, categories.size())
                .mapToObj(i -> i + "=" + categories.get(i)).collect(Collectors.joining(", ")) + ")";
        XYChart c = Charts.lines(metric + " against " + key, xLabel, metric + " (last epoch)", series);
        c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        c.getSeriesMap().values().forEach(s -> {
            s.setXYSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CIRCLE);
        });
        if (numeric) {
            double lo = raw.stream().mapToDouble(Double::parseDouble).min().orElse(0);
            double hi = raw.stream().mapToDouble(Double::parseDouble).max().orElse(0);
            if (lo > 0 && hi / lo >= 20) {
                c.getStyler().setXAxisLogarithmic(true); // learning rates and the like are spread over decades
            }
        }
        return c;
    }

    /** Per-epoch metric of the best finished trials and of the base. */
    static XYChart curvesChart(SweepPlan plan, Results res) {
        String metric = plan.spec().metric();
        List<Row> pick = new ArrayList<>(res.rows().stream().filter(r -> r.entry().status == SweepState.Status.finished
                && !Double.isNaN(r.value())).limit(CURVES).toList());
        if (res.base() != null && !pick.contains(res.base()) && res.base().metrics().epochCount() > 0) {
            pick.add(res.base());
        }
        List<Charts.Series> series = new ArrayList<>();
        for (Row r : pick) {
            double[] y = r.metrics().curve(metric);
            double[] x = r.metrics().curve("epoch");
            series.add(new Charts.Series(r.entry().id + (r.entry().base ? " (base)" : "") + " " + label(r), x, y));
        }
        if (series.isEmpty()) {
            return null;
        }
        return Charts.lines(metric + " per epoch, best " + Math.min(CURVES, pick.size()) + " trials", "epoch", metric, series);
    }

    private static String fileName(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
