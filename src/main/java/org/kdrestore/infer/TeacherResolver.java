package org.kdrestore.infer;

import org.kdrestore.weights.KnownWeights;
import org.kdrestore.weights.WeightsCache;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.weights.StateDict;
import org.kdrestore.weights.StateDictLoader;
import org.kdrestore.weights.Weights;
import org.kdrestore.weights.WeightsMismatchException;

/**
 * Which teacher to use, decided in one place (the demo and the notebooks call it):
 * <ol>
 *   <li>the official {@code restormer-motion-deblurring} weights in the weights cache
 *       ({@code $KD_RESTORE_CACHE/weights/motion_deblurring.pth}, else
 *       {@code ~/.cache/kd-restore/weights/…}) with the full motion-deblurring config;</li>
 *   <li>else the shipped compact teacher {@code models/restormer-s/} of the checkout: one weights
 *       file ({@code .safetensors}, {@code .npz}, {@code .pth}) and its arch-config JSON (upstream's
 *       argument names), with {@code MODEL_CARD.md};</li>
 *   <li>else a refusal naming both options. Random weights are never used silently.</li>
 * </ol>
 * {@link #given} wraps an explicit weights file and config instead.
 */
public final class TeacherResolver {
    private TeacherResolver() {}

    public static final String COMPACT_DIR = "models/restormer-s";

    public enum Kind {
        /** The published Restormer motion-deblurring weights. */
        OFFICIAL,
        /** The compact teacher shipped with the checkout. */
        COMPACT,
        /** A weights file and config named by the user. */
        GIVEN
    }

    /**
     * A teacher ready to load.
     *
     * @param configFile the arch-config JSON, null for the built-in motion-deblurring config
     * @param modelCard MODEL_CARD.md next to the weights, null when there is none
     */
    public record Resolved(Kind kind, String name, Path weights, Path configFile, RestormerConfig config, String sha256,
            Path modelCard) {

        /** One line for logs and reports. */
        public String describe() {
            String what = switch (kind) {
                case OFFICIAL -> "official Restormer motion-deblurring weights";
                case COMPACT -> "shipped compact teacher " + name;
                case GIVEN -> "teacher given on the command line";
            };
            return what + " (" + weights + ", sha256 " + sha256 + ", dim " + config.dim() + ", blocks " + config.numBlocks()
                    + ", refinement " + config.numRefinementBlocks() + ")";
        }

        /** Provenance for run folders and reports. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", kind.name().toLowerCase(Locale.ROOT));
            m.put("name", name);
            m.put("weights", weights.toAbsolutePath().toString());
            m.put("weights_sha256", sha256);
            m.put("config_file", configFile == null ? null : configFile.toAbsolutePath().toString());
            m.put("config", config.toUpstreamMap());
            m.put("model_card", modelCard == null ? null : modelCard.toAbsolutePath().toString());
            m.put("description", describe());
            return m;
        }

        /**
         * Builds the Restormer and loads the weights strictly.
         *
         * @throws UserInputException when the config does not match the weights, naming both files
         *     and every missing, unexpected or misshapen key
         */
        public Restormer load(NDManager manager) throws IOException {
            Restormer model = Restormer.create(config, manager);
            try (NDManager tmp = manager.newSubManager(); StateDict sd = Weights.read(weights, tmp)) {
                StateDictLoader.load(model, sd.tensors(), true, weights.toString());
            } catch (WeightsMismatchException e) {
                throw new UserInputException("the teacher config " + (configFile != null ? configFile
                        : "(dim " + config.dim() + ", blocks " + config.numBlocks() + ", refinement " + config.numRefinementBlocks() + ")")
                        + " does not match its weights " + weights + ": " + e.getMessage(), e);
            }
            return model;
        }
    }

    /** The choices of {@link #choose} that name no file. */
    public static final List<String> NAMED_CHOICES = List.of("auto", "official", "compact");

    /**
     * The one parser of a command's {@code --teacher} choice, for demo, distill, sweep and the
     * notebooks alike: {@code auto} (official weights when cached, else the shipped compact
     * teacher), {@code official}, {@code compact}, or a weights FILE (with {@code configFile}, its
     * arch config; default the motion-deblurring config).
     */
    public static Resolved choose(String choice, Path configFile, Path home, Path cache) throws IOException {
        String c = choice == null ? "auto" : choice;
        if (configFile != null && NAMED_CHOICES.contains(c)) {
            throw new UserInputException("--teacher-config " + configFile + " goes with --teacher FILE (a weights file), not --teacher " + c);
        }
        return switch (c) {
            case "auto" -> resolve(home, cache, null);
            case "official" -> resolve(home, cache, Kind.OFFICIAL);
            case "compact" -> resolve(home, cache, Kind.COMPACT);
            default -> {
                Path file = Path.of(c);
                if (!Files.isRegularFile(file)) {
                    throw new UserInputException("--teacher " + c + ": expected auto, official, compact or a weights file, "
                            + "and there is no file " + file);
                }
                yield given(file, configFile);
            }
        };
    }

    /** The weights cache folder: {@code $KD_RESTORE_CACHE}, else {@code ~/.cache/kd-restore}. */
    public static Path defaultCache() {
        return WeightsCache.fromEnvironment().dir();
    }

    /**
     * Resolves the teacher in the order above.
     *
     * @param home the checkout (holds {@code models/})
     * @param cache the weights cache root (holds {@code weights/})
     */
    public static Resolved resolve(Path home, Path cache) throws IOException {
        return resolve(home, cache, null);
    }

