package org.kdrestore.sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The epoch rows of a run's {@code metrics.csv} (written by the trainer, read here while it may
 * still be appending: a last line without its newline is ignored). The sweep's table takes every
 * number from here, so a trial's row always equals its own run folder.
 */
public record TrialMetrics(List<Map<String, String>> epochs) {
    public static final String FILE = "metrics.csv";

    public static TrialMetrics read(Path runDir) throws IOException {
        Path f = runDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return new TrialMetrics(List.of());
        }
        String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        if (end < 0) {
            return new TrialMetrics(List.of());
        }
        String[] lines = text.substring(0, end).split("\n");
        String[] header = lines[0].split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] v = lines[i].split(",", -1);
            if (v.length != header.length || !v[0].equals("epoch")) {
                continue;
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < header.length; c++) {
                row.put(header[c], v[c]);
            }
            rows.add(row);
        }
        return new TrialMetrics(List.copyOf(rows));
    }

    /** The last epoch row, or null when no epoch has ended. */
    public Map<String, String> last() {
        return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    }

    /** {@code column} of the last epoch row; NaN when absent or empty. */
    public double lastValue(String column) {
        return value(last(), column);
    }

    /** {@code column} at epoch {@code epoch1} (1-based), NaN when that epoch has not ended. */
    public double at(int epoch1, String column) {
        for (Map<String, String> r : epochs) {
            if (Integer.parseInt(r.get("epoch")) == epoch1) {
                return value(r, column);
            }
        }
        return Double.NaN;
    }

    /** {@code column} per epoch, in epoch order. */
    public double[] curve(String column) {
        return epochs.stream().mapToDouble(r -> value(r, column)).toArray();
    }

    public int epochCount() {
        return epochs.size();
    }

    static double value(Map<String, String> row, String column) {
        if (row == null) {
            return Double.NaN;
        }
        String s = row.get(column);
        if (s == null || s.isEmpty()) {
            return Double.NaN;
        }
        return switch (s) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }
}
