package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import java.util.function.BiConsumer;

/**
 * Restormer (Zamir et al., CVPR 2022), as upstream's {@code restormer_arch.py}: a 4-level
 * encoder-decoder of transformer blocks with pixel-(un)shuffle resampling, skip concatenations,
 * refinement at full resolution and a global residual. Child names equal upstream's attribute
 * names, so {@link org.kdrestore.weights.ParameterNames} gives upstream's state_dict keys.
 *
 * <p>{@link #apply} needs H and W divisible by 8 (three 2× downsamplings); padding to that is the
 * caller's job ({@code infer.RestormerInference} does it as upstream's test script).
 */
public final class Restormer extends UnaryBlock {
    private final RestormerConfig config;
    private final OverlapPatchEmbed patchEmbed;
    private final SequentialBlock encoderLevel1;
    private final Downsample down12;
    private final SequentialBlock encoderLevel2;
    private final Downsample down23;
    private final SequentialBlock encoderLevel3;
    private final Downsample down34;
    private final SequentialBlock latent;
    private final Upsample up43;
    private final Conv reduceChanLevel3;
    private final SequentialBlock decoderLevel3;
    private final Upsample up32;
    private final Conv reduceChanLevel2;
    private final SequentialBlock decoderLevel2;
    private final Upsample up21;
    private final SequentialBlock decoderLevel1;
    private final SequentialBlock refinement;
    private final Conv skipConv;
    private final Conv output;

    public Restormer(RestormerConfig c) {
        this.config = c;
        int d = c.dim();
        boolean b = c.bias();
        // Upstream builds the patch embedding with its default bias=False, whatever `bias` says.
        patchEmbed = addChildBlock("patch_embed", new OverlapPatchEmbed(c.inpChannels(), d, false));
        encoderLevel1 = addChildBlock("encoder_level1", blocks(c, d, 0, c.numBlocks().get(0)));
        down12 = addChildBlock("down1_2", new Downsample(d));
        encoderLevel2 = addChildBlock("encoder_level2", blocks(c, d * 2, 1, c.numBlocks().get(1)));
        down23 = addChildBlock("down2_3", new Downsample(d * 2));
        encoderLevel3 = addChildBlock("encoder_level3", blocks(c, d * 4, 2, c.numBlocks().get(2)));
        down34 = addChildBlock("down3_4", new Downsample(d * 4));
        latent = addChildBlock("latent", blocks(c, d * 8, 3, c.numBlocks().get(3)));
        up43 = addChildBlock("up4_3", new Upsample(d * 8));
        reduceChanLevel3 = addChildBlock("reduce_chan_level3", Conv.dense(d * 8, d * 4, 1, b));
        decoderLevel3 = addChildBlock("decoder_level3", blocks(c, d * 4, 2, c.numBlocks().get(2)));
        up32 = addChildBlock("up3_2", new Upsample(d * 4));
        reduceChanLevel2 = addChildBlock("reduce_chan_level2", Conv.dense(d * 4, d * 2, 1, b));
        decoderLevel2 = addChildBlock("decoder_level2", blocks(c, d * 2, 1, c.numBlocks().get(1)));
        up21 = addChildBlock("up2_1", new Upsample(d * 2)); // no 1×1 reduction at level 1: 2·dim channels
        decoderLevel1 = addChildBlock("decoder_level1", blocks(c, d * 2, 0, c.numBlocks().get(0)));
        refinement = addChildBlock("refinement", blocks(c, d * 2, 0, c.numRefinementBlocks()));
        skipConv = c.dualPixelTask() ? addChildBlock("skip_conv", Conv.dense(d, d * 2, 1, b)) : null;
        output = addChildBlock("output", Conv.dense(d * 2, c.outChannels(), 3, b));
    }

    private static SequentialBlock blocks(RestormerConfig c, int dim, int level, int count) {
        SequentialBlock s = new SequentialBlock();
        for (int i = 0; i < count; i++) {
            s.add(new TransformerBlock(dim, c.heads().get(level), c.ffnExpansionFactor(), c.bias(), c.layerNormType()));
        }
        return s;
    }

    /** Builds the model and initialises its parameters (PyTorch's default init) on {@code manager}. */
    public static Restormer create(RestormerConfig config, NDManager manager) {
        Restormer model = new Restormer(config);
        model.initialize(manager, DataType.FLOAT32, new Shape(1, config.inpChannels(), 8, 8));
        return model;
    }

    public RestormerConfig config() {
        return config;
    }

