package org.kdrestore.weights;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Names every parameter of a DJL block the way PyTorch names its state_dict keys, so that
 * checkpoints map one to one ({@code encoder_level1.0.attn.qkv.weight}).
 *
 * <p>DJL stores a child as {@code "%02d" + name} with a 1-based counter. The rule that undoes
 * it: a child of a {@link SequentialBlock} is named by its 0-based index (like
 * {@code nn.Sequential}); any other child by its given name without the counter. Blocks that
 * must match a checkpoint therefore register children under upstream's attribute names.
 */
public final class ParameterNames {
    private ParameterNames() {}

    /** Every parameter of {@code block} and its descendants, in registration order. */
    public static Map<String, Parameter> of(Block block) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect(block, "", out);
        return out;
    }

    private static void collect(Block block, String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            out.put(prefix + p.getKey(), p.getValue());
        }
        for (Pair<String, Block> c : block.getChildren()) {
            String name = childName(block, c.getKey());
            collect(c.getValue(), prefix + name + ".", out);
        }
    }

    static String childName(Block parent, String djlName) {
        int i = 0;
        while (i < djlName.length() && Character.isDigit(djlName.charAt(i))) {
            i++;
        }
        if (parent instanceof SequentialBlock) {
            return String.valueOf(Integer.parseInt(djlName.substring(0, i)) - 1);
        }
        return djlName.substring(i);
    }
}
