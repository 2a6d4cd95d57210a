package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a test fixture .npz (written by numpy) into name → array. */
public final class NpzFixtures {
    private NpzFixtures() {}

    public static Map<String, NDArray> read(NDManager m, String resource) {
        try (InputStream in = NpzFixtures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + resource + " (see tools/fixtures/)");
            }
            NDList list = NDList.decode(m, in.readAllBytes());
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (NDArray a : list) {
                out.put(a.getName(), a);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entries under {@code prefix + "/"}, with the prefix removed. */
    public static Map<String, NDArray> group(Map<String, NDArray> all, String prefix) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(prefix + "/")) {
                out.put(k.substring(prefix.length() + 1), v);
            }
        });
        return out;
    }

    public static double maxAbsDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }
}
