package org.kdrestore.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;

/**
 * Runs one case of {@code tools/bench_torch.py} (PyTorch, its own process) and reads its
 * {@code BENCH_RESULT} line. A case that runs past the timeout is stopped and reported as such.
 */
public final class TorchRunner {
    /** What came back for one case: a result, or why there is none. */
    public record Outcome(BenchResult result, String note) {}

    private final String python;
    private final Path script;
    private final Path restormerSrc;
    private final int threads;
    private final double timeoutS;

    public TorchRunner(String python, Path script, Path restormerSrc, int threads, double timeoutS) {
        if (!Files.isRegularFile(script)) {
            throw new UserInputException("PyTorch bench script not found: " + script + " (run from the repository root or set KD_RESTORE_HOME)");
        }
        if (restormerSrc != null && !Files.isRegularFile(restormerSrc.resolve("basicsr/models/archs/restormer_arch.py"))) {
            throw new UserInputException("--restormer-src " + restormerSrc + " has no basicsr/models/archs/restormer_arch.py (not a Restormer checkout)");
        }
        this.python = python;
        this.script = script;
        this.restormerSrc = restormerSrc;
        this.threads = threads;
        this.timeoutS = timeoutS;
    }

    /** {@code tools/bench_torch.py} under KD_RESTORE_HOME (set by the launcher) or the working directory. */
    public static Path defaultScript() {
        return org.kdrestore.common.Checkout.home().resolve("tools/bench_torch.py");
    }

    public Outcome run(String caseName, int warmup, int repeats) throws IOException, InterruptedException {
        return run(caseName, warmup, repeats, false);
    }

    /** With {@code autocast}, the PyTorch script runs a training case under {@code torch.autocast("cpu", dtype=torch.bfloat16)}. */
    public Outcome run(String caseName, int warmup, int repeats, boolean autocast) throws IOException, InterruptedException {
        if (caseName.startsWith("teacher-") && restormerSrc == null) {
            return new Outcome(null, "skipped: needs --restormer-src DIR");
        }
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--child", "--case", caseName,
                "--repeats", String.valueOf(repeats), "--warmup", String.valueOf(warmup), "--threads", String.valueOf(threads)));
        if (autocast) {
            cmd.add("--precision");
            cmd.add("bf16");
        }
        if (restormerSrc != null) {
            cmd.add("--restormer-src");
            cmd.add(restormerSrc.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BenchResult[] result = new BenchResult[1];
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("BENCH_RESULT ")) {
                        result[0] = Json.MAPPER.readValue(line.substring("BENCH_RESULT ".length()), BenchResult.class);
                    }
                }
            } catch (IOException e) {
                // the process was stopped; the outcome says so below
            }
        });
        reader.start();
        if (!p.waitFor((long) (timeoutS * 1000), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            reader.join();
            return new Outcome(null, String.format("stopped after %.0f s (timeout)", timeoutS));
        }
        reader.join();
        if (p.exitValue() != 0 || result[0] == null) {
            return new Outcome(null, "failed (exit " + p.exitValue() + ")");
        }
        return new Outcome(result[0], null);
    }
}
