package org.kdrestore.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the golden npz files written by tools/fixtures/metric_golden.py (upstream Python code).
 * Images are stored as uint8; {@link #image} turns them into float32 by the same q / 255f the
 * script used, so both sides see identical inputs.
 */
public final class Fixtures {
    private final Map<String, NDArray> arrays = new HashMap<>();

    public Fixtures(NDManager manager, String file) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/metric/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + file + "; run tools/fixtures/metric_golden.py");
            }
            NDList list = NDList.decode(manager, in);
            for (NDArray a : list) {
                arrays.put(a.getName(), a);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public NDArray get(String name) {
        NDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no array " + name + " in fixture; have " + arrays.keySet());
        }
        return a;
    }

    public boolean has(String name) {
        return arrays.containsKey(name);
    }

    public NDArray image(String name) {
        return get(name).toType(DataType.FLOAT32, false).div(255f);
    }

    public double scalar(String name) {
        return get(name).toType(DataType.FLOAT64, false).getDouble();
    }

    public double[] doubles(String name) {
        return get(name).toType(DataType.FLOAT64, false).toDoubleArray();
    }

    public static double[] doubles(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
