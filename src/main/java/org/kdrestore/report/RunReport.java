package org.kdrestore.report;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Checkout;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.data.Sample;
import org.kdrestore.infer.TeacherCache;

/**
 * The report of a distillation run: {@code index.html} (self-contained, opens from disk) and
 * {@code README.md} with PNGs beside it. It shows the summary, differences, cost and per-image
 * tables with the metric definitions under them, the loss curves per component and the
 * validation SSIM per epoch, comparison grids (degraded | teacher | student | ground truth with
 * a zoomed detail), which teacher was used, and the run's provenance ({@code run.json}).
 */
public final class RunReport {
    private RunReport() {}

    /** Panel width of the comparison grids: four 960×540 quadrants side by side stay readable at ~1.4k px. */
    static final int PANEL_WIDTH = 330;
    /** Side of the zoomed detail in source pixels (shown enlarged to the panel width, ×3.4). */
    static final int CROP = 96;
    /** At most this many student panels per grid. */
    static final int MAX_STUDENT_PANELS = 3;
    /** At most this many comparison grids (one per held-out image). */
    static final int MAX_GRIDS = 4;

    /** What was written. */
    public record Written(Path dir, Path html, Path markdown, List<Path> images) {}

    /** Builds the report of {@code runDir} from its evaluation ({@code evalDir}) into {@code outDir}. */
    public static Written write(Path runDir, Path evalDir, Path outDir) throws IOException {
        Map<String, Path> runs = new LinkedHashMap<>();
        runs.put("student", runDir);
        return write(runs, evalDir, outDir);
    }

