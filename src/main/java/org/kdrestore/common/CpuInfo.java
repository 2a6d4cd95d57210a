package org.kdrestore.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** This machine's CPU as {@code /proc/cpuinfo} describes it (Linux; elsewhere the architecture alone). */
public final class CpuInfo {
    private CpuInfo() {}

    /** The instruction-set features that decide whether bfloat16 has fast kernels (oneDNN's conditions). */
    static final List<String> BF16_FEATURES = List.of("avx512bw", "avx512vl", "avx512dq", "avx512_bf16", "amx_bf16", "avx_ne_convert");

    /** The model name and architecture, e.g. "AMD EPYC (amd64)". */
    public static String model() {
        String name = field("model name");
        return name == null ? System.getProperty("os.arch") : name + " (" + System.getProperty("os.arch") + ")";
    }

    /** The CPU's feature flags (empty when unknown). */
    public static Set<String> flags() {
        String f = field("flags");
        Set<String> out = new LinkedHashSet<>();
        if (f != null) {
            for (String s : f.split("\\s+")) {
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Which bfloat16-relevant features the CPU has and lacks, e.g. "has avx512bw, lacks avx512_bf16". */
    public static String bf16Flags() {
        Set<String> f = flags();
        if (f.isEmpty()) {
            return "CPU flags unknown";
        }
        List<String> has = BF16_FEATURES.stream().filter(f::contains).toList();
        List<String> lacks = BF16_FEATURES.stream().filter(x -> !f.contains(x)).toList();
        return (has.isEmpty() ? "has none of " + String.join(", ", lacks)
                : "has " + String.join(", ", has) + (lacks.isEmpty() ? "" : "; lacks " + String.join(", ", lacks)));
    }

    private static String field(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith(key) && line.indexOf(':') > 0 && line.substring(0, line.indexOf(':')).trim().equals(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return null;
    }
}
