package org.kdrestore.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.PrepareConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "degrade", mixinStandardHelpOptions = true,
        description = {"Frame one photo to 1920x1080, split it into quadrants and write the degraded quadrants "
                + "tl.png tr.png bl.png br.png (with --sharp also tl_sharp.png ...).",
                "A 1920x1080 input is used as is."})
public final class DegradeCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, description = "The photo (PNG, JPEG, BMP, TIFF or WebP).")
    Path input;

    @Option(names = "--output-dir", required = true, description = "Folder for the quadrant PNGs (created if missing).")
    Path outputDir;

    @Option(names = "--sharp", description = "Also write the sharp quadrants as <q>_sharp.png.")
    boolean sharp;

    @Mixin
    DataOptions options;

    @Mixin
    JsonOption out;

    @Override
    public Integer call() throws Exception {
        PrepareConfig cfg = options.config();
        List<Path> files = new DatasetPreparer(cfg).degradePhoto(input, outputDir, sharp);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("input", input.toString());
        r.put("output_dir", outputDir.toString());
        r.put("degradation", cfg.degradation().label());
        r.put("files", files.stream().map(Path::toString).toList());
        out.print(r, "wrote " + files.size() + " files (" + cfg.degradation().label() + ") to " + outputDir);
        return 0;
    }
}
