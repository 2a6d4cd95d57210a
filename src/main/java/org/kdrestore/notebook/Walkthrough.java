package org.kdrestore.notebook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.awt.image.BufferedImage;
import org.kdrestore.report.Charts;
import org.kdrestore.report.Demo;
import org.kdrestore.report.RunReport;
import org.kdrestore.sweep.SweepPlan;
import org.kdrestore.sweep.TrialMetrics;
import org.kdrestore.train.ConfigLoader;
import org.kdrestore.train.PreparedTrainingSet;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import org.kdrestore.train.TrainConfig;
import org.kdrestore.train.Trainer;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.PrepareConfig;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.infer.RestormerInference;
import org.kdrestore.infer.TeacherCache;
import org.kdrestore.infer.TeacherResolver;

/**
 * Where a notebook runs and the shared, resumable pipeline steps the notebooks call (the same
 * library calls as {@code kd-restore prepare}, {@code teacher cache} and {@code demo}).
 *
 * <ul>
 *   <li>{@code home}: the checkout ({@code KD_RESTORE_HOME}, set by the installed kernel; else the
 *       first folder upwards from the working directory that holds {@code data-sample/} and {@code pom.xml}).</li>
 *   <li>{@code profile}: {@code quick} (default; CI's few-minute run) or {@code full} ({@code KD_RESTORE_PROFILE}).</li>
 *   <li>{@code work}: {@code home/work/notebooks} (git-ignored): everything the notebooks write goes there.</li>
 * </ul>
 */
public record Walkthrough(Path home, String profile, Path work) {
    public static final List<String> PROFILES = List.of("quick", "full");

    public Walkthrough {
        if (!PROFILES.contains(profile)) {
            throw new UserInputException("KD_RESTORE_PROFILE must be one of " + PROFILES + ", got '" + profile + "'");
        }
    }

    /** From {@code KD_RESTORE_HOME} / {@code KD_RESTORE_PROFILE}, with the defaults above. */
    public static Walkthrough fromEnvironment() {
        String p = System.getenv("KD_RESTORE_PROFILE");
        return of(org.kdrestore.common.Checkout.home(), p == null || p.isBlank() ? "quick" : p.trim().toLowerCase(Locale.ROOT));
    }

