package org.kdrestore.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import java.util.Optional;
import org.kdrestore.common.UserInputException;

/**
 * Multi-scale SSIM exactly as {@code pytorch_msssim.ms_ssim(X, Y, data_range=R)}: 5 scales
 * with weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333; at each of the first four scales the
 * contrast-structure term (ReLU'd) is kept and both images are average-pooled 2×2 with stride 2,
 * padding (H mod 2, W mod 2) and the zero padding counted in the average; the last scale
 * contributes its full SSIM (ReLU'd). Per image and channel:
 * ∏ cs_i^w_i · ssim_5^w_5, then the mean over channels (and images). The per-scale SSIM uses
 * the pytorch-msssim {@link Definition} with the given data range.
 */
public final class MsSsim {
    private MsSsim() {}

    public static final float[] WEIGHTS = {0.0448f, 0.2856f, 0.3001f, 0.2363f, 0.1333f};

    /** The smallest shorter side pytorch-msssim refuses: (window − 1)·2⁴ = 160. */
    public static int minSideExclusive(Definition def) {
        return (def.window() - 1) * (1 << (WEIGHTS.length - 1));
    }

    /** Why MS-SSIM cannot be computed for images of this shape, or empty when it can. */
    public static Optional<String> refusal(Shape shape, Definition def) {
        int d = shape.dimension();
        long smaller = Math.min(shape.get(d - 2), shape.get(d - 1));
        if (smaller <= minSideExclusive(def)) {
            return Optional.of("MS-SSIM needs the shorter image side to be larger than " + minSideExclusive(def)
                    + " pixels (4 downsamplings of a " + def.window() + "-pixel window), got "
                    + shape.get(d - 2) + "x" + shape.get(d - 1));
        }
        return Optional.empty();
    }

    /** MS-SSIM per image, shape {@code (N)}. */
    public static NDArray perImage(NDArray x, NDArray y, Definition def) {
        return perChannel(x, y, def).mean(new int[] {1});
    }

    /** The mean over images and channels, as {@code size_average=True}. */
    public static NDArray msSsim(NDArray x, NDArray y, Definition def) {
        return perChannel(x, y, def).mean();
    }

    /** MS-SSIM per image and channel, shape {@code (N,C)}, float32. */
    public static NDArray perChannel(NDArray x, NDArray y, Definition def) {
        if (def.isSkimage()) {
            throw new UserInputException("MS-SSIM is defined only with the pytorch-msssim SSIM, not '" + def.name() + "'");
        }
        Ssim.checkShapes(x, y, def);
        refusal(x.getShape(), def).ifPresent(r -> {
            throw new UserInputException(r);
        });
        NDManager parent = x.getManager();
        try (NDManager scope = parent.newSubManager()) {
            x.tempAttach(scope);
            y.tempAttach(scope);
            NDArray a = x.getShape().dimension() == 3 ? x.expandDims(0) : x;
            NDArray b = y.getShape().dimension() == 3 ? y.expandDims(0) : y;
            NDList terms = new NDList();
            NDArray lastSsim = null;
            for (int i = 0; i < WEIGHTS.length; i++) {
                NDArray[] sc = Ssim.ssimAndCs(a, b, def);
                if (i < WEIGHTS.length - 1) {
                    terms.add(Activation.relu(sc[1]));
                    Shape s = a.getShape();
                    Shape pad = new Shape(s.get(2) % 2, s.get(3) % 2);
                    a = Pool.avgPool2d(a, new Shape(2, 2), new Shape(2, 2), pad, false, true);
                    b = Pool.avgPool2d(b, new Shape(2, 2), new Shape(2, 2), pad, false, true);
                } else {
                    lastSsim = sc[0];
                }
            }
            terms.add(Activation.relu(lastSsim));
            NDArray stacked = NDArrays.stack(terms, 0); // (level, N, C)
            NDArray w = scope.create(WEIGHTS).reshape(-1, 1, 1);
            NDArray out = stacked.pow(w).prod(new int[] {0});
            out.attach(parent);
            return out;
        }
    }

    public static String describe(Definition def) {
        return "ms-ssim (pytorch-msssim): 5 scales, weights 0.0448/0.2856/0.3001/0.2363/0.1333, avg-pool 2x2 "
                + "padding (H mod 2, W mod 2) counted; per scale " + def.describe();
    }
}