    /**
     * The report of several runs evaluated together ({@code runs}: student name → run folder, the
     * first the main run, whose config, curves and provenance lead); the demo's distilled and
     * ground-truth-only students.
     */
    public static Written write(Map<String, Path> runs, Path evalDir, Path outDir) throws IOException {
        Path runDir = runs.values().iterator().next();
        Evaluation.Result ev = Evaluation.read(evalDir);
        JsonNode run = Evaluation.readRunJson(runDir);
        String name = runDir.toAbsolutePath().normalize().getFileName().toString();
        ReportDocument doc = new ReportDocument("Distillation report: " + name);
        List<Path> images = new ArrayList<>();

        doc.paragraph("Run " + runDir.toAbsolutePath().normalize() + ", evaluated on the quadrants of the held-out photo(s) "
                + String.join(", ", ev.heldOutPhotos()) + ", which training never saw (split by photo, as recorded in run.json). "
                + "Every number is computed against the sharp ground truth; the degraded input is the baseline.");
        if (runs.size() > 1) {
            StringBuilder sb = new StringBuilder("Students, each the same network trained from the same seed on the same crops "
                    + "for the same number of steps; they differ only in their loss:");
            runs.forEach((student, dir) -> sb.append(' ').append(student).append(" (run ").append(dir.toAbsolutePath().normalize())
                    .append(": ").append(lossText(Evaluation.readRunJson(dir))).append(");"));
            doc.paragraph(sb.substring(0, sb.length() - 1) + ". Their paired difference is what the teacher added.");
        }
        doc.heading(1, "Teacher");
        doc.paragraph(teacherText(ev, run));

        doc.heading(1, "Summary");
        doc.table(EvaluationTables.summary(ev), 4, "Mean over held-out quadrants, sample sd, t-based 95% confidence interval.");
        doc.paragraph(definitionsText(ev, List.of(Evaluation.SSIM, Evaluation.PSNR, Evaluation.MS_SSIM, "inputs", "summary")));
        doc.heading(1, "Paired differences");
        doc.table(EvaluationTables.differences(ev), 4, "Per image a − b, then mean, sd and 95% CI (an interval excluding 0 is a "
                + "consistent difference on these images).");
        doc.paragraph(definitionsText(ev, List.of("differences")));
        doc.heading(1, "Cost per 1920x1080 image");
        doc.table(EvaluationTables.costs(ev), 3, "Parameters, FLOPs counted from layer shapes, measured latency.");
        doc.paragraph(definitionsText(ev, List.of("FLOPs", "latency")));

        doc.heading(1, "Training curves");
        Path metrics = runDir.resolve("metrics.csv");
        if (Files.isRegularFile(metrics)) {
            List<Map<String, String>> rows = readCsv(metrics);
            doc.image("loss_curves.png", "training loss per component", Charts.image(lossChart(rows)));
            doc.paragraph("Training loss per step: 'loss' is the weighted sum that was minimised; the other lines are the "
                    + "unweighted components (gt_* against the ground truth, teacher_* against the teacher's output). "
                    + "Terms that were off are not drawn.");
            Map<String, List<Map<String, String>>> perRun = new LinkedHashMap<>();
            for (Map.Entry<String, Path> e : runs.entrySet()) {
                Path m = e.getValue().resolve("metrics.csv");
                if (Files.isRegularFile(m)) {
                    perRun.put(e.getKey(), e.getValue().equals(runDir) ? rows : readCsv(m));
                }
            }
            doc.image("validation_ssim.png", "validation SSIM per epoch", Charts.image(validationChart(perRun, run)));
            doc.paragraph("Validation SSIM at the end of each epoch, as the trainer measured it (run.json "
                    + "metric_definitions.val_ssim says on what: " + run.path("metric_definitions").path("val_ssim").asText("?")
                    + "), with the degraded input's score on the same images as a flat line: above it the student improves on "
                    + "doing nothing.");
            images.add(outDir.resolve("loss_curves.png"));
            images.add(outDir.resolve("validation_ssim.png"));
        } else {
            doc.paragraph("No metrics.csv in the run folder, so no training curves.");
        }

        doc.heading(1, "Comparisons");
        doc.paragraph("Each row: the degraded input, the teacher, the student(s) and the ground truth of one held-out quadrant; "
                + "under each, the same " + CROP + "x" + CROP + " px region (the most detailed one of the ground truth, red box) "
                + "enlarged with nearest-neighbour so pixels show as they are.");
        int k = 0;
        for (BufferedImage grid : grids(ev, evalDir)) {
            String file = "comparison_" + (++k) + ".png";
            doc.image(file, "comparison " + k, grid);
            images.add(outDir.resolve(file));
        }

        doc.heading(1, "Per image");
        doc.table(EvaluationTables.perImage(ev), 4, "Every held-out quadrant and model.");
        doc.heading(1, "Data");
        List<String> tables = List.of("summary.csv", "differences.csv", "per_image.csv", "cost.csv", Evaluation.RESULT_FILE);
        doc.links("The tables above as files, copied from the evaluation folder (" + evalDir.toAbsolutePath().normalize()
                + ") so the report carries its data:", tables);
        doc.heading(1, "Metric definitions");
        doc.paragraph(definitionsText(ev, new ArrayList<>(ev.definitions().keySet())));
        doc.heading(1, "Provenance");
        doc.paragraph("run.json of the run (resolved config, git commit, dataset manifest hash, teacher weights sha256, "
                + "libraries, device); evaluation on " + ev.device() + ".");
        doc.code(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(run));

        Files.createDirectories(outDir);
        for (String t : tables) {
            // paths inside the checkout written relative to it, as in the report's text
            AtomicFiles.writeString(outDir.resolve(t), Checkout.relativize(Files.readString(evalDir.resolve(t))));
        }
        doc.write(outDir);
        return new Written(outDir, outDir.resolve("index.html"), outDir.resolve("README.md"), images);
    }

