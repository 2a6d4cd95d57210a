package org.kdrestore.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * This machine's practical float32 peak: one 4096×4096 by 4096×4096 matrix product through
 * DJL (2·4096³ FLOPs). Every other figure can be read as a fraction of it.
 */
public final class MatmulPeak implements BenchCase {
    static final int N = 4096;
    private NDArray a;
    private NDArray b;

    @Override
    public String name() {
        return "matmul-4096";
    }

    @Override
    public String description() {
        return "float32 matmul 4096x4096 @ 4096x4096 (DJL)";
    }

    @Override
    public double flops() {
        return 2.0 * N * N * N;
    }

    @Override
    public void setUp(NDManager manager) {
        manager.getEngine().setRandomSeed(0);
        a = manager.randomNormal(new Shape(N, N));
        b = manager.randomNormal(new Shape(N, N));
    }

    @Override
    public void run(NDManager manager) {
        NDArray c = a.matMul(b);
        c.getFloat(0, 0); // forces completion on asynchronous devices
    }
}
