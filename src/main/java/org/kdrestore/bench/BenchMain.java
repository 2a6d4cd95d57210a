package org.kdrestore.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.kdrestore.common.Bf16;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Json;

/**
 * Runs ONE case in this JVM and prints its {@link BenchResult} as a single JSON line prefixed
 * {@code BENCH_RESULT }. {@link BenchRunner} starts one such JVM per case, so one case's
 * memory and JIT state never colour another's, and peak RSS is the case's own.
 */
public final class BenchMain {
    private BenchMain() {}

    /** Every known case, by name. Other packages' cases register here. */
    public static Map<String, Supplier<BenchCase>> cases() {
        Map<String, Supplier<BenchCase>> m = new LinkedHashMap<>();
        m.put("matmul-4096", MatmulPeak::new);
        m.put("train-step", TrainStepCase::new);
        m.put("teacher-train-step", TeacherTrainStepCase::new);
        m.put("student-1080p", StudentInferenceCase::new);
        m.put("teacher-tiny-256", TeacherCase::tiny256);
        m.put("teacher-compact-540x960", TeacherCase::compact540x960);
        m.put("teacher-full-540x960", TeacherCase::full540x960);
        m.put("teacher-full-540x960-tiled", TeacherCase::full540x960Tiled);
        m.put("ssim-1080p", SsimCase::new);
        // teacher caching throughput here and on Spark in local mode (the Spark ones need the Spark module: docs/spark.md)
        m.put("teacher-cache", () -> new TeacherCacheCase(null));
        m.put("teacher-cache-spark-1", () -> new TeacherCacheCase("local[1]"));
        m.put("teacher-cache-spark-2", () -> new TeacherCacheCase("local[2]"));
        return m;
    }

    public static BenchResult measure(BenchCase c, int warmup, int repeats) throws Exception {
        return measure(c, warmup, repeats, false);
    }

    /**
     * With {@code bf16}, a case that {@link BenchCase#trains() trains} runs inside a
     * {@link Bf16#scope()} (its products in bfloat16) and its result is named {@code NAME bf16}.
     */
    public static BenchResult measure(BenchCase c, int warmup, int repeats, boolean bf16) throws Exception {
        boolean inBf16 = bf16 && c.trains();
        try (NDManager manager = Engines.newManager(); Bf16.Scope precision = Bf16.scope(inBf16)) {
            c.setUp(manager);
            for (int i = 0; i < warmup; i++) {
                try (NDManager sub = manager.newSubManager()) {
                    c.run(sub);
                }
            }
            double[] t = new double[repeats];
            double cpu0 = cpuSeconds();
            for (int i = 0; i < repeats; i++) {
                try (NDManager sub = manager.newSubManager()) {
                    long s = System.nanoTime();
                    c.run(sub);
                    t[i] = (System.nanoTime() - s) / 1e9;
                }
            }
            double cpuPerRun = (cpuSeconds() - cpu0) / repeats;
            Arrays.sort(t);
            double median = repeats % 2 == 1 ? t[repeats / 2] : (t[repeats / 2 - 1] + t[repeats / 2]) / 2;
            double gflops = c.flops() > 0 ? c.flops() / median / 1e9 : 0;
            return new BenchResult(c.name() + (inBf16 ? BF16_SUFFIX : ""), c.description() + (inBf16 ? ", bf16 products" : ""), repeats, t[0], median, t[repeats - 1], peakRssBytes(),
                    c.flops(), gflops, Engines.device().toString(), JniUtils.getNumThreads(), "djl", cpuPerRun);
        }
    }

    /** What a bfloat16 run's result name ends with. */
    public static final String BF16_SUFFIX = " bf16";

    /** VmHWM from /proc/self/status: the most resident memory this process has had; -1 if unknown. */
    public static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** User + system CPU time of this process (all threads) from /proc/self/stat; 0 where unknown. */
    static double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // fields after the parenthesised command name; utime and stime are fields 14 and 15
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        int warmup = Integer.parseInt(args[1]);
        int repeats = Integer.parseInt(args[2]);
        Supplier<BenchCase> s = cases().get(name);
        if (s == null) {
            System.err.println("unknown bench case: " + name + " (known: " + String.join(", ", cases().keySet()) + ")");
            System.exit(2);
        }
        boolean bf16 = args.length > 3 && "bf16".equals(args[3]);
        BenchResult r = measure(s.get(), warmup, repeats, bf16);
        System.out.println("BENCH_RESULT " + Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
    }
}
