package org.kdrestore.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kdrestore.common.AtomicFiles;

/**
 * {@code metrics.csv} of a run: one row per step ({@code kind=step}) and one per epoch
 * ({@code kind=epoch}, losses averaged over the epoch's steps, plus validation SSIM/PSNR).
 * Loss columns are the unweighted terms ({@code gt_l1}, … empty when a term is off) and
 * {@code loss}, the weighted sum that was minimised. Rows are appended and flushed one by one;
 * on resume, rows written after the checkpoint are dropped (atomic rewrite) so the file reads
 * as if the run had never stopped.
 */
final class MetricsLog implements AutoCloseable {
    /**
     * Teacher training's watch on its residual branch: mean |output − input| of the step's batch
     * (0 while the network is still the identity it starts as). Not a loss term.
     */
    static final String RESIDUAL = "residual/abs";
    static final List<String> TERMS = List.of("gt/l1", "gt/ssim", "gt/vgg", "teacher/l1", "teacher/ssim", "teacher/vgg", "gt/mse",
            RESIDUAL);
    static final List<String> COLUMNS;

    static {
        List<String> c = new ArrayList<>(List.of("kind", "epoch", "global_step", "batch", "lr", "loss"));
        TERMS.forEach(t -> c.add(t.replace('/', '_')));
        c.addAll(List.of("images_per_s", "val_ssim", "val_psnr", "elapsed_s"));
        COLUMNS = List.copyOf(c);
    }

    private final Path file;
    private final BufferedWriter out;
    /** Step rows of the epoch in progress, as column → value, for the epoch means. */
    private final List<Map<String, String>> epochRows = new ArrayList<>();

    private MetricsLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    static MetricsLog create(Path file) throws IOException {
        AtomicFiles.writeString(file, String.join(",", COLUMNS) + "\n");
        return open(file);
    }

    private static MetricsLog open(Path file) throws IOException {
        return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
    }

    /**
     * Keeps the header, step rows up to {@code globalStep} and epoch rows of epochs before
     * {@code keepEpochsBefore} (1-based numbering in the file, so epochs 1..keepEpochsBefore);
     * remembers the kept step rows of epoch {@code currentEpoch} (1-based).
     */
    static MetricsLog resume(Path file, long globalStep, int keepEpochsBefore, int currentEpoch) throws IOException {
        List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        StringBuilder kept = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        List<Map<String, String>> current = new ArrayList<>();
        for (String line : lines.isEmpty() ? List.<String>of() : lines.subList(1, lines.size())) {
            Map<String, String> row = parse(line);
            if (row == null) {
                continue; // a row cut short by the kill
            }
            boolean keep = row.get("kind").equals("step")
                    ? Long.parseLong(row.get("global_step")) <= globalStep
                    : Integer.parseInt(row.get("epoch")) <= keepEpochsBefore;
            if (keep) {
                kept.append(line).append('\n');
                if (row.get("kind").equals("step") && Integer.parseInt(row.get("epoch")) == currentEpoch) {
                    current.add(row);
                }
            }
        }
        AtomicFiles.writeString(file, kept.toString());
        MetricsLog log = open(file);
        log.epochRows.addAll(current);
        return log;
    }

    private static Map<String, String> parse(String line) {
        String[] v = line.split(",", -1);
        if (v.length != COLUMNS.size()) {
            return null;
        }
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) {
            row.put(COLUMNS.get(i), v[i]);
        }
        return row;
    }

    void step(int epoch1, long globalStep, int batch1, double lr, double loss, Map<String, Double> raw, double imagesPerS,
            double elapsed) throws IOException {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("kind", "step");
        row.put("epoch", String.valueOf(epoch1));
        row.put("global_step", String.valueOf(globalStep));
        row.put("batch", String.valueOf(batch1));
        row.put("lr", num(lr));
        row.put("loss", num(loss));
        for (String t : TERMS) {
            row.put(t.replace('/', '_'), raw.containsKey(t) ? num(raw.get(t)) : "");
        }
        row.put("images_per_s", String.format(Locale.ROOT, "%.3f", imagesPerS));
        row.put("val_ssim", "");
        row.put("val_psnr", "");
        row.put("elapsed_s", String.format(Locale.ROOT, "%.3f", elapsed));
        write(row);
        epochRows.add(row);
    }

    /** The epoch row: means of this epoch's step rows, and the validation numbers (NaN = none). */
    Map<String, String> epoch(int epoch1, long globalStep, double lr, double valSsim, double valPsnr, double elapsed)
            throws IOException {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("kind", "epoch");
        row.put("epoch", String.valueOf(epoch1));
        row.put("global_step", String.valueOf(globalStep));
        row.put("batch", String.valueOf(epochRows.size()));
        row.put("lr", num(lr));
        for (String col : COLUMNS.subList(5, 5 + 1 + TERMS.size())) {
            row.put(col, mean(col));
        }
        double ips = epochRows.stream().mapToDouble(r -> Double.parseDouble(r.get("images_per_s"))).average().orElse(Double.NaN);
        row.put("images_per_s", Double.isNaN(ips) ? "" : String.format(Locale.ROOT, "%.3f", ips));
        row.put("val_ssim", Double.isNaN(valSsim) ? "" : num(valSsim));
        row.put("val_psnr", Double.isNaN(valPsnr) ? "" : num(valPsnr));
        row.put("elapsed_s", String.format(Locale.ROOT, "%.3f", elapsed));
        write(row);
        epochRows.clear();
        return row;
    }

    private String mean(String col) {
        double[] v = epochRows.stream().map(r -> r.get(col)).filter(s -> !s.isEmpty()).mapToDouble(Double::parseDouble).toArray();
        return v.length == 0 ? "" : num(Arrays.stream(v).average().orElseThrow());
    }

    private void write(Map<String, String> row) throws IOException {
        out.write(String.join(",", row.values()));
        out.write('\n');
        out.flush();
    }

    static String num(double v) {
        return Double.isInfinite(v) ? (v > 0 ? "inf" : "-inf") : String.format(Locale.ROOT, "%.8g", v);
    }

    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
