package org.kdrestore.bench;

import java.io.BufferedReader;
import java.lang.management.ManagementFactory;
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
        return runInChildJvm(caseName, warmup, repeats, false);
    }

    /** {@link #runInChildJvm(String, int, int)}, a training case in bfloat16 when {@code bf16}. */
    public static BenchResult runInChildJvm(String caseName, int warmup, int repeats, boolean bf16) throws IOException, InterruptedException {
        if (!BenchMain.cases().containsKey(caseName)) {
            throw new UserInputException("unknown bench case '" + caseName + "'; known: " + String.join(", ", BenchMain.cases().keySet()));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx16g", "-Dai.djl.offline=true"));
        // this JVM's module openings (the launcher gives Spark's when the Spark module is on the classpath)
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.equals("-XX:+IgnoreUnrecognizedVMOptions")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchMain.class.getName(), caseName,
                String.valueOf(warmup), String.valueOf(repeats), bf16 ? "bf16" : "float32"));
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

    /** One case measured in both implementations; {@code torch} is null when {@code torchNote} says why. */
    public record Comparison(String name, BenchResult djl, BenchResult torch, String torchNote) {
        /** Our median time over PyTorch's (below 1: we are faster); NaN without a PyTorch figure. */
        public double timeRatio() {
            return torch == null ? Double.NaN : djl.medianS() / torch.medianS();
        }

        /** Our peak RSS over PyTorch's; NaN without a PyTorch figure. */
        public double rssRatio() {
            return torch == null ? Double.NaN : (double) djl.peakRssBytes() / torch.peakRssBytes();
        }
    }

    /** Both implementations side by side: median time, peak RSS, share of each one's matmul peak, ratios. */
    public static String comparisonTable(List<Comparison> rows) {
        double peakDjl = peak(rows.stream().map(Comparison::djl).toList());
        double peakTorch = peak(rows.stream().map(Comparison::torch).filter(r -> r != null).toList());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-27s %10s %10s %8s %9s %9s %8s %7s %7s%n",
                "case", "ours s", "torch s", "time x", "ours RSS", "torch RSS", "RSS x", "ours %", "torch %"));
        for (Comparison c : rows) {
            BenchResult d = c.djl();
            BenchResult t = c.torch();
            sb.append(String.format(Locale.ROOT, "%-27s %10.4f %10s %8s %6.0f MB %9s %8s %7s %7s%s%n", c.name(), d.medianS(),
                    t == null ? "-" : String.format(Locale.ROOT, "%.4f", t.medianS()),
                    t == null ? "-" : String.format(Locale.ROOT, "%.2f", c.timeRatio()),
                    d.peakRssBytes() / 1048576.0,
                    t == null ? "-" : String.format(Locale.ROOT, "%.0f MB", t.peakRssBytes() / 1048576.0),
                    t == null ? "-" : String.format(Locale.ROOT, "%.2f", c.rssRatio()),
                    share(d, peakDjl), t == null ? "-" : share(t, peakTorch),
                    c.torchNote() == null ? "" : "  torch: " + c.torchNote()));
        }
        sb.append("time x = our median / PyTorch's median (below 1: faster); RSS x likewise for peak RSS;\n")
                .append("% = achieved GFLOP/s as a share of the same implementation's matmul-4096 rate.\n");
        return sb.toString();
    }

    private static double peak(List<BenchResult> results) {
        return results.stream().filter(r -> r.name().equals("matmul-4096")).mapToDouble(BenchResult::gflopsAtMedian)
                .findFirst().orElse(0);
    }

    private static String share(BenchResult r, double peak) {
        return r.gflopsAtMedian() > 0 && peak > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * r.gflopsAtMedian() / peak) : "-";
    }

    /** This machine for the record: CPU model, cores, memory, load average (1/5/15 min) now. */
    public static java.util.Map<String, Object> machine() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("cpu", org.kdrestore.common.CpuInfo.model());
        m.put("bf16", org.kdrestore.common.CpuInfo.bf16Flags());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory", firstValue(Path.of("/proc/meminfo"), "MemTotal"));
        m.put("load_average", readOr(Path.of("/proc/loadavg")));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        // the child JVMs and the PyTorch script inherit the environment, so the same LD_PRELOAD
        m.put("malloc", org.kdrestore.common.NativeAllocator.describe());
        return m;
    }

    private static String firstValue(Path file, String key) {
        for (String line : readOr(file).split("\n")) {
            if (line.startsWith(key)) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "unknown";
    }

    private static String readOr(Path file) {
        try {
            return java.nio.file.Files.readString(file).trim();
        } catch (IOException e) {
            return "unknown";
        }
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
                    .append(Runtime.getRuntime().availableProcessors()).append(", malloc: ")
                    .append(org.kdrestore.common.NativeAllocator.describe()).append('\n');
        }
        return sb.toString();
    }
}
