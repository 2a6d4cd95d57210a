package org.kdrestore.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Json;
import org.kdrestore.infer.TeacherResolver;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The reproduction's report ({@code reports/reproduction/}): students over seeds, the paired
 * differences that answer "does the teacher help", the seed's figures beside ours, curves,
 * comparison grids and a conclusion that follows from the numbers, whichever way they go.
 *
 * <p>Over seeds: for each test quadrant a student's score is the mean over its seeds; the table's
 * mean and 95% CI are over those quadrant scores, the seed spread is the sd, min and max of the
 * per-seed means over all quadrants. Paired differences use the seed-averaged quadrant scores;
 * "seeds agreeing" counts the seeds whose own mean difference has the same sign.
 */
public final class ReproductionReport {
    private ReproductionReport() {}

    /** One model's statistics for one metric. */
    public record ModelStat(String model, String label, String metric, int seeds, Summary overQuadrants, double seedSd, double seedMin,
            double seedMax) {}

    /** One paired difference for one metric. */
    public record DiffStat(String a, String b, String metric, Summary overQuadrants, int seedsAgreeing, int seeds) {}

    /** Seed-averaged per-quadrant scores of {@code model} ({@code input}, {@code teacher}, or a variant id over {@code seeds}). */
    static double[] quadrantScores(Evaluation.Result ev, String model, int seeds, String metric) {
        if (isFixed(model)) {
            return Evaluation.values(ev.rows(), model, metric);
        }
        double[] sum = null;
        for (int s = 0; s < seeds; s++) {
            double[] v = Evaluation.values(ev.rows(), model + "/seed-" + s, metric);
            if (sum == null) {
                sum = new double[v.length];
            }
            for (int i = 0; i < v.length; i++) {
                sum[i] += v[i] / seeds;
            }
        }
        return sum;
    }

