package org.kdrestore.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.kdrestore.common.UserInputException;

/**
 * Reading, loading and saving weights. The format is chosen by content, not by extension:
 * a zip with {@code data.pkl} is a torch checkpoint, a zip of {@code .npy} files is an npz, a
 * pickle with torch's magic number is a legacy torch checkpoint, and an 8-byte length followed by
 * JSON is safetensors. Torch pickles are unpickled through an allow-list
 * ({@link #allowedGlobals()}), so a file cannot run code.
 */
public final class Weights {
    private Weights() {}

    /** Dict keys a state dict may be wrapped in, in the order they are tried (BasicSR first). */
    public static final List<String> WRAPPERS = List.of("params", "params_ema", "state_dict");

    /** The globals a torch pickle may name ({@code module.name}); anything else is refused. */
    public static List<String> allowedGlobals() {
        return SafeUnpickler.allowedGlobals();
    }

    /** Which reader {@link #read} would use: torch-zip, torch-legacy, safetensors or npz. */
    public static String detectFormat(Path file) throws IOException {
        requireFile(file);
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5)) {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                if (TorchCheckpoint.isTorchZip(zip)) {
                    return "torch-zip";
                }
                if (zip.stream().anyMatch(e -> e.getName().endsWith(".npy"))) {
                    return "npz";
                }
            } catch (ZipException e) {
                throw new UserInputException("corrupt zip file " + file + ": " + e.getMessage(), e);
            }
            throw new UserInputException("unrecognised weights file " + file
                    + ": a zip with neither data.pkl (PyTorch) nor .npy entries (npz)");
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return "torch-legacy";
        }
        if (Safetensors.looksLike(head, Files.size(file))) {
            return "safetensors";
        }
        throw new UserInputException("unrecognised weights file " + file
                + ": not a PyTorch checkpoint (zip or legacy), safetensors or npz");
    }

    /**
     * Reads every tensor of {@code file} into {@code manager}, unwrapping {@code {'params': …}},
     * {@code {'params_ema': …}}, {@code {'state_dict': …}} and a {@code module.} key prefix.
     *
     * @throws UserInputException naming the file when it is missing, unreadable, malformed, or
     *     its pickle names a global outside the allow-list ({@link UnsafePickleException})
     */
    public static StateDict read(Path file, NDManager manager) throws IOException {
        String format = detectFormat(file);
        String source = file.toString();
        Map<String, Object> entries;
        Map<String, String> stored = new LinkedHashMap<>();
        String archivePrefix = "";
        String wrapper = null;
        switch (format) {
            case "torch-zip", "torch-legacy" -> {
                TorchCheckpoint.Loaded loaded;
                if (format.equals("torch-zip")) {
                    try (ZipFile zip = new ZipFile(file.toFile())) {
                        loaded = TorchCheckpoint.readZip(zip, source);
                    }
                } else {
                    loaded = TorchCheckpoint.readLegacy(file, source);
                }
                archivePrefix = loaded.archivePrefix();
                if (!(loaded.root() instanceof Map<?, ?> root)) {
                    throw new UserInputException("not a state dict: " + source + " holds a "
                            + (loaded.root() == null ? "None" : loaded.root().getClass().getSimpleName())
                            + ", expected a dict of tensors");
                }
                Map<?, ?> dict = root;
                for (String w : WRAPPERS) {
                    if (root.get(w) instanceof Map<?, ?> inner) {
                        wrapper = w;
                        dict = inner;
                        break;
                    }
                }
                entries = TorchCheckpoint.materialize(dict, source);
            }
            case "safetensors" -> entries = new LinkedHashMap<>(Safetensors.read(file).tensors());
            case "npz" -> entries = readNpz(file, manager, stored);
            default -> throw new IllegalStateException(format);
        }
        boolean strip = !entries.isEmpty() && entries.keySet().stream().allMatch(k -> k.startsWith("module."));
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        try {
            for (Map.Entry<String, Object> e : entries.entrySet()) {
                String key = strip ? e.getKey().substring("module.".length()) : e.getKey();
                if (e.getValue() instanceof RawTensor t) {
                    NDArray a = t.toNDArray(manager);
                    a.setName(key);
                    tensors.put(key, a);
                    stored.put(key, t.type().label);
                } else if (e.getValue() instanceof NDArray a) {
                    stored.put(key, stored.remove(e.getKey()));
                    tensors.put(key, a);
                } else {
                    ignored.add(key);
                }
            }
        } catch (RuntimeException ex) {
            tensors.values().forEach(NDArray::close);
            throw ex;
        }
        if (tensors.isEmpty()) {
            throw new UserInputException("no tensors in " + source + (wrapper != null ? " under '" + wrapper + "'" : "")
                    + "; top-level keys: " + entries.keySet() + " (a state dict is expected, possibly under one of "
                    + WRAPPERS + ")");
        }
        return new StateDict(file, tensors, format, wrapper, strip, archivePrefix, stored, ignored);
    }

    private static Map<String, Object> readNpz(Path file, NDManager manager, Map<String, String> stored)
            throws IOException {
        NDList list;
        try (InputStream in = Files.newInputStream(file)) {
            list = NDList.decode(manager, in);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new UserInputException("cannot read npz file " + file + ": " + e.getMessage(), e);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (NDArray a : list) {
            String name = a.getName();
            TensorType t = TensorType.fromDjl(a.getDataType());
            stored.put(name, t != null ? t.label : a.getDataType().toString().toLowerCase(Locale.ROOT));
            if (a.getDataType() == DataType.FLOAT16 || a.getDataType() == DataType.BFLOAT16) {
                NDArray f = a.toType(DataType.FLOAT32, false);
                f.setName(name);
                a.close();
                a = f;
            }
            out.put(name, a);
        }
        return out;
    }

    /**
     * Reads {@code file} and copies it into the initialised {@code block} by parameter name
     * ({@link ParameterNames}). Strict: any missing, unexpected or misshapen key fails with the full
     * list ({@link WeightsMismatchException}) and nothing is copied. Non-strict: what matches is
     * loaded and the same lists are printed to stderr as warnings.
     */
    public static StateDictLoader.Report loadInto(Block block, Path file, NDManager manager, boolean strict)
            throws IOException {
        try (NDManager scratch = manager.newSubManager()) {
            StateDict sd = read(file, scratch);
            StateDictLoader.Report report = StateDictLoader.load(block, sd.tensors(), strict, file.toString());
            if (!strict && !report.isClean()) {
                System.err.println("warning: weights " + file + " loaded non-strictly (" + report.loaded()
                        + " tensors copied):" + report.describe());
            }
            return report;
        }
    }

    /**
     * Saves a state dict atomically (temp file, then rename); the format follows the extension:
     * {@code .safetensors} (recommended: no code runs on load, element types kept) or {@code .npz}.
     * Both read back with {@link #read}.
     */
    public static void save(Path file, Map<String, NDArray> tensors) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            Safetensors.write(file, tensors, Map.of("format", "pt", "written_by", "kd-restore"));
        } else if (name.endsWith(".npz")) {
            NDList list = new NDList();
            tensors.forEach((k, a) -> {
                NDArray named = a.duplicate();
                named.setName(k);
                list.add(named);
            });
            try {
                org.kdrestore.common.AtomicFiles.write(file, out -> list.encode(out, NDList.Encoding.NPZ));
            } finally {
                list.close();
            }
        } else {
            throw new UserInputException("cannot save weights as " + file + ": use a .safetensors or .npz file name");
        }
    }

    static void requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("weights file not found: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new UserInputException("weights file not readable: " + file);
        }
    }

}