    private static String teacherText(Evaluation.Result ev, JsonNode run) {
        Map<String, Object> t = ev.teacher();
        if (t == null || t.isEmpty()) {
            return "The teacher was not evaluated (no teacher cache given).";
        }
        StringBuilder sb = new StringBuilder();
        if (t.get("resolved") instanceof Map<?, ?> res) {
            sb.append("Teacher: ").append(res.get("description")).append(". Kind: ").append(res.get("kind"))
                    .append(" (official = the published Restormer motion-deblurring weights; compact = the small Restormer "
                            + "shipped under models/; given = named on the command line).");
            if (res.get("model_card") != null) {
                sb.append(" Model card: ").append(res.get("model_card")).append('.');
            }
            sb.append(' ');
        }
        sb.append("Cached outputs: ").append(t.get("cache")).append(", weights file ").append(t.get("weights"))
                .append(", sha256 ").append(t.get("weights_sha256")).append(", config ").append(t.get("config"))
                .append(", inference ").append(t.get("inference")).append(". The outputs are stored as 16-bit PNG, so the "
                        + "teacher rows are quantised to 1/65535 (").append(t.get("quantisation")).append(").");
        if (Boolean.FALSE.equals(t.get("matches_run"))) {
            sb.append(" WARNING: these are not the teacher weights the run was trained with (run.json teacher_weights_sha256 ")
                    .append(run.path("teacher_weights_sha256").asText()).append(").");
        }
        return sb.toString();
    }

    /** The loss weights a run trained with (its run.json config), e.g. "gt_l1 1, gt_ssim 1, teacher_l1 0.5". */
    static String lossText(JsonNode run) {
        List<String> terms = new ArrayList<>();
        // Without VGG16 weights the trainer drops the VGG terms (on_missing_vgg = disable; a refusal never gets here).
        boolean vgg = !run.path("vgg_weights").path("path").asText("").isBlank();
        for (String key : List.of("gt_l1", "gt_ssim", "gt_vgg", "teacher_l1", "teacher_ssim", "teacher_vgg")) {
            JsonNode w = run.path("config").path("loss").path(key);
            if (w.isNumber() && w.asDouble() != 0 && (vgg || !key.endsWith("_vgg"))) {
                terms.add(key + " " + w.asText());
            }
        }
        return "loss " + (terms.isEmpty() ? "(no terms recorded)" : String.join(", ", terms)) + (vgg ? "" : " (VGG terms off: no VGG16 weights)");
    }

    private static String definitionsText(Evaluation.Result ev, List<String> keys) {
        StringBuilder sb = new StringBuilder();
        for (String key : keys) {
            String d = ev.definitions().get(key);
            if (d != null) {
                sb.append(key).append(": ").append(d).append("\n\n");
            }
        }
        return sb.toString().strip();
    }

