package org.kdrestore.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;

/** Runs each case in a fresh JVM (same classpath) and collects the results. */
public final class BenchRunner {
    private BenchRunner() {}

    public static BenchResult runInChildJvm(String caseName, int warmup, int repeats) throws IOException, InterruptedException {
        if (!BenchMain.cases().containsKey(caseName)) {
            throw new UserInputException("unknown bench case '" + caseName + "'; known: " + String.join(", ", BenchMain.cases().keySet()));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx16g", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), BenchMain.class.getName(), caseName,
                String.valueOf(warmup), String.valueOf(repeats)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BenchResult result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("BENCH_RESULT ")) {
                    result = Json.MAPPER.readValue(line.substring("BENCH_RESULT ".length()), BenchResult.class);
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || result == null) {
            throw new IllegalStateException("bench case " + caseName + " failed (exit " + rc + ")");
        }
        return result;
    }

    /** A plain-text table; rates also as a fraction of the matmul peak when it was measured. */
    public static String table(List<BenchResult> results) {
        double peak = results.stream().filter(r -> r.name().equals("matmul-4096")).mapToDouble(BenchResult::gflopsAtMedian)
                .findFirst().orElse(0);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-24s %9s %9s %9s %10s %9s %8s  %s%n",
                "case", "min s", "median s", "max s", "peak RSS", "GFLOP/s", "of peak", "what"));
        for (BenchResult r : results) {
            sb.append(String.format(Locale.ROOT, "%-24s %9.4f %9.4f %9.4f %7.0f MB %9s %8s  %s%n", r.name(), r.minS(),
                    r.medianS(), r.maxS(), r.peakRssBytes() / 1048576.0,
                    r.gflopsAtMedian() > 0 ? String.format(Locale.ROOT, "%.1f", r.gflopsAtMedian()) : "-",
                    r.gflopsAtMedian() > 0 && peak > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * r.gflopsAtMedian() / peak) : "-",
                    r.description()));
        }
        if (!results.isEmpty()) {
            sb.append("device: ").append(results.get(0).device()).append(", cores: ")
                    .append(Runtime.getRuntime().availableProcessors()).append('\n');
        }
        return sb.toString();
    }
}
