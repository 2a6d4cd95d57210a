package org.kdrestore.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kdrestore.model.Fixtures.maxAbsDiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.Fixtures;
import org.kdrestore.model.LayerNormType;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.weights.WeightsMismatchException;

class RestormerInferenceTest {
    static Restormer tiny(NDManager m) {
        return TeacherWeights.load(Fixtures.path("tiny_withbias.npz"), RestormerConfig.tiny(LayerNormType.WITH_BIAS, false), m);
    }

    @Test
    void reflectPaddingMirrorsWithoutRepeatingTheEdgeLikeTorch() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.arange(12f).reshape(1, 1, 3, 4);
            NDArray p = Padding.reflectBottomRight(x, 2, 3);
            assertEquals(new Shape(1, 1, 5, 7), p.getShape());
            // torch.nn.functional.pad(torch.arange(12.).reshape(1,1,3,4), (0,3,0,2), 'reflect')[0,0]
            float[] want = {0, 1, 2, 3, 2, 1, 0, 4, 5, 6, 7, 6, 5, 4, 8, 9, 10, 11, 10, 9, 8,
                4, 5, 6, 7, 6, 5, 4, 0, 1, 2, 3, 2, 1, 0};
            assertArrayEquals(want, p.toFloatArray());
            assertEquals(5, Padding.toMultiple(19, 8));
            assertEquals(0, Padding.toMultiple(16, 8));
        }
    }

    @Test
    void aTileCoveringTheImageGivesExactlyTheUntiledResult() {
        try (NDManager m = Engines.newManager()) {
            Restormer model = tiny(m);
            NDArray x = m.randomUniform(0f, 1f, new Shape(3, 30, 45));
            NDArray whole = new RestormerInference(model, RestormerInference.Options.upstream()).restore(x);
            NDArray tiled = new RestormerInference(model, RestormerInference.Options.upstream().withTile(64, 16)).restore(x);
            assertEquals(0f, maxAbsDiff(whole, tiled));
        }
    }

    @Test
    void tileOriginsCoverTheSideAndTheLastTileIsFlushWithTheEdge() {
        assertArrayEquals(new int[] {0, 24, 48, 72, 76}, RestormerInference.starts(108, 32, 8));
        assertArrayEquals(new int[] {0}, RestormerInference.starts(20, 32, 8));
        assertArrayEquals(new int[] {0, 32}, RestormerInference.starts(64, 32, 0));
    }

    @Test
    void featherWeightsRampAcrossTheOverlapOnlyAtInnerEdges() {
        try (NDManager m = Engines.newManager()) {
            RestormerInference inf = new RestormerInference(tiny(m), RestormerInference.Options.upstream().withTile(8, 3));
            // A tile at the top-left corner of a larger image: rows/cols fade only at the bottom/right.
            float[] w = inf.tileWeights(8, 8, 0, 0, 16, 16);
            assertEquals(1f, w[0]);
            assertEquals(0.25f, w[7], 1e-7); // last column: 1/(overlap+1)
            assertEquals(0.25f * 0.25f, w[63], 1e-7);
            assertEquals(0.5f, w[6], 1e-7);
        }
    }

    @Test
    void overlappingTilesAreBlendedByTheirWeights() {
        try (NDManager m = Engines.newManager()) {
            Restormer model = tiny(m);
            RestormerInference.Options o = RestormerInference.Options.upstream().withClamp(false).withTile(16, 8);
            RestormerInference inf = new RestormerInference(model, o);
            NDArray x = m.randomUniform(0f, 1f, new Shape(1, 3, 16, 24));
            NDArray tiled = inf.restore(x);
            // Two tiles along W: [0,16) and [8,24); columns 8..15 are shared.
            NDArray a = inf.whole(x.get(new NDIndex(":, :, :, 0:16")));
            NDArray b = inf.whole(x.get(new NDIndex(":, :, :, 8:24")));
            assertTrue(maxAbsDiff(a.get(new NDIndex(":, :, :, 0:8")), tiled.get(new NDIndex(":, :, :, 0:8"))) < 1e-6f);
            assertTrue(maxAbsDiff(b.get(new NDIndex(":, :, :, 8:16")), tiled.get(new NDIndex(":, :, :, 16:24"))) < 1e-6f);
            for (int j = 0; j < 8; j++) {
                float wa = (8 - j) / 9f; // tile a fades towards its right edge
                float wb = (j + 1) / 9f; // tile b fades in from its left edge
                NDArray want = a.get(new NDIndex(":, :, :, {}", 8 + j)).mul(wa).add(b.get(new NDIndex(":, :, :, {}", j)).mul(wb))
                        .div(wa + wb);
                assertTrue(maxAbsDiff(want, tiled.get(new NDIndex(":, :, :, {}", 8 + j))) < 1e-6f, "column " + (8 + j));
            }
            assertTrue(maxAbsDiff(tiled, inf.whole(x)) > 0f, "tiles see less context, so some pixels must differ");
        }
    }

    @Test
    void nonRgbInputIsRefusedWithItsShape() {
        try (NDManager m = Engines.newManager()) {
            RestormerInference inf = new RestormerInference(tiny(m), RestormerInference.Options.upstream());
            UserInputException e = assertThrows(UserInputException.class, () -> inf.restore(m.zeros(new Shape(4, 16, 16))));
            assertTrue(e.getMessage().contains("(4, 16, 16)"), e.getMessage());
            e = assertThrows(UserInputException.class, () -> inf.restore(m.zeros(new Shape(16, 16))));
            assertTrue(e.getMessage().contains("(16, 16)"), e.getMessage());
        }
    }

    @Test
    void withoutPaddingASideThatIsNotAMultipleOf8IsRefused() {
        try (NDManager m = Engines.newManager()) {
            RestormerInference inf = new RestormerInference(tiny(m), RestormerInference.Options.upstream().withPad(false));
            UserInputException e = assertThrows(UserInputException.class, () -> inf.restore(m.zeros(new Shape(3, 19, 16))));
            assertTrue(e.getMessage().contains("19x16"), e.getMessage());
            assertEquals(new Shape(3, 16, 24), inf.restore(m.zeros(new Shape(3, 16, 24))).getShape());
        }
    }

    @Test
    void missingOrMisshapenWeightsNameTheKey(@TempDir Path dir) throws Exception {
        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> sd = new java.util.LinkedHashMap<>(TeacherWeights.read(Fixtures.path("tiny_withbias.npz"), m));
            sd.remove("latent.0.attn.temperature");
            sd.put("output.weight", m.zeros(new Shape(3, 16, 3, 1)));
            Path bad = dir.resolve("bad.npz");
            org.kdrestore.weights.Weights.save(bad, sd);
            WeightsMismatchException e = assertThrows(WeightsMismatchException.class,
                    () -> TeacherWeights.load(bad, RestormerConfig.tiny(LayerNormType.WITH_BIAS, false), m));
            assertTrue(e.getMessage().contains("latent.0.attn.temperature"), e.getMessage());
            assertTrue(e.getMessage().contains("output.weight model (3, 16, 3, 3) vs weights (3, 16, 3, 1)"), e.getMessage());
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
            UserInputException missing = assertThrows(UserInputException.class,
                    () -> TeacherWeights.read(dir.resolve("nope.npz"), m));
            assertTrue(missing.getMessage().contains("nope.npz"));
        }
    }

    @Test
    void restoringLeavesOnlyTheInputAndTheResultAlive() {
        try (NDManager m = Engines.newManager()) {
            Restormer model = tiny(m);
            int modelArrays = m.getManagedArrays().size();
            for (RestormerInference.Options o : new RestormerInference.Options[] {
                RestormerInference.Options.upstream(), RestormerInference.Options.upstream().withTile(16, 8)}) {
                RestormerInference inf = new RestormerInference(model, o);
                try (NDManager run = m.newSubManager()) {
                    NDArray x = run.randomUniform(0f, 1f, new Shape(3, 30, 45));
                    inf.restore(x);
                    inf.restore(x);
                    assertEquals(3, run.getManagedArrays().size(), "input and two results, for " + o);
                }
                assertEquals(modelArrays, m.getManagedArrays().size(), "nothing left on the model's manager");
            }
        }
    }
}
