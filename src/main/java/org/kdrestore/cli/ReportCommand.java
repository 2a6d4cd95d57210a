package org.kdrestore.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write the report of an evaluated run: reports/<run>/index.html (self-contained) and README.md with PNGs: "
                + "summary, differences, cost and per-image tables with metric definitions, loss curves per component, "
                + "validation SSIM per epoch, comparison grids with zoomed details, the teacher used and run.json.",
                "Run 'kd-restore evaluate --run RUN_DIR' first."})
public final class ReportCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--run", required = true, paramLabel = "RUN_DIR", description = "The run folder.")
    Path run;

    @Option(names = "--eval", paramLabel = "DIR", description = "The evaluation folder (default RUN_DIR/eval).")
    Path eval;

    @Option(names = "--output", paramLabel = "DIR", description = "Report folder (default reports/<run folder name>).")
    Path output;

    @Override
    public Integer call() throws IOException {
        Path dir = output != null ? output
                : Path.of("reports").resolve(run.toAbsolutePath().normalize().getFileName().toString());
        RunReport.Written w = RunReport.write(run, eval != null ? eval : run.resolve("eval"), dir);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("html", w.html().toString());
        m.put("markdown", w.markdown().toString());
        m.put("images", w.images().stream().map(Path::toString).toList());
        out.print(m, "report: " + w.html() + " (self-contained) and " + w.markdown());
        return 0;
    }
}
