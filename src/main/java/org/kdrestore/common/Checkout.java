package org.kdrestore.common;

import java.nio.file.Path;

/** The repository checkout the tool runs from, and paths relative to it. */
public final class Checkout {
    private Checkout() {}

    /**
     * {@code $KD_RESTORE_HOME} (set by the launcher and the installed kernel), else the first folder
     * upwards from the working directory that holds {@code data-sample/} and {@code pom.xml} (a
     * notebook's folder, the Spark module's), else the working directory; absolute and normalised.
     */
    public static Path home() {
        String h = System.getenv("KD_RESTORE_HOME");
        if (h != null && !h.isBlank()) {
            return Path.of(h).toAbsolutePath().normalize();
        }
        Path cwd = Path.of("").toAbsolutePath().normalize();
        return find(cwd).orElse(cwd);
    }

    /** The first folder from {@code start} upwards that holds {@code data-sample/} and {@code pom.xml}. */
    public static java.util.Optional<Path> find(Path start) {
        for (Path p = start.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (java.nio.file.Files.isDirectory(p.resolve("data-sample")) && java.nio.file.Files.isRegularFile(p.resolve("pom.xml"))) {
                return java.util.Optional.of(p);
            }
        }
        return java.util.Optional.empty();
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
