package org.kdrestore.data;

import nu.pattern.OpenCV;
import org.opencv.core.Core;

/**
 * The one place that loads OpenCV's native library (the openpnp build bundles it per platform).
 * Call {@link #load()} before any OpenCV call; it is idempotent and thread-safe.
 *
 * <p>It also turns off OpenCV's CPU-dispatched SIMD kernels ({@code cv::setUseOptimized(false)}).
 * Why: in the bundled OpenCV 4.9 the AVX2/AVX-512 {@code INTER_CUBIC} resize is off by one on
 * some pixels (on our test card, x5 nearest->cubic: 46,590 values; on real photos, x4
 * area->cubic: about 1 value in 10^6), so results would depend on the CPU and differ from
 * OpenCV-Python. The portable kernels match Debian's OpenCV-Python pixel for pixel
 * (tests: {@code DegradationTest}); they are slower, which costs little at 960x540.
 */
public final class OpenCv {
    private OpenCv() {}

    private static volatile boolean loaded;

    public static synchronized void load() {
        if (!loaded) {
            OpenCV.loadLocally();
            loaded = true;
        }
        if (Core.useOptimized()) { // also undoes a later setUseOptimized(true) elsewhere
            Core.setUseOptimized(false);
        }
    }

    /** Whether OpenCV's SIMD kernels are on (false after {@link #load()}; recorded for reproducibility). */
    public static boolean optimized() {
        load();
        return Core.useOptimized();
    }

    /** OpenCV's version string, e.g. {@code 4.9.0}; recorded in manifests. */
    public static String version() {
        load();
        return Core.VERSION;
    }
}
