package org.kdrestore.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.kdrestore.bench.BenchMain;
import org.kdrestore.bench.BenchResult;
import org.kdrestore.bench.BenchRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time cases, each in its own JVM: min/median/max, peak RSS, GFLOP/s and share of this machine's matmul peak.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--case", paramLabel = "NAME", description = "Case to run (repeatable; default: all). Known: ${COMPLETION-CANDIDATES}",
            completionCandidates = CaseNames.class)
    List<String> cases = new ArrayList<>();

    @Option(names = "--repeats", defaultValue = "5", description = "Measured runs per case (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", defaultValue = "1", description = "Unmeasured runs first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Mixin
    JsonOption out;

    static final class CaseNames extends ArrayList<String> {
        CaseNames() {
            super(BenchMain.cases().keySet());
        }
    }

    @Override
    public Integer call() throws Exception {
        List<String> names = new ArrayList<>(cases.isEmpty() ? BenchMain.cases().keySet() : cases);
        // The matmul peak is measured in every run so the other figures read as a fraction of it.
        if (!names.contains("matmul-4096")) {
            names.add(0, "matmul-4096");
        }
        List<BenchResult> results = new ArrayList<>();
        for (String n : names) {
            if (!out.json) {
                System.err.println("bench: " + n + " ...");
            }
            results.add(BenchRunner.runInChildJvm(n, warmup, repeats));
        }
        out.print(results, BenchRunner.table(results));
        return 0;
    }
}
