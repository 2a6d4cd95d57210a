package org.kdrestore.train;

import org.kdrestore.common.Bf16;
import org.kdrestore.common.UserInputException;

/** What {@code train.precision} means on this machine, for the log and run.json; refuses bf16 where it would crawl. */
public final class Precision {
    private Precision() {}

    /**
     * A one-line description of the precision {@code t} asks for.
     *
     * @throws UserInputException for {@code bf16} where the engine has no fast bfloat16 kernels:
     *     libtorch would compute it in reference loops, 20–200× slower than float32
     */
    public static String check(TrainConfig.Train t) {
        if (!t.bf16()) {
            return "float32 (every operation in float32)";
        }
        java.util.Optional<String> slow = Bf16.unsupportedReason();
        if (slow.isPresent() && Boolean.getBoolean(Bf16.ALLOW_SLOW)) {
            return "bf16 in reference loops (" + Bf16.ALLOW_SLOW + " is set: " + slow.get() + ")";
        }
        slow.ifPresent(reason -> {
            throw new UserInputException("train.precision=bf16 is not available here: " + reason
                    + "; use train.precision=float32 (bfloat16 would run in reference loops, 20-200x slower than float32)");
        });
        return "bf16 (convolutions and matrix products of the trained network and of the frozen VGG16 in bfloat16;"
                + " master weights, Adam state, losses and SSIM in float32; validation in float32)";
    }
}
