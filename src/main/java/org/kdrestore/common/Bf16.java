package org.kdrestore.common;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * bfloat16 compute for the networks' convolutions and matrix products, the way
 * {@code torch.autocast("cpu", dtype=torch.bfloat16)} gives it to PyTorch users: inside a
 * {@link #scope()} on this thread, {@code model.Conv} (and the attention's products) cast their
 * operands to bfloat16, compute, and hand back float32. Everything else stays float32: the
 * parameters (master weights), the optimizer state, activations between layers, losses, SSIM
 * and metrics. Unlike autocast, each product's result is cast back to float32 at once, so no
 * other operation ever sees bfloat16.
 *
 * <p>How: DJL's PyTorch JNI has no bfloat16 data type (its dtype switch ends at complex64, and
 * asking for bfloat16 aborts the process), so the casts run inside a small TorchScript module,
 * {@code bf16-ops.pt}, written by {@code tools/make_bf16_ops.py}. Autograd records through it
 * like any libtorch operation, so gradients reach the float32 parameters.
 *
 * <p>Where the engine has no fast bfloat16 kernels (oneDNN needs AVX-512 BW/VL/DQ or
 * AVX-NE-CONVERT on x86), libtorch still computes bfloat16 but in reference loops, 20–200×
 * slower than float32 (measured on an AVX2-only CPU); {@link #unsupportedReason()} says so and
 * training refuses {@code train.precision: bf16} there.
 */
public final class Bf16 {
    private Bf16() {}

    /**
     * Test hook: with this system property {@code true}, training takes bf16 even where it would
     * run in reference loops (tests use tiny tensors, where speed does not matter).
     */
    public static final String ALLOW_SLOW = "kdrestore.bf16.allowSlow";

    private static final ThreadLocal<Boolean> ACTIVE = ThreadLocal.withInitial(() -> false);
    private static volatile PtSymbolBlock ops;
    private static volatile Optional<String> unsupported;

    /** Ends the bfloat16 scope it opened (restores what was active before). */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** bfloat16 products on this thread until the returned scope closes (as {@code with torch.autocast(...)}). */
    public static Scope scope() {
        return scope(true);
    }

    /** A scope that turns bfloat16 on or, with {@code on} false, leaves things as they are: for a precision setting. */
    public static Scope scope(boolean on) {
        boolean before = ACTIVE.get();
        if (on) {
            ACTIVE.set(true);
        }
        return () -> ACTIVE.set(before);
    }

    /** Whether products on this thread run in bfloat16 now. */
    public static boolean active() {
        return ACTIVE.get();
    }

    /**
     * Empty when this device computes bfloat16 convolutions with fast kernels (a GPU, or a CPU
     * whose oneDNN has bfloat16 kernels); else why not, naming the CPU. Probed once per process.
     */
    public static Optional<String> unsupportedReason() {
        Optional<String> u = unsupported;
        if (u == null) {
            synchronized (Bf16.class) {
                if (unsupported == null) {
                    unsupported = probe();
                }
                u = unsupported;
            }
        }
        return u;
    }

    private static Optional<String> probe() {
        if (!"cpu".equals(Engines.device().getDeviceType())) {
            return Optional.empty();
        }
        try (NDManager m = Engines.engine().newBaseManager(ai.djl.Device.cpu())) {
            NDArray x = m.ones(new ai.djl.ndarray.types.Shape(1, 2, 4, 4));
            call("fast_path_probe", x).close();
            return Optional.empty();
        } catch (RuntimeException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            String cause = msg.lines().filter(l -> l.startsWith("RuntimeError:")).findFirst()
                    .map(l -> l.substring("RuntimeError:".length()).trim()).orElse(msg.lines().findFirst().orElse(msg));
            return Optional.of("the engine has no fast bfloat16 kernels on this CPU (" + CpuInfo.model() + ", "
                    + CpuInfo.bf16Flags() + "): " + cause);
        }
    }

    /** {@code conv2d} of float32 {@code x}, {@code weight}, {@code bias} (may be null) computed in bfloat16; float32 out. */
    public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias) {
        return bias == null ? call("conv_nobias", x, weight) : call("conv", x, weight, bias);
    }

    /** {@code a · b} (torch.matmul's broadcasting) computed in bfloat16; float32 out. */
    public static NDArray matMul(NDArray a, NDArray b) {
        return call("matmul", a, b);
    }

    /**
     * A bias-free 1×1 convolution ({@code weight}: Cout×Cin×1×1) followed by a bias-free
     * "same" depthwise one ({@code depthwise}: Cout×1×k×k), in one bfloat16 call: the wide
     * tensor between them stays bfloat16. Float32 out, channels-last memory behind the NCHW shape.
     */
    public static NDArray pointwiseDepthwise(NDArray x, NDArray weight, NDArray depthwise) {
        return call("pointwise_depthwise", x, weight, depthwise);
    }

    /**
     * {@code x} (float32) as a bfloat16 tensor in channels-last memory, for the frozen-network
     * ops below ({@link #convReluFrozen}, {@link #maxPool2x2}, {@link #toFloat32}). Java cannot
     * read it (DJL reports its type as unknown); it only passes it on and closes it.
     */
    public static NDArray toBf16ChannelsLast(NDArray x) {
        return call("to_bf16_channels_last", x);
    }

    /** ReLU of a "same"-padded convolution, all in bfloat16: {@code h} from {@link #toBf16ChannelsLast}, frozen {@code weight} and {@code bias} from {@link #castFrozen}. */
    public static NDArray convReluFrozen(NDArray h, NDArray weight, NDArray bias) {
        return call("conv_relu_bf16", h, weight, bias);
    }

    /** 2×2 max-pooling with stride 2 of a bfloat16 tensor (the engine's, so a gradient routes ties as PyTorch's). */
    public static NDArray maxPool2x2(NDArray h) {
        return call("max_pool2x2_bf16", h);
    }

    /** A bfloat16 tensor back in float32, contiguous NCHW memory. */
    public static NDArray toFloat32(NDArray h) {
        return call("to_float32", h);
    }

    /**
     * A frozen weight's bfloat16 copy, to be passed back to {@link #conv2d} instead of the
     * float32 weight (the cast then costs nothing per call). Java cannot read its values (DJL
     * reports its type as unknown); it lives in {@code weight}'s manager.
     */
    public static NDArray castFrozen(NDArray weight) {
        return call("cast", weight);
    }

    private static NDArray call(String method, NDArray... in) {
        NDManager m = in[0].getManager();
        NDList list = new NDList(in.length + 1);
        for (NDArray a : in) {
            list.add(a);
        }
        // DJL's forward takes the method to run from an array with this name (the array itself is not passed)
        NDArray tag = m.create(0f);
        tag.setName("module_method:" + method);
        list.add(tag);
        try {
            return IValueUtils.forward(module(), list, true).singletonOrThrow();
        } finally {
            tag.close();
        }
    }

    private static PtSymbolBlock module() {
        PtSymbolBlock o = ops;
        if (o == null) {
            synchronized (Bf16.class) {
                if (ops == null) {
                    // a manager that lives as long as the process: the module is shared by every thread
                    PtNDManager holder = (PtNDManager) Engines.engine().newBaseManager(Engines.device());
                    try (InputStream in = Bf16.class.getResourceAsStream("bf16-ops.pt")) {
                        if (in == null) {
                            throw new IllegalStateException("bf16-ops.pt is missing from the jar (tools/make_bf16_ops.py writes it)");
                        }
                        ops = JniUtils.loadModule(holder, in, true, false);
                    } catch (IOException e) {
                        throw new UncheckedIOException("reading bf16-ops.pt", e);
                    }
                }
                o = ops;
            }
        }
        return o;
    }
}