    private static boolean isFixed(String model) {
        return model.equals(Evaluation.INPUT) || model.equals(Evaluation.TEACHER);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Every model's statistics: the input, the teacher, then the variants in order. */
    public static List<ModelStat> models(Evaluation.Result ev, int seeds) {
        List<ModelStat> out = new ArrayList<>();
        for (String metric : Evaluation.METRICS) {
            out.add(new ModelStat(Evaluation.INPUT, "degraded input (no model)", metric, 0,
                    Summary.of(quadrantScores(ev, Evaluation.INPUT, seeds, metric)), Double.NaN, Double.NaN, Double.NaN));
            out.add(new ModelStat(Evaluation.TEACHER, "teacher", metric, 0, Summary.of(quadrantScores(ev, Evaluation.TEACHER, seeds, metric)),
                    Double.NaN, Double.NaN, Double.NaN));
            for (Reproduction.Variant v : Reproduction.VARIANTS) {
                double[] perSeed = new double[seeds];
                for (int s = 0; s < seeds; s++) {
                    perSeed[s] = mean(Evaluation.values(ev.rows(), v.id() + "/seed-" + s, metric));
                }
                Summary seedSummary = Summary.of(perSeed);
                double min = java.util.Arrays.stream(perSeed).min().orElse(Double.NaN);
                double max = java.util.Arrays.stream(perSeed).max().orElse(Double.NaN);
                out.add(new ModelStat(v.id(), v.label(), metric, seeds, Summary.of(quadrantScores(ev, v.id(), seeds, metric)),
                        seedSummary.sd(), min, max));
            }
        }
        return out;
    }

    /** The differences reported: KD − ground-truth-only per network, every student and the teacher against the input, (a) − teacher. */
    public static List<List<String>> differencePairs() {
        List<List<String>> pairs = new ArrayList<>(Reproduction.KD_VS_GT);
        pairs.add(List.of(Evaluation.TEACHER, Evaluation.INPUT));
        for (Reproduction.Variant v : Reproduction.VARIANTS) {
            pairs.add(List.of(v.id(), Evaluation.INPUT));
        }
        pairs.add(List.of(Reproduction.VARIANTS.get(0).id(), Evaluation.TEACHER));
        return pairs;
    }

    public static List<DiffStat> differences(Evaluation.Result ev, int seeds) {
        List<DiffStat> out = new ArrayList<>();
        for (List<String> p : differencePairs()) {
            for (String metric : Evaluation.METRICS) {
                Summary s = Summary.ofDifferences(quadrantScores(ev, p.get(0), seeds, metric), quadrantScores(ev, p.get(1), seeds, metric));
                boolean perSeed = !isFixed(p.get(0)) || !isFixed(p.get(1));
                int agreeing = 0;
                int n = perSeed ? seeds : 1;
                for (int k = 0; k < n; k++) {
                    String a = isFixed(p.get(0)) ? p.get(0) : p.get(0) + "/seed-" + k;
                    String b = isFixed(p.get(1)) ? p.get(1) : p.get(1) + "/seed-" + k;
                    double d = mean(Evaluation.values(ev.rows(), a, metric)) - mean(Evaluation.values(ev.rows(), b, metric));
                    if (Math.signum(d) == Math.signum(s.mean())) {
                        agreeing++;
                    }
                }
                out.add(new DiffStat(p.get(0), p.get(1), metric, s, agreeing, n));
            }
        }
        return out;
    }

    static Table modelTable(List<ModelStat> m) {
        return Table.create("students over seeds",
                StringColumn.create("model", m.stream().map(ModelStat::model).toList()),
                StringColumn.create("what", m.stream().map(ModelStat::label).toList()),
                StringColumn.create("metric", m.stream().map(ModelStat::metric).toList()),
                IntColumn.create("seeds", m.stream().mapToInt(ModelStat::seeds).toArray()),
                IntColumn.create("quadrants", m.stream().mapToInt(x -> x.overQuadrants().n()).toArray()),
                DoubleColumn.create("mean", m.stream().mapToDouble(x -> x.overQuadrants().mean()).toArray()),
                DoubleColumn.create("95% CI low", m.stream().mapToDouble(x -> x.overQuadrants().ciLow()).toArray()),
                DoubleColumn.create("95% CI high", m.stream().mapToDouble(x -> x.overQuadrants().ciHigh()).toArray()),
                DoubleColumn.create("seed sd", m.stream().mapToDouble(ModelStat::seedSd).toArray()),
                DoubleColumn.create("seed min", m.stream().mapToDouble(ModelStat::seedMin).toArray()),
                DoubleColumn.create("seed max", m.stream().mapToDouble(ModelStat::seedMax).toArray()));
    }

    static Table differenceTable(List<DiffStat> d) {
        return Table.create("paired differences",
                StringColumn.create("difference", d.stream().map(x -> x.a() + " − " + x.b()).toList()),
                StringColumn.create("metric", d.stream().map(DiffStat::metric).toList()),
                IntColumn.create("quadrants", d.stream().mapToInt(x -> x.overQuadrants().n()).toArray()),
                DoubleColumn.create("mean", d.stream().mapToDouble(x -> x.overQuadrants().mean()).toArray()),
                DoubleColumn.create("95% CI low", d.stream().mapToDouble(x -> x.overQuadrants().ciLow()).toArray()),
                DoubleColumn.create("95% CI high", d.stream().mapToDouble(x -> x.overQuadrants().ciHigh()).toArray()),
                StringColumn.create("seeds agreeing", d.stream().map(x -> x.seedsAgreeing() + "/" + x.seeds()).toList()));
    }

    static Table seedFigures(List<ModelStat> m) {
        ModelStat student = find(m, Reproduction.VARIANTS.get(0).id(), Evaluation.SSIM);
        ModelStat teacher = find(m, Evaluation.TEACHER, Evaluation.SSIM);
        return Table.create("the seed's figures beside ours",
                StringColumn.create("SSIM of", List.of("the seed student, distilled (ours: (a))", "the teacher", "student − teacher")),
                DoubleColumn.create("seed (docs/seed.md)", new double[] {Reproduction.SEED_STUDENT_SSIM, Reproduction.SEED_TEACHER_SSIM,
                    Reproduction.SEED_STUDENT_SSIM - Reproduction.SEED_TEACHER_SSIM}),
                DoubleColumn.create("ours", new double[] {student.overQuadrants().mean(), teacher.overQuadrants().mean(),
                    student.overQuadrants().mean() - teacher.overQuadrants().mean()}));
    }

    private static ModelStat find(List<ModelStat> m, String model, String metric) {
        return m.stream().filter(x -> x.model().equals(model) && x.metric().equals(metric)).findFirst().orElseThrow();
    }

    private static DiffStat find(List<DiffStat> d, String a, String b, String metric) {
        return d.stream().filter(x -> x.a().equals(a) && x.b().equals(b) && x.metric().equals(metric)).findFirst().orElseThrow();
    }

    /** What a paired difference says, in words: helps / hurts / no detectable difference, with the interval. */
    static String verdict(DiffStat d, String unit) {
        Summary s = d.overQuadrants();
        String num = String.format(Locale.ROOT, "%s%s [%s, %s] (%d/%d seeds agree)", (s.mean() > 0 ? "+" : "") + Tables.number(s.mean(), 4),
                unit, Tables.number(s.ciLow(), 4), Tables.number(s.ciHigh(), 4), d.seedsAgreeing(), d.seeds());
        if (Double.isNaN(s.ciLow())) {
            return num + ", too few quadrants for an interval";
        }
        if (s.ciLow() > 0) {
            return num + ": higher, the interval excludes 0";
        }
        if (s.ciHigh() < 0) {
            return num + ": lower, the interval excludes 0";
        }
        return num + ": no difference the test set can detect (the interval contains 0)";
    }

    /** The conclusion, built only from the numbers. */
    static List<String> conclusion(List<ModelStat> m, List<DiffStat> d, TeacherResolver.Resolved teacher) {
        List<String> out = new ArrayList<>();
        ModelStat a = find(m, "a-seed-kd", Evaluation.SSIM);
        ModelStat t = find(m, Evaluation.TEACHER, Evaluation.SSIM);
        DiffStat aT = find(d, "a-seed-kd", Evaluation.TEACHER, Evaluation.SSIM);
        boolean headline = aT.overQuadrants().ciLow() > 0;
        out.add(String.format(Locale.ROOT, "**The headline.** The seed reports its student at SSIM %.4f above its teacher at %.4f. Here the seed's "
                + "student, distilled, scores %.4f and the teacher %.4f: student − teacher %s. So the headline %s.",
                Reproduction.SEED_STUDENT_SSIM, Reproduction.SEED_TEACHER_SSIM, a.overQuadrants().mean(), t.overQuadrants().mean(),
                verdict(aT, ""), headline ? "reproduces in direction (not in the values, which depend on data and metric)" : "does not reproduce"));
        for (List<String> pair : Reproduction.KD_VS_GT) {
            DiffStat ssim = find(d, pair.get(0), pair.get(1), Evaluation.SSIM);
            DiffStat psnr = find(d, pair.get(0), pair.get(1), Evaluation.PSNR);
            out.add("**Does the teacher help (" + pair.get(0) + " − " + pair.get(1) + ")?** SSIM " + verdict(ssim, "") + "; PSNR "
                    + verdict(psnr, " dB") + ".");
        }
        StringBuilder beat = new StringBuilder("**Against doing nothing.** Paired SSIM differences from the degraded input: teacher ");
        beat.append(verdict(find(d, Evaluation.TEACHER, Evaluation.INPUT, Evaluation.SSIM), ""));
        for (Reproduction.Variant v : Reproduction.VARIANTS) {
            beat.append("; ").append(v.id()).append(' ').append(verdict(find(d, v.id(), Evaluation.INPUT, Evaluation.SSIM), ""));
        }
        out.add(beat + ". A model whose interval lies below 0 restored nothing.");
        out.add("**Why the numbers differ from the seed's.** Data: Debian's wallpaper photos (models/restormer-s/PHOTOS.md), not the "
                + "seed's unnamed data set. Teacher: " + teacher.describe() + " — the seed used the official motion-deblurring Restormer "
                + "on a down/up-scaling degradation it was not trained for. Degradation: x4 INTER_AREA down, INTER_CUBIC up (docs/data.md). "
                + "The seed student: ReLU before Sigmoid, so it cannot output below 0.5 (docs/student.md); (b)–(e) correct that. "
                + "Metric: the seed gives no SSIM definition; here SSIM is pytorch-msssim's (Gaussian window 11, σ 1.5, data range 1, "
                + "RGB), the definitions below.");
        return out;
    }

    /** Writes the report; returns its index.html. */
    static Path write(Reproduction.Options o, List<Reproduction.StudentRun> runs, Evaluation.Result ev, Path evalDir,
            TeacherResolver.Resolved teacher, Map<String, Object> split) throws IOException {
        Path out = o.reportDir();
        Files.createDirectories(out);
        List<ModelStat> models = models(ev, o.seeds());
        List<DiffStat> diffs = differences(ev, o.seeds());
        Table modelTable = modelTable(models);
        Table diffTable = differenceTable(diffs);
        Table seedTable = seedFigures(models);
        Tables.writeCsv(modelTable, out.resolve("students.csv"));
        Tables.writeCsv(diffTable, out.resolve("differences.csv"));
        Tables.writeCsv(seedTable, out.resolve("seed_figures.csv"));
        Tables.writeCsv(EvaluationTables.perImage(ev), out.resolve("per_image.csv"));
        Tables.writeCsv(EvaluationTables.costs(ev), out.resolve("costs.csv"));
        // the provenance of every student, and its weights (small) so the evaluation can be rerun on them
        for (Reproduction.StudentRun r : runs) {
            Path dst = out.resolve("runs").resolve(r.variant().id()).resolve("seed-" + r.seed());
            Files.createDirectories(dst);
            if (Files.isSameFile(dst, r.runDir())) {
                continue; // --evaluate-only: the students are these committed ones
            }
            for (String f : List.of("run.json", "metrics.csv", "student.safetensors")) {
                Path src = r.runDir().resolve(f);
                if (f.endsWith(".json") && Files.isRegularFile(src)) {
                    // paths inside the checkout relative to it, as in every committed report
                    AtomicFiles.writeString(dst.resolve(f), org.kdrestore.common.Checkout.relativize(Files.readString(src)));
                } else if (Files.isRegularFile(src)) {
                    AtomicFiles.write(dst.resolve(f), s -> Files.copy(src, s));
                }
            }
        }
        Json.writeFile(out.resolve("split.json"), split);

        JsonNode firstRun = Evaluation.readRunJson(runs.get(0).runDir());
        ReportDocument doc = new ReportDocument("Reproduction: does the teacher help the student?");
        doc.paragraph("Made by `kd-restore reproduce --preset " + o.preset() + " --seeds " + o.seeds()
                + (o.sets().isEmpty() ? "" : " --set " + String.join(" --set ", o.sets())) + "` at commit "
                + firstRun.path("git_commit").asText("unknown") + " (each student's run.json, under runs/, names its own). "
                + "Five students, each trained with " + o.seeds() + " seed(s) on the same budget, evaluated on " + ev.rows().stream()
                .map(Evaluation.Row::image).distinct().count() + " test quadrants of " + ev.heldOutPhotos().size()
                + " photo(s) that neither the students nor the teacher ever saw (split.json). The evaluation alone can be rerun "
                + "on the students' weights kept here (runs/): `kd-restore reproduce --evaluate-only`.");
        doc.heading(1, "Conclusion");
        for (String p : conclusion(models, diffs, teacher)) {
            doc.paragraph(p);
        }
        doc.heading(1, "The seed's figures beside ours");
        doc.table(seedTable, 4, "SSIM; the seed's values are as published, without a data set or metric definition.");
        doc.heading(1, "Students over seeds");
        doc.table(modelTable, 4, "Mean over test quadrants of the seed-averaged scores, t-based 95% CI over quadrants; seed sd / min / max "
                + "of the per-seed means.");
        doc.heading(1, "Paired differences");
        doc.table(diffTable, 4, "Per quadrant a − b of the seed-averaged scores, mean and 95% CI; seeds agreeing: seeds whose own mean "
                + "difference has the same sign.");
        doc.heading(1, "Cost per 1920x1080 image");
        doc.table(EvaluationTables.costs(ev), 3, "Parameters, FLOPs counted from layer shapes, measured latency.");
        doc.heading(1, "Teacher");
        doc.paragraph(teacher.describe() + "; sha256 " + teacher.sha256() + ".");
        doc.heading(1, "Training curves (seed 0)");
        Map<String, List<Map<String, String>>> curves = new LinkedHashMap<>();
        for (Reproduction.StudentRun r : runs) {
            Path m = r.runDir().resolve("metrics.csv");
            if (r.seed() == 0 && Files.isRegularFile(m)) {
                curves.put(r.variant().id(), RunReport.readCsv(m));
            }
        }
        if (!curves.isEmpty()) {
            doc.image("validation_ssim.png", "validation SSIM per epoch, seed 0", Charts.image(RunReport.validationChart(curves, firstRun)));
        }
        doc.heading(1, "Comparisons (seed 0)");
        List<String> students = List.of("a-seed-kd/seed-0", "d-residual-kd/seed-0", "e-residual-gt/seed-0");
        List<String> ids = ev.rows().stream().map(Evaluation.Row::image).distinct().limit(2).toList();
        int k = 0;
        for (java.awt.image.BufferedImage grid : RunReport.grids(ev, evalDir, students, ids)) {
            doc.image("comparison_" + (++k) + ".png", "comparison " + k, grid);
        }
        doc.heading(1, "Definitions");
        StringBuilder defs = new StringBuilder();
        ev.definitions().forEach((key, v) -> defs.append("**").append(key).append("**: ").append(v).append(' '));
        doc.paragraph(defs.toString().trim());
        doc.links("Tables as CSV:", List.of("students.csv", "differences.csv", "seed_figures.csv", "per_image.csv", "costs.csv", "split.json"));
        doc.write(out);
        return out.resolve("index.html");
    }
}