    public static Walkthrough of(Path home, String profile) {
        Path abs = home.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs.resolve("data-sample"))) {
            throw new UserInputException(abs + " is not a kd-restore checkout (no data-sample/ folder): run from inside one, "
                    + "or set KD_RESTORE_HOME");
        }
        return new Walkthrough(abs, profile, abs.resolve("work").resolve("notebooks"));
    }

    public boolean quick() {
        return profile.equals("quick");
    }

    /** A folder under {@code work}, created if needed. */
    public Path dir(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }

    /** The first {@code n} sample photos by name ({@code n ≤ 0}: all of them). */
    public List<Path> photos(int n) {
        List<Path> all = DatasetPreparer.listPhotos(home.resolve("data-sample"));
        return n <= 0 || n >= all.size() ? all : all.subList(0, n);
    }

    /**
     * Prepares the first {@code n} sample photos (framed, quadrants, degraded with the seed's
     * defaults) into {@code work/data-N/prepared} and opens it. Resumable: photos already prepared
     * with the same parameters are kept, so a second notebook reuses the first one's work.
     */
    public PreparedDataset dataset(int n) throws IOException {
        List<Path> photos = photos(n);
        Path base = dir("data-" + photos.size());
        Path in = Files.createDirectories(base.resolve("photos"));
        for (Path p : photos) {
            Path target = in.resolve(p.getFileName());
            if (!Files.exists(target) || Files.size(target) != Files.size(p)) {
                Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path out = base.resolve("prepared");
        new DatasetPreparer(PrepareConfig.DEFAULT).prepare(in, out, false, true);
        return PreparedDataset.open(out);
    }

    /**
     * The teacher the notebooks use, resolved as {@code kd-restore demo} does ({@link TeacherResolver#resolve}):
     * the official weights when cached, else the trained compact teacher shipped in {@code models/}.
     */
    public TeacherResolver.Resolved teacher() throws IOException {
        return TeacherResolver.resolve(home, TeacherResolver.defaultCache());
    }

    /**
     * Runs {@code teacher} on every degraded quadrant of {@code ds} into the teacher cache under
     * {@code work/teacher-cache} (keyed by weights, config and options; reused when present) and
     * opens it. {@code tile} &gt; 0 bounds memory on large teachers.
     */
    public TeacherCache teacherCache(PreparedDataset ds, TeacherResolver.Resolved teacher, int tile) throws IOException {
        RestormerInference.Options opt = RestormerInference.Options.upstream();
        if (tile > 0) {
            opt = opt.withTile(tile, RestormerInference.Options.DEFAULT_OVERLAP);
        }
        return TeacherCache.open(TeacherCache.fill(teacher, ds.root(), dir("teacher-cache"), opt, true).cacheDir());
    }

    /**
     * An empty run folder {@code work/runs/NAME}: a notebook re-run replaces its own earlier run
     * (only folders under {@code work/notebooks/runs} are ever deleted).
     */
    public Path freshRun(String name) throws IOException {
        if (name.isBlank() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new UserInputException("run name must be a plain folder name, got '" + name + "'");
        }
        Path dir = dir("runs").resolve(name);
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    /**
     * Trains a student with {@link Trainer} on {@code ds} (split by photo as the config says) and
     * the teacher outputs in {@code cache}, into {@link #freshRun(String) work/runs/NAME}. While it
     * runs, every {@code refreshSeconds} the loss curves read from the run's {@code metrics.csv}
     * are handed to {@code live} (a notebook passes {@code img -> updateDisplay(id, img)}), and
     * once more at the end. Training stays on the calling thread (DJL's PyTorch engine turns
     * autograd's recording mode off per thread, and the trainer expects the engine's setting), so
     * {@code live} is called from a helper thread while it runs.
     */
    public Trainer.Result train(String name, TrainConfig cfg, PreparedDataset ds, TeacherCache cache,
            Consumer<BufferedImage> live, double refreshSeconds) throws IOException {
        Path runDir = freshRun(name);
        PreparedTrainingSet data = new PreparedTrainingSet(ds, cfg.data().valFraction(), cfg.train().seed(),
                cfg.loss().usesTeacher() ? targets(cache) : null);
        ScheduledExecutorService poll = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "notebook-curves");
            t.setDaemon(true);
            return t;
        });
        if (live != null) {
            long ms = (long) (refreshSeconds * 1000);
            poll.scheduleWithFixedDelay(() -> {
                try {
                    if (Files.isRegularFile(runDir.resolve("metrics.csv"))) {
                        live.accept(curves(runDir));
                    }
                } catch (IOException | RuntimeException e) {
                    // A half-written row or a busy display: the next refresh (or the final one) shows it.
                }
            }, ms, ms, TimeUnit.MILLISECONDS);
        }
        Trainer.Result r;
        try {
            r = Trainer.run(cfg, data, new Trainer.Options(runDir, false, true, "notebook (" + name + ")"));
        } finally {
            poll.shutdownNow();
            try {
                poll.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (live != null) {
            live.accept(curves(runDir));
        }
        r.notes().forEach(n -> System.err.println("note: " + n)); // the trainer is quiet here; a dropped VGG term must still show
        return r;
    }

    /** The teacher cache as the trainer's second target (as {@code distill} does). */
    static PreparedTrainingSet.TeacherTargets targets(TeacherCache cache) {
        if (cache == null) {
            throw new UserInputException("the loss has teacher terms but no teacher cache was given");
        }
        return Demo.targets(cache);
    }

    /** The loss per component (per step) and validation SSIM (per epoch) of a run so far, one above the other. */
    public static BufferedImage curves(Path runDir) throws IOException {
        List<Map<String, String>> rows = RunReport.readCsv(runDir.resolve("metrics.csv"));
        BufferedImage loss = Inline.chart(RunReport.lossChart(rows));
        Path runJson = runDir.resolve("run.json");
        com.fasterxml.jackson.databind.JsonNode run = Files.isRegularFile(runJson) ? Json.MAPPER.readTree(runJson.toFile())
                : Json.MAPPER.createObjectNode();
        BufferedImage val = Inline.chart(RunReport.validationChart(rows, run));
        BufferedImage out = new BufferedImage(Math.max(loss.getWidth(), val.getWidth()), loss.getHeight() + val.getHeight(),
                BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = out.createGraphics();
        try {
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.drawImage(loss, 0, 0, null);
            g.drawImage(val, 0, loss.getHeight(), null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * The finished run {@code work/runs/NAME} when its {@code run.json} says {@code finished} with
     * exactly this config (what notebook 3 left); otherwise trains it now (no live curves).
     */
    public Path ensureRun(String name, TrainConfig cfg, PreparedDataset ds, TeacherCache cache) throws IOException {
        Path runDir = work.resolve("runs").resolve(name);
        Path runJson = runDir.resolve("run.json");
        if (Files.isRegularFile(runJson) && Files.isRegularFile(runDir.resolve("student.ckpt"))) {
            com.fasterxml.jackson.databind.JsonNode j = Json.MAPPER.readTree(runJson.toFile());
            // Compared as configs, not JSON trees: a number read back from run.json may be an int
            // node where the record gives a long one.
            if ("finished".equals(j.path("status").asText()) && sameConfig(j.path("config"), cfg, runJson)
                    && ds.manifestSha256().equals(j.path("dataset").path("manifest_hash").asText())) {
                return runDir;
            }
        }
        return train(name, cfg, ds, cache, null, 0).runDir();
    }

    private static boolean sameConfig(com.fasterxml.jackson.databind.JsonNode recorded, TrainConfig cfg, Path runJson) {
        try {
            return ConfigLoader.fromTree(recorded, runJson.toString()).equals(cfg);
        } catch (UserInputException e) {
            return false; // written by another version: train afresh
        }
    }

    /**
     * Runs every trial of a sweep plan in this JVM, one after another, into
     * {@code work/runs/sweep-NAME-TRIAL} (the CLI's {@code kd-restore sweep} runs them as child JVMs
     * with resume and early stopping; here the trials are small). One row per trial: its swept
     * values, then the last epoch's validation SSIM/PSNR and training loss.
     */
    public Table sweep(String name, SweepPlan plan, PreparedDataset ds, TeacherCache cache) throws IOException {
        List<String> keys = plan.sweptKeys();
        StringColumn trial = StringColumn.create("trial");
        List<StringColumn> params = keys.stream().map(StringColumn::create).toList();
        DoubleColumn ssim = DoubleColumn.create("val SSIM");
        DoubleColumn psnr = DoubleColumn.create("val PSNR (dB)");
        DoubleColumn loss = DoubleColumn.create("train loss (last epoch)");
        for (SweepPlan.Trial t : plan.trials()) {
            Trainer.Result r = train("sweep-" + name + "-" + t.id(), t.config(), ds, cache, null, 0);
            TrialMetrics m = TrialMetrics.read(r.runDir());
            trial.append(t.id() + (t.base() ? " (base)" : ""));
            for (int i = 0; i < keys.size(); i++) {
                params.get(i).append(t.params().getOrDefault(keys.get(i), ""));
            }
            ssim.append(m.lastValue("val_ssim"));
            psnr.append(m.lastValue("val_psnr"));
            loss.append(m.lastValue("loss"));
        }
        Table out = Table.create("Sweep " + name + " (" + plan.trials().size() + " trials)", trial);
        params.forEach(out::addColumns);
        return out.addColumns(ssim, psnr, loss);
    }

    /**
     * A chart of {@code metric} against the numeric swept key {@code x}, one line per value of the
     * other swept key {@code by} (null: one line), from a {@link #sweep} table.
     */
    public static org.knowm.xchart.XYChart sweepChart(Table t, String x, String by, String metric) {
        Map<String, List<double[]>> lines = new LinkedHashMap<>();
        for (int r = 0; r < t.rowCount(); r++) {
            String key = by == null ? metric : by + "=" + t.stringColumn(by).get(r);
            lines.computeIfAbsent(key, k -> new java.util.ArrayList<>())
                    .add(new double[] {Double.parseDouble(t.stringColumn(x).get(r)), t.doubleColumn(metric).get(r)});
        }
        List<Charts.Series> series = new java.util.ArrayList<>();
        lines.forEach((k, pts) -> {
            pts.sort(java.util.Comparator.comparingDouble(p -> p[0]));
            series.add(new Charts.Series(k, pts.stream().mapToDouble(p -> p[0]).toArray(), pts.stream().mapToDouble(p -> p[1]).toArray()));
        });
        org.knowm.xchart.XYChart c = Charts.lines(metric + " by " + x, x, metric, series);
        if (x.endsWith("lr")) {
            c.getStyler().setXAxisLogarithmic(true);
        }
        return c;
    }
}
