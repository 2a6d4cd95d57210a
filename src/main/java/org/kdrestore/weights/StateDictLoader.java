package org.kdrestore.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Copies a state dict (PyTorch key → array) into an initialised DJL block by parameter name
 * ({@link ParameterNames}). Strict by default, like {@code load_state_dict(strict=True)}: any
 * missing key, unexpected key or shape mismatch fails with one message that lists all of them.
 */
public final class StateDictLoader {
    private StateDictLoader() {}

    /** What differed between the block and the state dict. Empty lists mean a perfect match. */
    public record Report(List<String> missing, List<String> unexpected, List<String> shapeMismatches, int loaded) {
        public boolean isClean() {
            return missing.isEmpty() && unexpected.isEmpty() && shapeMismatches.isEmpty();
        }

        /** One line (errors are one line): " missing keys (…): a, b; unexpected keys (…): c; shape mismatches: d". */
        public String describe() {
            List<String> parts = new ArrayList<>();
            if (!missing.isEmpty()) {
                parts.add("missing keys (in the model, not in the weights): " + String.join(", ", missing));
            }
            if (!unexpected.isEmpty()) {
                parts.add("unexpected keys (in the weights, not in the model): " + String.join(", ", unexpected));
            }
            if (!shapeMismatches.isEmpty()) {
                parts.add("shape mismatches: " + String.join(", ", shapeMismatches));
            }
            return parts.isEmpty() ? "" : " " + String.join("; ", parts);
        }
    }

    /**
     * Loads {@code stateDict} into {@code block}, which must already be initialised (so every
     * parameter has its shape). Values are copied; the caller keeps ownership of the arrays.
     *
     * @param source names the weights in error messages (a file path, say)
     * @throws WeightsMismatchException in strict mode when anything differs; nothing is copied then
     */
    public static Report load(Block block, Map<String, NDArray> stateDict, boolean strict, String source) {
        Map<String, Parameter> params = ParameterNames.of(block);
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray src = stateDict.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
                continue;
            }
            Shape want = e.getValue().getArray().getShape();
            if (!want.equals(src.getShape())) {
                mismatched.add(e.getKey() + " model " + want + " vs weights " + src.getShape());
            }
        }
        List<String> unexpected = new ArrayList<>(new TreeSet<>(stateDict.keySet()));
        unexpected.removeAll(params.keySet());
        Report report = new Report(missing, unexpected, mismatched, 0);
        if (strict && !report.isClean()) {
            throw new WeightsMismatchException("weights " + source + " do not match the model:" + report.describe(), report);
        }
        int loaded = 0;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray src = stateDict.get(e.getKey());
            NDArray dst = e.getValue().getArray();
            if (src == null || !dst.getShape().equals(src.getShape())) {
                continue;
            }
            NDArray value = src.getDataType() == dst.getDataType() ? src : src.toType(dst.getDataType(), false);
            if (!value.getDevice().equals(dst.getDevice())) {
                value = value.toDevice(dst.getDevice(), false);
            }
            value.copyTo(dst);
            loaded++;
        }
        return new Report(missing, unexpected, mismatched, loaded);
    }

}