    /** metrics.csv rows as column → value (empty values dropped). */
    public static List<Map<String, String>> readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new UserInputException(file + " is empty");
        }
        String[] head = lines.get(0).split(",", -1);
        List<Map<String, String>> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] v = line.split(",", -1);
            if (v.length != head.length) {
                continue; // a row cut short by an interrupted run
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < head.length; i++) {
                if (!v[i].isEmpty()) {
                    row.put(head[i], v[i]);
                }
            }
            out.add(row);
        }
        return out;
    }

    public static org.knowm.xchart.XYChart lossChart(List<Map<String, String>> rows) {
        List<Map<String, String>> steps = rows.stream().filter(r -> "step".equals(r.get("kind"))).toList();
        List<Charts.Series> series = new ArrayList<>();
        for (String col : List.of("loss", "gt_l1", "gt_ssim", "gt_vgg", "teacher_l1", "teacher_ssim", "teacher_vgg")) {
            Charts.Series s = series(steps, "global_step", col, col.equals("loss") ? "loss (weighted sum)" : col);
            if (s.x().length > 0) {
                series.add(s);
            }
        }
        return Charts.lines("Training loss per component", "step", "loss (unweighted terms; total weighted)", series);
    }

    /** The student's validation SSIM per epoch, and the degraded input's (run.json val_input_baseline) as a flat line. */
    public static org.knowm.xchart.XYChart validationChart(List<Map<String, String>> rows, JsonNode run) {
        return validationChart(Map.of("student", rows), run);
    }

    /** One line per student (its metrics.csv rows), and the degraded input's as a flat line. */
    public static org.knowm.xchart.XYChart validationChart(Map<String, List<Map<String, String>>> rowsPerStudent, JsonNode run) {
        List<Charts.Series> series = new ArrayList<>();
        rowsPerStudent.forEach((student, rows) -> series.add(
                series(rows.stream().filter(r -> "epoch".equals(r.get("kind"))).toList(), "epoch", "val_ssim", student)));
        JsonNode base = run.path("val_input_baseline").path("ssim");
        double[] x = series.get(0).x();
        if (base.isNumber() && x.length > 0) {
            double[] y = new double[x.length];
            java.util.Arrays.fill(y, base.asDouble());
            series.add(new Charts.Series("degraded input (baseline)", x, y));
        }
        return Charts.lines("Validation SSIM per epoch", "epoch", "SSIM (validation images, see definition)", series);
    }

    private static Charts.Series series(List<Map<String, String>> rows, String x, String y, String name) {
        List<double[]> pts = new ArrayList<>();
        for (Map<String, String> r : rows) {
            if (r.containsKey(x) && r.containsKey(y)) {
                double yv = Double.parseDouble(r.get(y));
                if (Double.isFinite(yv)) {
                    pts.add(new double[] {Double.parseDouble(r.get(x)), yv});
                }
            }
        }
        return new Charts.Series(name, pts.stream().mapToDouble(p -> p[0]).toArray(), pts.stream().mapToDouble(p -> p[1]).toArray());
    }

    /** degraded | teacher | student | ground truth for up to {@link #MAX_GRIDS} held-out images. */
    static List<BufferedImage> grids(Evaluation.Result ev, Path evalDir) throws IOException {
        // The final students (not the per-epoch checkpoints; the last one listed when there are only those).
        List<String> students = ev.checkpoints().keySet().stream().filter(n -> !n.startsWith("epoch ")).limit(MAX_STUDENT_PANELS)
                .toList();
        if (students.isEmpty()) {
            List<String> all = new ArrayList<>(ev.checkpoints().keySet());
            students = List.of(all.get(all.size() - 1));
        }
        List<String> ids = ev.rows().stream().map(Evaluation.Row::image).distinct().limit(MAX_GRIDS).toList();
        return grids(ev, evalDir, students, ids);
    }

    /** One grid per image of {@code ids}: degraded input, teacher, each of {@code students}, ground truth. */
    static List<BufferedImage> grids(Evaluation.Result ev, Path evalDir, List<String> students, List<String> ids) throws IOException {
        PreparedDataset ds = PreparedDataset.open(Path.of(ev.dataset()), false);
        Map<String, Sample> byId = new LinkedHashMap<>();
        ds.samples().forEach(s -> byId.put(s.id(), s));
        TeacherCache cache = ev.teacher() != null && ev.teacher().get("cache") != null
                ? TeacherCache.open(Path.of((String) ev.teacher().get("cache"))) : null;
        List<BufferedImage> out = new ArrayList<>();
        try (NDManager m = Engines.newManager()) {
            for (String id : ids) {
                Sample s = byId.get(id);
                List<ComparisonGrid.Panel> panels = new ArrayList<>();
                panels.add(panel(m, "degraded " + scoreOf(ev, id, Evaluation.INPUT), s.degraded()));
                if (cache != null) {
                    panels.add(panel(m, "teacher " + scoreOf(ev, id, Evaluation.TEACHER),
                            cache.dir().resolve(cache.index().entries().get(id).file())));
                }
                for (String student : students) {
                    panels.add(panel(m, student + " " + scoreOf(ev, id, student),
                            evalDir.resolve(ev.outputs().get(student)).resolve(id + ".png")));
                }
                panels.add(panel(m, "ground truth (" + id + ")", s.sharp()));
                out.add(ComparisonGrid.render(panels, PANEL_WIDTH, CROP));
            }
        }
        return out;
    }

    private static String scoreOf(Evaluation.Result ev, String id, String model) {
        return ev.rows().stream().filter(r -> r.image().equals(id) && r.model().equals(model)).findFirst()
                .map(r -> String.format(Locale.ROOT, "(SSIM %.3f)", r.ssim())).orElse("");
    }

    private static ComparisonGrid.Panel panel(NDManager m, String label, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("image for the comparison grid is missing: " + file + " (rerun 'kd-restore evaluate')");
        }
        try (NDManager s = m.newSubManager()) {
            return new ComparisonGrid.Panel(label, ImageTensors.toBufferedImage(ImageTensors.read(s, file)));
        }
    }
}