    /** The first transformer block of a level ({@code encoder_level1} …), for tests that localise errors. */
    public TransformerBlock firstBlock(String level) {
        for (Pair<String, Block> c : getChildren()) {
            if (c.getKey().replaceFirst("^\\d+", "").equals(level) && c.getValue() instanceof SequentialBlock s) {
                return (TransformerBlock) s.getChildren().get(0).getValue();
            }
        }
        throw new IllegalArgumentException("no level " + level);
    }

    @Override
    public NDArray apply(NDArray x) {
        return apply(x, null);
    }

    /**
     * The forward pass. {@code tap}, when given, sees each stage's output under upstream's module
     * name ({@code patch_embed}, {@code encoder_level1}, …, {@code output} = the last conv before the
     * residual); it must copy what it keeps, since stages are freed as soon as they are consumed.
     */
    public NDArray apply(NDArray inpImg, BiConsumer<String, NDArray> tap) {
        Shape s = inpImg.getShape();
        if (s.dimension() != 4 || s.get(1) != config.inpChannels() || s.get(2) % 8 != 0 || s.get(3) % 8 != 0) {
            throw new IllegalArgumentException("Restormer input must be (N, " + config.inpChannels()
                    + ", H, W) with H and W multiples of 8, got " + s);
        }
        BiConsumer<String, NDArray> t = tap != null ? tap : (n, a) -> {};
        NDArray out;
        try (NDScope scope = new NDScope()) {
            NDArray inpEncLevel1 = see(t, "patch_embed", patchEmbed.apply(inpImg));
            NDArray outEncLevel1 = see(t, "encoder_level1", stage(encoderLevel1, inpEncLevel1, skipConv == null));

            NDArray outEncLevel2 = see(t, "encoder_level2",
                    stage(encoderLevel2, see(t, "down1_2", down12.apply(outEncLevel1)), true));
            NDArray outEncLevel3 = see(t, "encoder_level3",
                    stage(encoderLevel3, see(t, "down2_3", down23.apply(outEncLevel2)), true));
            NDArray lat = see(t, "latent", stage(latent, see(t, "down3_4", down34.apply(outEncLevel3)), true));

            NDArray inpDecLevel3 = see(t, "reduce_chan_level3",
                    Scopes.consume(reduceChanLevel3, concat(see(t, "up4_3", Scopes.consume(up43, lat)), outEncLevel3)));
            NDArray outDecLevel3 = see(t, "decoder_level3", stage(decoderLevel3, inpDecLevel3, true));

            NDArray inpDecLevel2 = see(t, "reduce_chan_level2",
                    Scopes.consume(reduceChanLevel2, concat(see(t, "up3_2", Scopes.consume(up32, outDecLevel3)), outEncLevel2)));
            NDArray outDecLevel2 = see(t, "decoder_level2", stage(decoderLevel2, inpDecLevel2, true));

            NDArray inpDecLevel1 = concat(see(t, "up2_1", Scopes.consume(up21, outDecLevel2)), outEncLevel1);
            NDArray outDecLevel1 = see(t, "decoder_level1", stage(decoderLevel1, inpDecLevel1, true));
            outDecLevel1 = see(t, "refinement", stage(refinement, outDecLevel1, true));

            if (skipConv != null) {
                // Dual-pixel defocus: the input has 6 channels, so no global residual.
                NDArray skip = skipConv.apply(inpEncLevel1);
                out = see(t, "output", output.apply(outDecLevel1.add(skip)));
            } else {
                out = see(t, "output", Scopes.consume(output, outDecLevel1)).add(inpImg);
            }
            NDScope.unregister(out);
        }
        return Scopes.handOver(out);
    }

    private static NDArray see(BiConsumer<String, NDArray> tap, String name, NDArray a) {
        tap.accept(name, a);
        return a;
    }

    /** Skip concatenation along channels; frees both inputs. */
    private static NDArray concat(NDArray a, NDArray b) {
        NDArray y = a.concat(b, 1);
        a.close();
        b.close();
        return y;
    }

    /** Runs a sequence of transformer blocks, freeing each intermediate (and x when asked). */
    private static NDArray stage(SequentialBlock blocks, NDArray x, boolean freeInput) {
        NDArray cur = x;
        for (Pair<String, Block> child : blocks.getChildren()) {
            NDArray next = ((UnaryBlock) child.getValue()).apply(cur);
            if (cur != x || freeInput) {
                cur.close();
            }
            cur = next;
        }
        return cur;
    }
}
