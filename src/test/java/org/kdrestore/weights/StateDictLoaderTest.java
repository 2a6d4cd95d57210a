package org.kdrestore.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;

class StateDictLoaderTest {
    static SequentialBlock convReluConv(NDManager m) {
        SequentialBlock b = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(4).build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(3).build());
        b.initialize(m, DataType.FLOAT32, new Shape(1, 3, 8, 8));
        return b;
    }

    @Test
    void sequentialChildrenAreNamedByTheirZeroBasedIndexLikeTorch() {
        try (NDManager m = Engines.newManager()) {
            assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"),
                    List.copyOf(ParameterNames.of(convReluConv(m)).keySet()));
        }
    }

    @Test
    void strictLoadCopiesEveryValue() {
        try (NDManager m = Engines.newManager()) {
            SequentialBlock b = convReluConv(m);
            Map<String, NDArray> sd = new LinkedHashMap<>();
            sd.put("0.weight", m.arange(4 * 3 * 9f).reshape(4, 3, 3, 3));
            sd.put("0.bias", m.create(new float[] {1, 2, 3, 4}));
            sd.put("2.weight", m.ones(new Shape(3, 4, 3, 3)).mul(0.5f));
            sd.put("2.bias", m.create(new float[] {-1, 0, 1}));
            StateDictLoader.Report r = StateDictLoader.load(b, sd, true, "test");
            assertTrue(r.isClean());
            assertEquals(4, r.loaded());
            assertArrayEquals(new float[] {1, 2, 3, 4}, ParameterNames.of(b).get("0.bias").getArray().toFloatArray());
            assertEquals(4 * 3 * 9 - 1, ParameterNames.of(b).get("0.weight").getArray().max().getFloat(), 0f);
        }
    }

    @Test
    void strictLoadListsEveryMissingUnexpectedAndMisshapenKeyAndCopiesNothing() {
        try (NDManager m = Engines.newManager()) {
            SequentialBlock b = convReluConv(m);
            float before = ParameterNames.of(b).get("0.weight").getArray().sum().getFloat();
            Map<String, NDArray> sd = new LinkedHashMap<>();
            sd.put("0.weight", m.zeros(new Shape(4, 3, 3, 3)));
            sd.put("0.bias", m.zeros(new Shape(5)));
            sd.put("2.weight", m.zeros(new Shape(3, 4, 3, 3)));
            sd.put("extra.weight", m.zeros(new Shape(1)));
            WeightsMismatchException e = assertThrows(WeightsMismatchException.class,
                    () -> StateDictLoader.load(b, sd, true, "w.pth"));
            String msg = e.getMessage();
            assertTrue(msg.contains("w.pth") && msg.contains("2.bias") && msg.contains("extra.weight")
                    && msg.contains("0.bias model (4) vs weights (5)"), msg);
            assertEquals(before, ParameterNames.of(b).get("0.weight").getArray().sum().getFloat(), 0f);
        }
    }

    @Test
    void nonStrictLoadReportsTheSameListsAndLoadsWhatMatches() {
        try (NDManager m = Engines.newManager()) {
            SequentialBlock b = convReluConv(m);
            Map<String, NDArray> sd = Map.of("0.bias", m.create(new float[] {9, 9, 9, 9}), "x", m.zeros(new Shape(1)));
            StateDictLoader.Report r = StateDictLoader.load(b, sd, false, "w");
            assertEquals(List.of("0.weight", "2.weight", "2.bias"), r.missing());
            assertEquals(List.of("x"), r.unexpected());
            assertEquals(1, r.loaded());
            assertEquals(36f, ParameterNames.of(b).get("0.bias").getArray().sum().getFloat(), 0f);
        }
    }
}
