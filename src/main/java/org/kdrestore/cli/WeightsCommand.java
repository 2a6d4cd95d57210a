package org.kdrestore.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.weights.Downloader;
import org.kdrestore.weights.KnownWeights;
import org.kdrestore.weights.StateDict;
import org.kdrestore.weights.Weights;
import org.kdrestore.weights.WeightsCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "weights", mixinStandardHelpOptions = true,
        description = "Inspect, fetch and list model weights (PyTorch .pth, safetensors, npz).",
        subcommands = {WeightsCommand.Inspect.class, WeightsCommand.Convert.class, WeightsCommand.Fetch.class,
            WeightsCommand.ListKnown.class})
public final class WeightsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static WeightsCache cache(Path dir) {
        return dir != null ? new WeightsCache(dir) : WeightsCache.fromEnvironment();
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Show a weights file's format, wrapper, tensor count, parameter count and every key with "
                    + "shape and dtype. Never uses the network; a known name (see 'weights list') means its cached file.")
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "FILE|NAME", description = "A weights file, or a known name already fetched.")
        String file;

        @Option(names = "--cache", paramLabel = "DIR", description = "Cache folder (default $KD_RESTORE_CACHE or ~/.cache/kd-restore).")
        Path cacheDir;

        @Mixin
        JsonOption out;

        @Override
        public Integer call() throws IOException {
            Path path = cache(cacheDir).resolve(file);
            try (NDManager m = Engines.newManager(); StateDict sd = Weights.read(path, m)) {
                Map<String, Object> summary = sd.summary(true);
                StringBuilder sb = new StringBuilder();
                sb.append(String.format("file        %s%n", path));
                sb.append(String.format("format      %s%n", sd.describe()));
                sb.append(String.format("tensors     %d%n", sd.tensors().size()));
                sb.append(String.format("parameters  %,d%n", sd.parameterCount()));
                if (!sd.ignored().isEmpty()) {
                    sb.append(String.format("ignored     %s (not tensors)%n", sd.ignored()));
                }
                int width = sd.tensors().keySet().stream().mapToInt(String::length).max().orElse(3);
                sb.append(String.format("%n%-" + width + "s  %-20s  %s%n", "key", "shape", "dtype"));
                sd.tensors().forEach((k, a) -> sb.append(String.format("%-" + width + "s  %-20s  %s%n", k,
                        Arrays.toString(a.getShape().getShape()), sd.storedTypes().get(k))));
                out.print(summary, sb.toString().stripTrailing());
            }
            return 0;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = {"Write a state dict as safetensors (float32 stays float32; keys and shapes unchanged), e.g. the "
                    + "model.npz inside a training checkpoint (unzip -p last.ckpt model.npz > model.npz) or a .pth.",
                    "The output is written atomically and never overwrites an existing file."})
    static final class Convert implements Callable<Integer> {
        @Option(names = "--input", required = true, paramLabel = "FILE", description = ".pth, .npz or .safetensors state dict.")
        Path input;

        @Option(names = "--output", required = true, paramLabel = "FILE.safetensors", description = "Where to write.")
        Path output;

        @Mixin
        JsonOption out;

        @Override
        public Integer call() throws IOException {
            if (!output.getFileName().toString().endsWith(".safetensors")) {
                throw new UserInputException("--output " + output + ": the file name must end in .safetensors");
            }
            if (Files.exists(output)) {
                throw new UserInputException("--output " + output + " exists; remove it or choose another name");
            }
            try (NDManager m = Engines.newManager(); StateDict sd = Weights.read(input, m)) {
                Weights.save(output, sd.tensors());
                Map<String, Object> r = new java.util.LinkedHashMap<>();
                r.put("input", input.toString());
                r.put("output", output.toString());
                r.put("tensors", sd.tensors().size());
                r.put("parameters", sd.parameterCount());
                r.put("sha256", org.kdrestore.common.Hashing.sha256(output));
                out.print(r, String.format("wrote %s: %d tensors, %,d parameters, sha256 %s", output, sd.tensors().size(),
                        sd.parameterCount(), r.get("sha256")));
            }
            return 0;
        }
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download known weights by name, or any URL, with resume and sha256 verification. The only "
                    + "command that uses the network. Files land in the cache unless --output is given.")
    static final class Fetch implements Callable<Integer> {
        @Parameters(paramLabel = "NAME|URL", description = "A known name (see 'weights list') or an http(s) URL.")
        String what;

        @Option(names = "--sha256", paramLabel = "HEX", description = "Expected sha256 (full or prefix); checked before the file is kept.")
        String sha256;

        @Option(names = "--output", paramLabel = "FILE", description = "Write here instead of the cache.")
        Path output;

        @Option(names = "--cache", paramLabel = "DIR", description = "Cache folder (default $KD_RESTORE_CACHE or ~/.cache/kd-restore).")
        Path cacheDir;

        @Option(names = "--force", description = "Download again even when a matching file is already there.")
        boolean force;

        @Mixin
        JsonOption out;

        @Override
        public Integer call() {
            WeightsCache cache = cache(cacheDir);
            Downloader downloader = new Downloader(out.json);
            Optional<KnownWeights> known = KnownWeights.find(what);
            Downloader.Result r;
            try {
                if (known.isPresent()) {
                    r = cache.fetch(known.get(), output, sha256, downloader, force);
                } else if (what.startsWith("http://") || what.startsWith("https://")) {
                    r = cache.fetchUrl(URI.create(what), output, sha256, downloader, force);
                } else {
                    throw new UserInputException("unknown weights name: " + what + " (known: "
                            + String.join(", ", KnownWeights.names()) + "; or give an http(s) URL)");
                }
            } catch (IOException e) {
                System.err.println("error: " + e.getMessage());
                return 1;
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("name", known.map(KnownWeights::name).orElse(null));
            result.put("file", r.file().toString());
            result.put("bytes", r.bytes());
            result.put("sha256", r.sha256());
            result.put("checked_against", r.expected());
            result.put("already_present", r.alreadyPresent());
            result.put("resumed_from", r.resumedFrom());
            String human = (r.alreadyPresent() ? "already present: " : "saved: ") + r.file() + " (" + r.bytes()
                    + " bytes)\n" + r.verification() + (r.resumedFrom() > 0 ? "\nresumed from byte " + r.resumedFrom() : "");
            out.print(result, human);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the known weights, where each is published and whether it is in the cache.")
    static final class ListKnown implements Callable<Integer> {
        @Option(names = "--cache", paramLabel = "DIR", description = "Cache folder (default $KD_RESTORE_CACHE or ~/.cache/kd-restore).")
        Path cacheDir;

        @Mixin
        JsonOption out;

        @Override
        public Integer call() throws IOException {
            WeightsCache cache = cache(cacheDir);
            List<Map<String, Object>> rows = new ArrayList<>();
            StringBuilder sb = new StringBuilder("cache: " + cache.weightsDir() + "\n");
            for (KnownWeights w : KnownWeights.REGISTRY) {
                Path p = cache.pathFor(w);
                boolean cached = Files.isRegularFile(p);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", w.name());
                row.put("url", w.url());
                row.put("file", p.toString());
                row.put("cached", cached);
                row.put("known_sha256", w.sha256());
                row.put("recorded_sha256", WeightsCache.recordedSha256(p).orElse(null));
                row.put("description", w.description());
                rows.add(row);
                sb.append(String.format("%n%-28s %s%n  %s%n  %s%n", w.name(), cached ? "[cached]" : "[not fetched]",
                        w.description(), w.url()));
            }
            out.print(rows, sb.toString().stripTrailing());
            return 0;
        }
    }
}
