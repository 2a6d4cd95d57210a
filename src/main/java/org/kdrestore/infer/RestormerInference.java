package org.kdrestore.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.Scopes;

/**
 * Runs a Restormer on images the way upstream's Motion_Deblurring/test.py does: reflect-pad the
 * bottom/right to a multiple of 8, forward, crop back, clamp to [0,1]. Optionally tiled, so that
 * memory is bounded by the tile size rather than the image size.
 *
 * <p>Gradients are off: the model's parameters are frozen (no tensor requires grad, so PyTorch
 * records no graph), and every call runs in an NDScope that frees all intermediates.
 */
public final class RestormerInference {
    /** Pads to a multiple of 8 (as upstream); the model itself needs sides divisible by 8. */
    public static final int FACTOR = 8;

    /**
     * @param pad reflect-pad to a multiple of 8 (off: the input must already be one)
     * @param clamp clamp the output to [0,1] (upstream does)
     * @param tile tile side in pixels, a multiple of 8; 0 runs the whole image at once
     * @param overlap pixels shared by neighbouring tiles, 0 ≤ overlap < tile
     */
    public record Options(boolean pad, boolean clamp, int tile, int overlap, Blend blend) {
        public static final int DEFAULT_OVERLAP = 32;

        public Options {
            if (tile < 0 || tile % FACTOR != 0) {
                throw new UserInputException("tile " + tile + " must be 0 (off) or a positive multiple of " + FACTOR);
            }
            if (tile > 0 && (overlap < 0 || overlap >= tile)) {
                throw new UserInputException("overlap " + overlap + " must be in [0, tile) = [0, " + tile + ")");
            }
        }

        /** Upstream's test script: pad, clamp, no tiles. */
        public static Options upstream() {
            return new Options(true, true, 0, DEFAULT_OVERLAP, Blend.FEATHER);
        }

        public Options withTile(int t, int o) {
            return new Options(pad, clamp, t, o, blend);
        }

        public Options withClamp(boolean c) {
            return new Options(pad, c, tile, overlap, blend);
        }

        public Options withPad(boolean p) {
            return new Options(p, clamp, tile, overlap, blend);
        }

        public Options withBlend(Blend b) {
            return new Options(pad, clamp, tile, overlap, b);
        }
    }

    private final Restormer model;
    private final Options options;

    public RestormerInference(Restormer model, Options options) {
        this.model = model;
        this.options = options;
        model.freezeParameters(true);
    }

    public Restormer model() {
        return model;
    }

    public Options options() {
        return options;
    }

    /**
     * Restores one image (C, H, W) or a batch (N, C, H, W), float32 in [0,1], with C the model's
     * input channels. The result has the input's shape and is attached to {@code image}'s manager;
     * everything else is freed before returning.
     *
     * @throws UserInputException for a wrong shape (named in the message)
     */
    public NDArray restore(NDArray image) {
        Shape s = image.getShape();
        long channels = model.config().inpChannels();
        boolean single = s.dimension() == 3;
        if (!(single || s.dimension() == 4) || s.get(s.dimension() - 3) != channels) {
            throw new UserInputException("expected an RGB image of shape (3, H, W) or (N, 3, H, W), got " + s
                    + (channels != 3 ? " (this model takes " + channels + " channels)" : ""));
        }
        NDManager caller = image.getManager();
        NDArray y;
        try (NDScope scope = new NDScope()) {
            NDArray x = image.toType(DataType.FLOAT32, false).toDevice(modelDevice(), false);
            if (single) {
                x = x.expandDims(0);
            }
            y = options.tile() > 0 ? tiled(x) : whole(x);
            if (options.clamp()) {
                y = y.clip(0f, 1f);
            }
            if (single) {
                y = y.squeeze(0);
            }
            y = y.toDevice(image.getDevice(), false);
            NDScope.unregister(y);
            y.attach(caller);
        }
        return Scopes.handOver(y);
    }

    private ai.djl.Device modelDevice() {
        return model.getParameters().get(0).getValue().getArray().getDevice();
    }

