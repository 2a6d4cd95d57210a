package org.kdrestore.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;

class ConvGradProbeTest {
    static double[] grads(NDManager m, NDArray x, NDArray w, NDArray r, DataType dt, int pad) { return grads(m,x,w,r,dt,pad,false,1); }
    static double[] grads(NDManager m, NDArray x, NDArray w, NDArray r, DataType dt, int pad, boolean fixed, int groups) {
        NDArray xx = x.toType(dt, true);
        NDArray ww = w.toType(dt, true);
        NDArray rr = r.toType(dt, true);
        xx.setRequiresGradient(true);
        ww.setRequiresGradient(true);
        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
            NDArray y = fixed ? org.kdrestore.common.Convolution.conv2d(xx, ww, null, pad, pad, groups) : Conv2d.conv2d(xx, ww, null, new Shape(1, 1), new Shape(pad, pad), new Shape(1, 1), groups).singletonOrThrow();
            gc.backward(y.mul(rr).sum());
        }
        double[] gx = xx.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        double[] gw = ww.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        double[] out = new double[gx.length + gw.length];
        System.arraycopy(gx, 0, out, 0, gx.length);
        System.arraycopy(gw, 0, out, gx.length, gw.length);
        return out;
    }

    @Test
    void probe() {
        int[][] shapes = {{64,3},{64,4},{64,8},{64,12},{128,3},{16,4},{16,8},{32,8},{32,3},{16,3},{3,3},{64,16},{32,16},{64,32},{3,64},{3,16},{64,64},{48,24},{24,24},{96,48},{64,20},{64,24},{64,17},{64,30},{64,40},{8,8},{4,4},{4,3},{24,32},{40,16},{8,16},{17,16},{24,8},{3,3,3},{32,32,32},{24,24,24},{96,96,96},{40,40,40},{8,8,8}};
        boolean fixed = Boolean.getBoolean("fixed");
        int k = Integer.getInteger("k", 3);
        int n = Integer.getInteger("n", 2);
        int hw = Integer.getInteger("hw", 12);
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(1);
            for (int[] s : shapes) {
                NDArray x = m.randomUniform(-1f, 1f, new Shape(n, s[0], hw, hw));
                int g = s.length > 2 ? s[2] : 1;
                NDArray w = m.randomUniform(-0.3f, 0.3f, new Shape(s[1], s[0] / g, k, k));
                NDArray r = m.randomUniform(-1f, 1f, new Shape(n, s[1], hw, hw));
                double[] a = grads(m, x, w, r, DataType.FLOAT32, k / 2, fixed, g);
                double[] b = grads(m, x, w, r, DataType.FLOAT64, k / 2, false, g);
                int nx = (int) x.size();
                double dx = 0, dw = 0, mx = 0;
                for (int i = 0; i < a.length; i++) {
                    double d = Math.abs(a[i] - b[i]);
                    if (Double.isNaN(a[i])) d = Double.NaN;
                    if (i < nx) { dx = Double.isNaN(d) || Double.isNaN(dx) ? Double.NaN : Math.max(dx, d); mx = Math.max(mx, Math.abs(b[i])); }
                    else dw = Double.isNaN(d) || Double.isNaN(dw) ? Double.NaN : Math.max(dw, d);
                }
                System.out.printf("PROBE k%d g%d %3d->%3d  dx %.3g (max %.3g)  dw %.3g%n", k, g, s[0], s[1], dx, mx, dw);
            }
        }
    }
}
