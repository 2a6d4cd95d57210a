package org.kdrestore.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;

class WeightsLoadIntoTest {
    @Test
    void torchSequentialCheckpointLoadsStrictlyAndReproducesTorchsForwardPass() throws IOException {
        try (NDManager m = Engines.newManager()) {
            SequentialBlock block = StateDictLoaderTest.convReluConv(m);
            StateDictLoader.Report r = Weights.loadInto(block, WeightsReadTest.fixture("seq.pth"), m, true);
            assertTrue(r.isClean());
            assertEquals(4, r.loaded());
            Map<String, NDArray> io = new HashMap<>();
            try (InputStream in = Files.newInputStream(WeightsReadTest.fixture("seq_io.npz"))) {
                for (NDArray a : NDList.decode(m, in)) {
                    io.put(a.getName(), a);
                }
            }
            NDArray y = block.forward(new ParameterStore(m, false), new NDList(io.get("x")), false).singletonOrThrow();
            assertEquals(io.get("y").getShape(), y.getShape());
            float maxDiff = y.sub(io.get("y")).abs().max().getFloat();
            assertTrue(maxDiff < 1e-5f, "max |djl - torch| = " + maxDiff);
        }
    }

    @Test
    void strictLoadOfTheWrongCheckpointListsEveryKeyAndShapeProblem() {
        try (NDManager m = Engines.newManager()) {
            SequentialBlock block = StateDictLoaderTest.convReluConv(m);
            WeightsMismatchException e = assertThrows(WeightsMismatchException.class,
                    () -> Weights.loadInto(block, WeightsReadTest.fixture("plain.pth"), m, true));
            StateDictLoader.Report r = e.report();
            assertEquals(java.util.List.of("0.weight", "0.bias", "2.weight", "2.bias"), r.missing());
            assertEquals(9, r.unexpected().size());
            assertTrue(e.getMessage().contains("plain.pth") && e.getMessage().contains("conv.weight")
                    && e.getMessage().contains("shared_b"), e.getMessage());
        }
    }

    @Test
    void strictLoadReportsShapeMismatchesWithBothShapes() throws IOException {
        try (NDManager m = Engines.newManager()) {
            // Same keys as seq.pth but the second conv has 5 output channels instead of 3.
            SequentialBlock block = new SequentialBlock()
                    .add(ai.djl.nn.convolutional.Conv2d.builder().setKernelShape(new ai.djl.ndarray.types.Shape(3, 3))
                            .optPadding(new ai.djl.ndarray.types.Shape(1, 1)).setFilters(4).build())
                    .add(ai.djl.nn.Activation.reluBlock())
                    .add(ai.djl.nn.convolutional.Conv2d.builder().setKernelShape(new ai.djl.ndarray.types.Shape(3, 3))
                            .optPadding(new ai.djl.ndarray.types.Shape(1, 1)).setFilters(5).build());
            block.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 3, 8, 8));
            WeightsMismatchException e = assertThrows(WeightsMismatchException.class,
                    () -> Weights.loadInto(block, WeightsReadTest.fixture("seq.pth"), m, true));
            assertEquals(2, e.report().shapeMismatches().size(), e.getMessage());
            assertTrue(e.getMessage().contains("2.weight model (5, 4, 3, 3) vs weights (3, 4, 3, 3)"), e.getMessage());
            StateDictLoader.Report r = Weights.loadInto(block, WeightsReadTest.fixture("seq.pth"), m, false);
            assertEquals(2, r.loaded());
            assertEquals(2, r.shapeMismatches().size());
        }
    }
}
