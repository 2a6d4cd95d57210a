package org.kdrestore.weights;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a weights file, by PyTorch key in file order, plus how they were found.
 *
 * @param tensors key → array (float16/bfloat16 already widened to float32), insertion-ordered
 * @param format {@code torch-zip}, {@code torch-legacy}, {@code safetensors} or {@code npz}
 * @param wrapper the dict key the state dict was found under ({@code params}, {@code params_ema},
 *     {@code state_dict}), or null when the file is a plain state dict
 * @param modulePrefixStripped whether every key started with {@code module.} (DataParallel) and
 *     that prefix was removed
 * @param archivePrefix the folder inside a torch zip that holds {@code data.pkl}; "" otherwise
 * @param storedTypes key → element type as stored in the file ({@code float16}, …)
 * @param ignored entries next to the tensors that are not tensors (an epoch counter, say)
 */
public record StateDict(
        Path source,
        Map<String, NDArray> tensors,
        String format,
        String wrapper,
        boolean modulePrefixStripped,
        String archivePrefix,
        Map<String, String> storedTypes,
        List<String> ignored) implements AutoCloseable {

    public StateDict {
        tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        storedTypes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(storedTypes));
        ignored = List.copyOf(ignored);
    }

    /** Total number of elements over all tensors (the parameter count for a weights file). */
    public long parameterCount() {
        long n = 0;
        for (NDArray a : tensors.values()) {
            n += a.size();
        }
        return n;
    }

    /** One line: format, wrapper and prefix, e.g. what {@code weights inspect} prints first. */
    public String describe() {
        StringBuilder sb = new StringBuilder(switch (format) {
            case "torch-zip" -> "PyTorch zip checkpoint (records under '" + archivePrefix + "')";
            case "torch-legacy" -> "PyTorch legacy (pre-1.6) checkpoint";
            case "safetensors" -> "safetensors";
            case "npz" -> "numpy npz";
            default -> format;
        });
        sb.append(wrapper == null ? ", plain state dict" : ", state dict under {'" + wrapper + "': ...}");
        if (modulePrefixStripped) {
            sb.append(", 'module.' prefix removed");
        }
        return sb.toString();
    }

    /** A JSON-friendly summary; {@code withKeys} adds every key with its shape and stored dtype. */
    public Map<String, Object> summary(boolean withKeys) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", source == null ? null : source.toString());
        m.put("format", format);
        m.put("archive_prefix", archivePrefix);
        m.put("wrapper", wrapper);
        m.put("module_prefix_stripped", modulePrefixStripped);
        m.put("tensors", tensors.size());
        m.put("parameters", parameterCount());
        m.put("ignored_entries", ignored);
        if (withKeys) {
            List<Map<String, Object>> keys = new ArrayList<>();
            tensors.forEach((k, a) -> {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("key", k);
                e.put("shape", a.getShape().getShape());
                e.put("dtype", storedTypes.getOrDefault(k, a.getDataType().asNumpy()));
                keys.add(e);
            });
            m.put("keys", keys);
        }
        return m;
    }

    /** Frees the arrays (they belong to the manager given to {@link Weights#read}). */
    @Override
    public void close() {
        tensors.values().forEach(NDArray::close);
    }
}
