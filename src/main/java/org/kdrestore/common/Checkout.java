package org.kdrestore.common;

import java.nio.file.Path;

/** The repository checkout the tool runs from, and paths relative to it. */
public final class Checkout {
    private Checkout() {}

    /** {@code $KD_RESTORE_HOME} (set by the launcher), else the working directory; absolute and normalised. */
    public static Path home() {
        String h = System.getenv("KD_RESTORE_HOME");
        Path p = h != null && !h.isBlank() ? Path.of(h) : Path.of("");
        return p.toAbsolutePath().normalize();
    }

    /**
     * {@code text} with every absolute path inside the checkout written relative to it
     * ({@code /home/u/kd-restore/work/demo/x} becomes {@code work/demo/x}), so that a committed
     * report reads the same from any clone.
     */
    public static String relativize(String text) {
        String prefix = home().toString();
        if (prefix.equals("/")) {
            return text;
        }
        return text.replace(prefix + "/", "").replace(prefix, ".");
    }
}
