package org.kdrestore.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.kdrestore.common.UserInputException;

/**
 * Builds a {@link TrainConfig} from the defaults, then a preset or YAML file, then
 * {@code --set key=value} overrides, in that order. Strict: a key that the defaults do not have
 * is an error naming it (and where it came from); a value of the wrong type is an error naming
 * the key and the value.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    public static final List<String> PRESETS = List.of("seed", "quick", "reproduce-cpu");

    /** snake_case keys, strict types: no float→int truncation, no unknown or missing fields. */
    static final ObjectMapper MAPPER = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    /** {@code configArg} is a preset name or a YAML file; {@code sets} are {@code key=value} strings. */
    public static TrainConfig load(String configArg, List<String> sets) {
        return load(defaultsTree(), PRESETS, "presets/", configArg, sets, TrainConfig.class);
    }

    /**
     * The same layering for any config record {@code type}: {@code defaults} (its tree), then a
     * preset (resource {@code presetDir + name + ".yaml"} next to this class) or YAML file, then
     * the {@code --set}s; every key and value checked as for {@link TrainConfig}.
     */
    static <T> T load(ObjectNode defaults, List<String> presets, String presetDir, String configArg, List<String> sets,
            Class<T> type) {
        ObjectNode tree = defaults.deepCopy();
        String source;
        JsonNode overlay;
        if (presets.contains(configArg)) {
            source = "preset " + configArg;
            overlay = readPreset(presetDir + configArg);
        } else {
            Path file = Path.of(configArg);
            if (!Files.isRegularFile(file)) {
                throw new UserInputException("config '" + configArg + "' is neither a preset " + presets
                        + " nor a readable YAML file");
            }
            source = "config file " + file;
            try {
                overlay = MAPPER.readTree(file.toFile());
            } catch (IOException e) {
                throw new UserInputException("config file " + file + " is not valid YAML: " + firstLine(e), e);
            }
        }
        if (overlay != null && !overlay.isMissingNode() && !overlay.isNull()) {
            if (!overlay.isObject()) {
                throw new UserInputException(source + " must be a YAML mapping of sections (student, train, data, loss)");
            }
            merge(tree, overlay, "", source);
        }
        for (String s : sets == null ? List.<String>of() : sets) {
            applySet(tree, s);
        }
        return fromTree(tree, source + (sets == null || sets.isEmpty() ? "" : " with --set " + String.join(" ", sets)), type);
    }

    /** A saved config (run.json's {@code config}) with {@code --set} overrides on top. */
    public static TrainConfig load(JsonNode saved, String source, List<String> sets) {
        return fromSaved(defaultsTree(), saved, source, sets, TrainConfig.class);
    }

    /** The config as the tree that {@code run.json} shows (snake_case). */
    public static JsonNode toTree(TrainConfig c) {
        return MAPPER.valueToTree(c);
    }

    /** Parses a tree (from run.json) back, with the same strict checks. */
    public static TrainConfig fromTree(JsonNode tree, String source) {
        return fromSaved(defaultsTree(), tree, source, List.of(), TrainConfig.class);
    }

    /**
     * A config saved by an earlier run (run.json, a checkpoint) laid over {@code defaults}: a key
     * added since then takes its default (so old runs still resume and evaluate), an unknown key
     * is still an error. {@code sets} ({@code --set KEY=VALUE}) go on top.
     */
    static <T> T fromSaved(ObjectNode defaults, JsonNode saved, String source, List<String> sets, Class<T> type) {
        merge(defaults, saved, "", source);
        for (String s : sets == null ? List.<String>of() : sets) {
            applySet(defaults, s);
        }
        return fromTree(defaults, source, type);
    }

    /** {@link #fromTree(JsonNode, String)} for any config record. */
    static <T> T fromTree(JsonNode tree, String source, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof UserInputException u) {
                throw new UserInputException(source + ": " + u.getMessage(), u);
            }
            String key = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            throw new UserInputException(source + ": bad value for config key '" + key + "': " + firstLine(e), e);
        } catch (JsonProcessingException e) {
            throw new UserInputException(source + ": " + firstLine(e), e);
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof UserInputException u) {
                throw new UserInputException(source + ": " + u.getMessage(), u);
            }
            throw e;
        }
    }

    static ObjectNode defaultsTree() {
        return (ObjectNode) MAPPER.valueToTree(TrainConfig.seed());
    }

    /** Every key the config accepts, dotted ({@code train.batch_size}). */
    public static List<String> keys() {
        List<String> out = new ArrayList<>();
        collectKeys(defaultsTree(), "", out);
        return out;
    }

    private static void collectKeys(JsonNode n, String prefix, List<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                collectKeys(e.getValue(), prefix + e.getKey() + ".", out);
            } else {
                out.add(prefix + e.getKey());
            }
        }
    }

    private static JsonNode readPreset(String name) {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(name + ".yaml")) {
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("preset " + name + " is missing from the jar", e);
        }
    }

    private static void merge(ObjectNode base, JsonNode overlay, String prefix, String source) {
        for (Iterator<Map.Entry<String, JsonNode>> it = overlay.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            JsonNode old = base.get(e.getKey());
            if (old == null) {
                throw new UserInputException("unknown config key '" + key + "' in " + source + nearby(base, prefix));
            }
            if (old.isObject()) {
                if (!e.getValue().isObject()) {
                    throw new UserInputException("config key '" + key + "' in " + source + " is a section; give its keys: "
                            + String.join(", ", fieldNames(old)));
                }
                merge((ObjectNode) old, e.getValue(), key + ".", source);
            } else if (old.isArray() && e.getValue().isArray()) {
                base.set(e.getKey(), e.getValue());
            } else if (e.getValue().isContainerNode()) {
                throw new UserInputException("config key '" + key + "' in " + source + " takes a single value, got "
                        + e.getValue());
            } else {
                base.set(e.getKey(), normalise(old, e.getValue()));
            }
        }
    }

    private static void applySet(ObjectNode tree, String set) {
        int eq = set.indexOf('=');
        if (eq <= 0) {
            throw new UserInputException("--set '" + set + "' must look like key=value (e.g. train.lr=1e-3)");
        }
        String key = set.substring(0, eq).trim();
        String raw = set.substring(eq + 1).trim();
        String[] parts = key.split("\\.");
        ObjectNode node = tree;
        String prefix = "";
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (child == null || !child.isObject()) {
                throw new UserInputException("unknown config key '" + key + "' in --set" + nearby(node, prefix));
            }
            prefix += parts[i] + ".";
            node = (ObjectNode) child;
        }
        String leaf = parts[parts.length - 1];
        JsonNode old = node.get(leaf);
        if (old == null) {
            throw new UserInputException("unknown config key '" + key + "' in --set" + nearby(node, prefix));
        }
        if (old.isObject()) {
            throw new UserInputException("config key '" + key + "' is a section; set one of its keys: "
                    + String.join(", ", fieldNames(old).stream().map(k -> key + "." + k).toList()));
        }
        if (old.isArray()) {
            // A list key takes comma-separated values: --set loss.vgg_layers=relu2_2,relu3_3
            ArrayNode list = MAPPER.createArrayNode();
            for (String item : raw.split(",")) {
                if (!item.isBlank()) {
                    list.add(parseScalar(item));
                }
            }
            node.set(leaf, list);
            return;
        }
        node.set(leaf, parseScalar(raw));
    }

    /**
     * A --set value (and a YAML string that looks like a number, such as 1e-4, which YAML 1.1
     * leaves a string) is read as: integer, decimal number, true/false, null, else text.
     */
    static JsonNode parseScalar(String raw) {
        String t = raw.trim();
        if (t.isEmpty() || t.equals("null") || t.equals("~")) {
            return NullNode.instance;
        }
        if (t.equals("true") || t.equals("false")) {
            return BooleanNode.valueOf(Boolean.parseBoolean(t));
        }
        if (t.matches("[-+]?[0-9]+")) {
            try {
                return LongNode.valueOf(Long.parseLong(t));
            } catch (NumberFormatException e) {
                return TextNode.valueOf(raw);
            }
        }
        if (t.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
            return DoubleNode.valueOf(Double.parseDouble(t));
        }
        return TextNode.valueOf(raw);
    }

    /** YAML 1.1 reads 1e-4 as text; give numeric-looking text under a numeric default its number. */
    private static JsonNode normalise(JsonNode old, JsonNode value) {
        if (value.isTextual() && (old.isNumber() || old.isNull())) {
            JsonNode n = parseScalar(value.asText());
            if (n.isNumber()) {
                return n;
            }
        }
        return value;
    }

    private static String nearby(JsonNode section, String prefix) {
        return " (known keys here: " + String.join(", ", fieldNames(section).stream().map(k -> prefix + k).toList()) + ")";
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }
}
