package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.weights.StateDictLoader;

class StudentCnnTest {
    static final String FORWARD = "/fixtures/student/forward.npz";

    static StudentCnn loaded(NDManager m, StudentConfig c, Map<String, NDArray> all, String group) {
        StudentCnn net = StudentCnn.create(c, m, 0);
        Map<String, NDArray> sd = NpzFixtures.group(all, group);
        sd.keySet().removeIf(k -> k.contains("input") || k.contains("output"));
        assertTrue(StateDictLoader.load(net, sd, true, "forward.npz " + group).isClean());
        return net;
    }

    @Test
    void parameterNamesEqualThePytorchStateDictKeys() {
        try (NDManager m = Engines.newManager()) {
            StudentCnn net = StudentCnn.create(StudentConfig.seed(), m, 0);
            assertEquals(List.of("encoder.0.weight", "encoder.0.bias", "middle.0.weight", "middle.0.bias",
                    "decoder.1.weight", "decoder.1.bias"), List.copyOf(net.namedParameters().keySet()));
            assertEquals(3 * 64 * 9 + 64 + 64 * 64 * 9 + 64 + 64 * 3 * 9 + 3, net.parameterCount());
        }
    }

    @Test
    void seedStudentMatchesPytorchOutput() {
        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> all = NpzFixtures.read(m, FORWARD);
            StudentCnn net = loaded(m, StudentConfig.seed(), all, "seed");
            NDArray y = net.predict(all.get("seed/input"));
            assertEquals(all.get("seed/output").getShape(), y.getShape());
            assertTrue(NpzFixtures.maxAbsDiff(y, all.get("seed/output")) < 1e-5);
        }
    }

    @Test
    void oddSizedInputKeepsItsSizeByReplicatePaddingAndCropping() {
        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> all = NpzFixtures.read(m, FORWARD);
            StudentCnn net = loaded(m, StudentConfig.seed(), all, "seed");
            NDArray y = net.predict(all.get("seed/odd_input"));
            assertEquals(new Shape(1, 3, 13, 21), y.getShape());
            assertTrue(NpzFixtures.maxAbsDiff(y, all.get("seed/odd_output")) < 1e-5);
        }
    }

    @Test
    void widthDepthBilinearVariantWithoutReluMatchesPytorch() {
        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> all = NpzFixtures.read(m, FORWARD);
            StudentCnn net = loaded(m, new StudentConfig(16, 2, "bilinear", false, false), all, "fixed");
            assertTrue(NpzFixtures.maxAbsDiff(net.predict(all.get("fixed/input")), all.get("fixed/output")) < 1e-5);
        }
    }

    @Test
    void seedReluBeforeSigmoidCanNeverOutputBelowOneHalf() {
        try (NDManager m = Engines.newManager()) {
            // Drive the last convolution strongly negative: the seed still outputs exactly 0.5
            // (sigmoid(relu(z)) >= sigmoid(0)); the fixed preset reaches near 0.
            for (String preset : List.of("seed", "seed-fixed")) {
                StudentCnn net = StudentCnn.create(StudentConfig.preset(preset), m, 3);
                net.namedParameters().get("decoder.1.bias").getArray().set(new float[] {-20, -20, -20});
                NDArray y = net.predict(m.zeros(new Shape(1, 3, 16, 16)));
                float min = y.min().getFloat();
                if (preset.equals("seed")) {
                    assertEquals(0.5f, min, 0f);
                } else {
                    assertTrue(min < 1e-6, "seed-fixed min " + min);
                }
            }
            StudentCnn seed = StudentCnn.create(StudentConfig.seed(), m, 4);
            assertTrue(seed.predict(m.randomUniform(0, 1, new Shape(2, 3, 32, 32))).min().getFloat() >= 0.5f);
        }
    }

    @Test
    void residualPresetStartsAsTheIdentity() {
        try (NDManager m = Engines.newManager()) {
            StudentCnn net = StudentCnn.create(StudentConfig.preset("seed-residual"), m, 5);
            assertEquals(0f, net.namedParameters().get("decoder.1.weight").getArray().abs().max().getFloat());
            assertTrue(net.namedParameters().get("encoder.0.weight").getArray().abs().max().getFloat() > 0);
            NDArray x = m.randomUniform(0, 1, new Shape(1, 3, 9, 10));
            assertArrayEquals(x.toFloatArray(), net.predict(x).toFloatArray(), 0f);
        }
    }

    @Test
    void initialisationIsDeterministicAndWithinTorchBounds() {
        try (NDManager m = Engines.newManager()) {
            StudentCnn a = StudentCnn.create(StudentConfig.seed(), m, 7);
            StudentCnn b = StudentCnn.create(StudentConfig.seed(), m, 7);
            NDArray wa = a.namedParameters().get("middle.0.weight").getArray();
            assertArrayEquals(wa.toFloatArray(), b.namedParameters().get("middle.0.weight").getArray().toFloatArray(), 0f);
            assertTrue(wa.abs().max().getFloat() <= 1 / Math.sqrt(64 * 9));
        }
    }

    @Test
    void badConfigValuesNameTheKey() {
        UserInputException e = assertThrows(UserInputException.class, () -> new StudentConfig(64, 1, "cubic", true, false));
        assertTrue(e.getMessage().contains("student.upsample"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> StudentConfig.preset("nope"));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }
}