    /** Pad (reflect, bottom/right) → forward → crop, unclamped. */
    NDArray whole(NDArray x) {
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        int padH = Padding.toMultiple(h, FACTOR);
        int padW = Padding.toMultiple(w, FACTOR);
        if (padH + padW > 0 && !options.pad()) {
            throw new UserInputException("image " + h + "x" + w + " (HxW) is not a multiple of " + FACTOR
                    + " on each side; allow padding (drop --no-pad)");
        }
        NDArray in;
        try {
            in = Padding.reflectBottomRight(x, padH, padW);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("image " + x.getShape() + " is too small: " + e.getMessage());
        }
        NDArray y = model.apply(in);
        return padH + padW > 0 ? y.get(new NDIndex(":, :, :{}, :{}", h, w)) : y;
    }

    /**
     * Tiles of {@code tile}² pixels at a stride of tile − overlap, the last one flush with the
     * bottom/right edge (as upstream's tiled scripts); each tile is restored like a whole image and
     * blended into an accumulator. A side shorter than the tile is taken whole.
     */
    NDArray tiled(NDArray x) {
        Shape s = x.getShape();
        long n = s.get(0);
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        int th = Math.min(options.tile(), h);
        int tw = Math.min(options.tile(), w);
        int[] ys = starts(h, th, options.overlap());
        int[] xs = starts(w, tw, options.overlap());
        NDManager acc = x.getManager();
        NDArray sum = acc.zeros(new Shape(n, model.config().outChannels(), h, w), DataType.FLOAT32, x.getDevice());
        NDArray weights = acc.zeros(new Shape(1, 1, h, w), DataType.FLOAT32, x.getDevice());
        for (int y0 : ys) {
            for (int x0 : xs) {
                try (NDScope scope = new NDScope()) {
                    NDIndex region = new NDIndex(":, :, {}:{}, {}:{}", y0, y0 + th, x0, x0 + tw);
                    NDArray out = whole(x.get(region));
                    NDArray wt = acc.create(tileWeights(th, tw, y0, x0, h, w), new Shape(1, 1, th, tw)).toDevice(x.getDevice(), false);
                    sum.set(region, sum.get(region).add(out.mul(wt)));
                    weights.set(new NDIndex(":, :, {}:{}, {}:{}", y0, y0 + th, x0, x0 + tw),
                            weights.get(new NDIndex(":, :, {}:{}, {}:{}", y0, y0 + th, x0, x0 + tw)).add(wt));
                }
            }
        }
        return sum.div(weights);
    }

    /** Tile origins along a side of {@code size}: 0, stride, 2·stride, … and size − tile last. */
    public static int[] starts(int size, int tile, int overlap) {
        if (tile >= size) {
            return new int[] {0};
        }
        int stride = tile - overlap;
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (int p = 0; p < size - tile; p += stride) {
            out.add(p);
        }
        out.add(size - tile);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Per-pixel blending weight of a tile (outer product of two 1-D ramps), row-major. */
    float[] tileWeights(int th, int tw, int y0, int x0, int h, int w) {
        float[] ry = ramp(th, y0 > 0, y0 + th < h);
        float[] rx = ramp(tw, x0 > 0, x0 + tw < w);
        float[] out = new float[th * tw];
        for (int i = 0; i < th; i++) {
            for (int j = 0; j < tw; j++) {
                out[i * tw + j] = ry[i] * rx[j];
            }
        }
        return out;
    }

    private float[] ramp(int len, boolean fadeStart, boolean fadeEnd) {
        float[] r = new float[len];
        int o = options.overlap();
        for (int i = 0; i < len; i++) {
            float v = 1f;
            if (options.blend() == Blend.FEATHER && o > 0) {
                if (fadeStart) {
                    v = Math.min(v, (i + 1f) / (o + 1f));
                }
                if (fadeEnd) {
                    v = Math.min(v, (len - i) / (o + 1f));
                }
            }
            r[i] = v;
        }
        return r;
    }
}
