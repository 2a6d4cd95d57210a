package org.kdrestore.common;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The one place that starts DJL. It forces offline mode unless the user set
 * {@code ai.djl.offline} explicitly, so nothing tries the network at run time, and picks the
 * PyTorch engine. The device is the GPU when DJL sees one, else the CPU; {@code KD_RESTORE_DEVICE}
 * (e.g. {@code cpu}, {@code gpu0}) overrides.
 */
public final class Engines {
    private Engines() {}

    static {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("ai.djl.default_engine") == null) {
            System.setProperty("ai.djl.default_engine", "PyTorch");
        }
    }

    public static Engine engine() {
        return Engine.getEngine("PyTorch");
    }

    public static Device device() {
        String forced = System.getenv("KD_RESTORE_DEVICE");
        if (forced != null && !forced.isBlank()) {
            return Device.fromName(forced.trim());
        }
        Engine e = engine();
        return e.getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    public static NDManager newManager() {
        return engine().newBaseManager(device());
    }

    /**
     * Whether an operation on these arrays may have to carry a gradient: inside a
     * {@code GradientCollector} (PyTorch grad mode on) or on an array that requires one. DJL's
     * {@code hasGradient()} alone is false for intermediate results of a recorded graph, so it
     * cannot tell on its own. Fast paths that bypass autograd must check this.
     */
    public static boolean gradientWanted(NDArray... arrays) {
        if (ai.djl.pytorch.jni.JniUtils.isGradMode()) {
            return true;
        }
        for (NDArray a : arrays) {
            if (a.hasGradient()) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code f} with PyTorch's grad mode off on this thread (as {@code torch.no_grad()}), then
     * restored: for values that are constants of a loss (targets' features), so no graph is
     * recorded for them and the no-gradient fast paths apply.
     */
    public static <T> T withoutGradient(java.util.function.Supplier<T> f) {
        boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            return f.get();
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(was);
        }
    }

    /** One line for logs: engine, version, device. */
    public static String describe() {
        Engine e = engine();
        return "DJL " + Engine.getDjlVersion() + ", engine " + e.getEngineName() + " " + e.getVersion()
                + ", device " + device() + " (GPUs visible: " + e.getGpuCount() + "), malloc " + NativeAllocator.describe();
    }
}
