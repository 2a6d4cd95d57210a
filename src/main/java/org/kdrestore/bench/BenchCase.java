package org.kdrestore.bench;

import ai.djl.ndarray.NDManager;

/**
 * One benchmark case. {@link #setUp} builds inputs and models once; {@link #run} is timed,
 * after warm-up, {@code repeats} times, each inside its own sub-manager so memory is freed.
 */
public interface BenchCase {
    String name();

    /** What one run does, for the table. */
    String description();

    /** Floating-point operations of one run, counted from the layer shapes; 0 when unknown. */
    default double flops() {
        return 0;
    }

    /**
     * Whether this case trains a network, so that {@code bench --precision bf16} runs it with
     * bfloat16 products ({@code common.Bf16}), as {@code train.precision: bf16} would.
     */
    default boolean trains() {
        return false;
    }

    void setUp(NDManager manager) throws Exception;

    void run(NDManager manager) throws Exception;
}