    /**
     * Resolves the teacher; {@code only} = {@link Kind#OFFICIAL} or {@link Kind#COMPACT} restricts
     * the search to that kind (null: the order above).
     */
    public static Resolved resolve(Path home, Path cache, Kind only) throws IOException {
        Path official = new WeightsCache(cache).pathFor(KnownWeights.find("restormer-motion-deblurring").orElseThrow());
        Path compact = home.resolve(COMPACT_DIR);
        if (only == Kind.OFFICIAL && !Files.isRegularFile(official)) {
            throw new UserInputException("the official teacher weights " + official + " are not cached; fetch them with "
                    + "'kd-restore weights fetch restormer-motion-deblurring' (or set KD_RESTORE_CACHE)");
        }
        if (only == Kind.COMPACT && !Files.isDirectory(compact)) {
            throw new UserInputException("the shipped compact teacher " + compact + " does not exist; train one with "
                    + "'kd-restore teacher train --preset restormer-s'");
        }
        if (Files.isRegularFile(official) && only != Kind.COMPACT) {
            String expected = KnownWeights.find("restormer-motion-deblurring").orElseThrow().sha256();
            String actual = Hashing.sha256(official);
            if (!KnownWeights.matches(expected, actual)) {
                throw new UserInputException("the cached official teacher " + official + " has sha256 " + actual
                        + ", not the published " + expected + "; delete it and fetch it again with "
                        + "'kd-restore weights fetch restormer-motion-deblurring'");
            }
            return new Resolved(Kind.OFFICIAL, "restormer-motion-deblurring", official, null,
                    RestormerConfig.motionDeblurring(), actual, null);
        }
        if (Files.isDirectory(compact)) {
            return fromFolder(compact, Kind.COMPACT);
        }
        throw new UserInputException("no teacher available: neither the official weights " + official
                + " (fetch them with 'kd-restore weights fetch restormer-motion-deblurring', or set KD_RESTORE_CACHE)"
                + " nor the shipped compact teacher " + compact + " (train one with 'kd-restore teacher train --preset restormer-s')"
                + " exist; or pass --teacher-weights FILE --teacher-config CFG.json");
    }

    /**
     * A teacher folder: exactly one weights file ({@code .safetensors}, {@code .npz}, {@code .pth},
     * {@code .pt}) and one arch-config {@code .json}; {@code MODEL_CARD.md} is optional.
     */
    public static Resolved fromFolder(Path dir, Kind kind) throws IOException {
        List<Path> weights = new ArrayList<>();
        List<Path> configs = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                if (n.endsWith(".safetensors") || n.endsWith(".npz") || n.endsWith(".pth") || n.endsWith(".pt")) {
                    weights.add(p);
                } else if (n.endsWith(".json")) {
                    configs.add(p);
                }
            }
        }
        if (weights.size() != 1) {
            throw new UserInputException("teacher folder " + dir + " must hold exactly one weights file (.safetensors, .npz, "
                    + ".pth), found " + weights.stream().map(p -> p.getFileName().toString()).toList());
        }
        if (configs.size() > 1) {
            // Prefer the arch config when a folder also holds other JSON (a training summary, say).
            List<Path> arch = configs.stream().filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).contains("arch")
                    || p.getFileName().toString().toLowerCase(Locale.ROOT).contains("config")).toList();
            configs = arch.size() == 1 ? arch : configs;
        }
        if (configs.size() != 1) {
            throw new UserInputException("teacher folder " + dir + " must hold exactly one arch-config .json (upstream Restormer "
                    + "argument names), found " + configs.stream().map(p -> p.getFileName().toString()).toList());
        }
        Path card = dir.resolve("MODEL_CARD.md");
        Resolved r = given(weights.get(0), configs.get(0));
        return new Resolved(kind, dir.getFileName().toString(), r.weights(), r.configFile(), r.config(), r.sha256(),
                Files.isRegularFile(card) ? card : null);
    }

    /** An explicit weights file with its arch-config JSON (null: the motion-deblurring config). */
    public static Resolved given(Path weights, Path configFile) throws IOException {
        return given(weights, configFile == null ? RestormerConfig.motionDeblurring() : readConfig(configFile), configFile);
    }

    /**
     * An explicit weights file with a config made elsewhere (a command's architecture flags);
     * {@code configFile} is the JSON it came from, null when none.
     */
    public static Resolved given(Path weights, RestormerConfig config, Path configFile) throws IOException {
        if (!Files.isRegularFile(weights)) {
            throw new UserInputException("teacher weights " + weights + " do not exist");
        }
        return new Resolved(Kind.GIVEN, weights.getFileName().toString(), weights, configFile, config, Hashing.sha256(weights),
                null);
    }

    /**
     * Reads an arch-config JSON: upstream's argument names, either at the top level or under
     * {@code network_g} / {@code arch} / {@code config}; missing keys take the motion-deblurring defaults.
     */
    @SuppressWarnings("unchecked")
    public static RestormerConfig readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("teacher config " + file + " does not exist");
        }
        Map<String, Object> m;
        try {
            m = Json.MAPPER.readValue(file.toFile(), LinkedHashMap.class);
        } catch (IOException e) {
            throw new UserInputException("teacher config " + file + " is not a JSON object: " + e.getMessage(), e);
        }
        for (String wrapper : List.of("network_g", "arch", "config")) {
            if (m.get(wrapper) instanceof Map<?, ?> inner) {
                m = (Map<String, Object>) inner;
                break;
            }
        }
        try {
            return RestormerConfig.fromUpstreamMap(m);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("teacher config " + file + ": " + e.getMessage(), e);
        }
    }
}
