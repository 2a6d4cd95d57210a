package org.kdrestore.data;

import nu.pattern.OpenCV;
import org.opencv.core.Core;

/**
 * The one place that loads OpenCV's native library (the openpnp build bundles it per platform).
 * Call {@link #load()} before any OpenCV call; it is idempotent and thread-safe.
 */
public final class OpenCv {
    private OpenCv() {}

    private static volatile boolean loaded;

    public static synchronized void load() {
        if (!loaded) {
            OpenCV.loadLocally();
            loaded = true;
        }
    }

    /** OpenCV's version string, e.g. {@code 4.9.0}; recorded in manifests. */
    public static String version() {
        load();
        return Core.VERSION;
    }
}
