package org.kdrestore.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which malloc serves libtorch's tensors in this process. It matters for speed: glibc maps and
 * unmaps every block over 32 MB, so each large tensor costs fresh page faults (about 40% of the
 * teacher's CPU time at 540×960 was kernel time); tcmalloc, which the {@code ./kd-restore}
 * launcher preloads when it is installed, keeps and reuses them. Printed by {@code info}, the
 * bench and training logs so that every timing says which one it ran with.
 */
public final class NativeAllocator {
    private NativeAllocator() {}

    /** "tcmalloc (/path)", "jemalloc (/path)" or "glibc malloc", read from /proc/self/maps. */
    public static String describe() {
        List<String> maps;
        try {
            maps = Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException | UnsupportedOperationException e) {
            return "unknown (no /proc/self/maps)";
        }
        return describe(maps, System.getenv("GLIBC_TUNABLES"));
    }

    /** The glibc case names the malloc tunables in force (the launcher sets them when tcmalloc is absent). */
    static String describe(List<String> mapsLines, String glibcTunables) {
        String name = describe(mapsLines);
        if (!name.equals("glibc malloc") || glibcTunables == null) {
            return name;
        }
        List<String> malloc = java.util.Arrays.stream(glibcTunables.split(":")).filter(t -> t.startsWith("glibc.malloc.")).toList();
        return malloc.isEmpty() ? name : name + " (GLIBC_TUNABLES " + String.join(":", malloc) + ")";
    }

    static String describe(List<String> mapsLines) {
        for (String name : new String[] {"tcmalloc", "jemalloc"}) {
            for (String line : mapsLines) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.substring(line.lastIndexOf('/') + 1).startsWith("lib" + name)) {
                    return name + " (" + line.substring(slash).trim() + ")";
                }
            }
        }
        return "glibc malloc";
    }
}
