package org.kdrestore.common;

import java.util.concurrent.Callable;
import org.junit.jupiter.api.Assumptions;
import org.kdrestore.train.ConvGradientCheck;

/** Runs a training with bf16 allowed in reference loops ({@link Bf16#ALLOW_SLOW}) for tests on tiny sets, on any CPU. */
public final class SlowBf16 {
    private SlowBf16() {}

    /**
     * {@code training} with the test hook set, then the property as it was. Where oneDNN's own
     * bfloat16 kernels run and the gradient self-check refuses them, the test is aborted with that
     * message: training refuses bf16 there, which is what a user sees.
     */
    public static <T> T run(Callable<T> training) throws Exception {
        String before = System.getProperty(Bf16.ALLOW_SLOW);
        System.setProperty(Bf16.ALLOW_SLOW, "true");
        try {
            return training.call();
        } catch (ConvGradientCheck.EngineGradientError e) {
            Assumptions.abort("bf16 refused by the gradient self-check on this CPU: " + e.getMessage());
            throw e;
        } finally {
            if (before == null) {
                System.clearProperty(Bf16.ALLOW_SLOW);
            } else {
                System.setProperty(Bf16.ALLOW_SLOW, before);
            }
        }
    }
}
