package org.kdrestore.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.PrepareConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = {"Build a dataset from a folder of photos: OUT/sharp/<stem>_<q>.png, OUT/degraded/<stem>_<q>.png "
                + "(960x540, q in tl tr bl br) and OUT/manifest.json (sha256 of every file, all parameters).",
                "Re-running skips photos whose source and outputs are unchanged and verified."})
public final class PrepareCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, description = "Folder of photos (.png .jpg .jpeg .bmp .tif .tiff .webp; not recursive).")
    Path input;

    @Option(names = "--output", required = true, description = "Dataset folder (new, empty, or an earlier prepare output).")
    Path output;

    @Option(names = "--overwrite", description = "Allow rebuilding a dataset that was prepared with different parameters.")
    boolean overwrite;

    @Mixin
    DataOptions options;

    @Mixin
    JsonOption out;

    @Override
    public Integer call() throws Exception {
        PrepareConfig cfg = options.config();
        DatasetPreparer.Result r = new DatasetPreparer(cfg).prepare(input, output, overwrite, out.json);
        String human = String.format("%d photos (%d prepared, %d already done) -> %d quadrant pairs in %s%n"
                        + "degradation %s, manifest sha256 %s", r.photos(), r.prepared(), r.skipped(), r.quadrants(),
                r.output(), cfg.degradation().label(), r.manifestSha256());
        if (!r.stale().isEmpty()) {
            human += "\nnote: no longer in the input (files left in place, dropped from the manifest): " + String.join(", ", r.stale());
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("output", r.output().toString());
        json.put("photos", r.photos());
        json.put("prepared", r.prepared());
        json.put("skipped", r.skipped());
        json.put("quadrants", r.quadrants());
        json.put("degradation", cfg.degradation().label());
        json.put("manifest_sha256", r.manifestSha256());
        json.put("stale", r.stale());
        out.print(json, human);
        return 0;
    }
}
