package org.kdrestore.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.bench.BenchMain;
import org.kdrestore.bench.BenchResult;
import org.kdrestore.bench.BenchRunner;
import org.kdrestore.bench.TorchRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time cases, each in its own JVM: min/median/max, peak RSS, GFLOP/s and share of this machine's matmul peak.",
            "With --compare-torch, also runs tools/bench_torch.py (PyTorch) per case and prints the ratios in one table."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--case", paramLabel = "NAME", description = "Case to run (repeatable; default: all). Known: ${COMPLETION-CANDIDATES}",
            completionCandidates = CaseNames.class)
    List<String> cases = new ArrayList<>();

    @Option(names = "--repeats", defaultValue = "5", description = "Measured runs per case (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", defaultValue = "1", description = "Unmeasured runs first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--precision", defaultValue = "float32", paramLabel = "float32|bf16",
            description = {"Products of the training cases (train-step, teacher-train-step) in float32 (default) or bf16, as train.precision.",
                "With --compare-torch and bf16, PyTorch runs each such case twice: under torch.autocast(bf16) and in float32."})
    String precision;

    @Option(names = "--compare-torch", description = "Run the same cases in PyTorch (tools/bench_torch.py) and print both with ratios.")
    boolean compareTorch;

    @Option(names = "--restormer-src", paramLabel = "DIR", description = "A checkout of swz30/Restormer for the PyTorch teacher cases.")
    Path restormerSrc;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch 1.13 (default ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--torch-threads", defaultValue = "2", description = "torch.set_num_threads for the PyTorch side (default ${DEFAULT-VALUE}).")
    int torchThreads;

    @Option(names = "--torch-timeout", defaultValue = "600", description = "Seconds per PyTorch case before it is stopped (default ${DEFAULT-VALUE}).")
    double torchTimeout;

    @Mixin
    JsonOption out;

    static final class CaseNames extends ArrayList<String> {
        CaseNames() {
            super(BenchMain.cases().keySet());
        }
    }

    @Override
    public Integer call() throws Exception {
        if (repeats < 1 || warmup < 0) {
            throw new org.kdrestore.common.UserInputException("--repeats must be >= 1 and --warmup >= 0, got " + repeats + " and " + warmup);
        }
        List<String> names = new ArrayList<>(cases.isEmpty() ? BenchMain.cases().keySet() : cases);
        for (String n : names) {
            if (!BenchMain.cases().containsKey(n)) {
                throw new org.kdrestore.common.UserInputException("unknown bench case '" + n + "'; known: "
                        + String.join(", ", BenchMain.cases().keySet()));
            }
        }
        if (!"float32".equals(precision) && !"bf16".equals(precision)) {
            throw new org.kdrestore.common.UserInputException("--precision must be float32 or bf16, got " + precision);
        }
        boolean bf16 = "bf16".equals(precision);
        if (bf16) {
            org.kdrestore.common.Bf16.unsupportedReason().ifPresent(reason -> {
                throw new org.kdrestore.common.UserInputException("--precision bf16 is not available here: " + reason);
            });
        }
        // The matmul peak is measured in every run so the other figures read as a fraction of it.
        if (!names.contains("matmul-4096")) {
            names.add(0, "matmul-4096");
        }
        TorchRunner torch = compareTorch ? new TorchRunner(python, TorchRunner.defaultScript(), restormerSrc, torchThreads, torchTimeout) : null;
        Map<String, Object> machine = BenchRunner.machine();
        List<BenchResult> results = new ArrayList<>();
        List<BenchRunner.Comparison> rows = new ArrayList<>();
        for (String n : names) {
            System.err.println("bench: " + n + " ...");
            boolean caseInBf16 = bf16 && BenchMain.cases().get(n).get().trains();
            BenchResult ours = BenchRunner.runInChildJvm(n, warmup, repeats, caseInBf16);
            results.add(ours);
            if (torch != null) {
                System.err.println("bench: " + n + " (PyTorch" + (caseInBf16 ? ", autocast bf16" : "") + ") ...");
                TorchRunner.Outcome o = torch.run(n, warmup, repeats, caseInBf16);
                rows.add(new BenchRunner.Comparison(ours.name() + (caseInBf16 ? " vs autocast" : ""), ours, o.result(), o.note()));
                if (caseInBf16) {
                    System.err.println("bench: " + n + " (PyTorch, float32) ...");
                    TorchRunner.Outcome f = torch.run(n, warmup, repeats, false);
                    rows.add(new BenchRunner.Comparison(ours.name() + " vs torch float32", ours, f.result(), f.note()));
                }
            }
        }
        if (torch == null) {
            out.print(results, BenchRunner.table(results));
        } else {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("machine", machine);
            json.put("load_average_after", BenchRunner.machine().get("load_average"));
            json.put("comparisons", rows);
            out.print(json, BenchRunner.comparisonTable(rows) + "machine: " + machine);
        }
        return 0;
    }
}
