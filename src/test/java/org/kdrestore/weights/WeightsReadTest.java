package org.kdrestore.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;

/** Every reader against PyTorch-written fixtures (tools/fixtures/weights_fixtures.py). */
class WeightsReadTest {
    static final List<String> KEYS = List.of("conv.weight", "conv.bias", "half", "bf16", "count", "transposed",
            "strided", "shared_a", "shared_b");
    static NDManager manager;
    static Map<String, NDArray> expected;

    static Path fixture(String name) {
        try {
            return Path.of(WeightsReadTest.class.getResource("/fixtures/weights/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void loadExpected() throws IOException {
        manager = Engines.newManager();
        expected = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(fixture("expected.npz"))) {
            for (NDArray a : NDList.decode(manager, in)) {
                expected.put(a.getName(), a);
            }
        }
        assertEquals(KEYS.size(), expected.size(), "npz names decoded by DJL: " + expected.keySet());
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** Same keys in file order, same shapes, same types and bit-identical values. */
    static void assertBitExact(StateDict sd, List<String> keys) {
        assertEquals(keys, List.copyOf(sd.tensors().keySet()));
        for (String k : keys) {
            NDArray want = expected.get(k);
            NDArray got = sd.tensors().get(k);
            assertEquals(want.getShape(), got.getShape(), k);
            assertEquals(want.getDataType(), got.getDataType(), k);
            assertArrayEquals(want.toByteArray(), got.toByteArray(), "bytes of " + k);
        }
    }

    @Test
    void zipCheckpointWithFileStemPrefixReadsEveryTensorBitExactIncludingViewsAndSharedStorage() throws IOException {
        try (StateDict sd = Weights.read(fixture("plain.pth"), manager)) {
            assertEquals("torch-zip", sd.format());
            assertEquals("plain/", sd.archivePrefix());
            assertNull(sd.wrapper());
            assertFalse(sd.modulePrefixStripped());
            assertBitExact(sd, KEYS);
            assertEquals("float16", sd.storedTypes().get("half"));
            assertEquals("bfloat16", sd.storedTypes().get("bf16"));
            assertEquals(DataType.FLOAT32, sd.tensors().get("half").getDataType());
            assertEquals(DataType.INT64, sd.tensors().get("count").getDataType());
            assertEquals(7L, sd.tensors().get("count").getLong());
        }
    }

    @Test
    void paramsWrapperIsUnwrappedAndNamedWithArchivePrefix() throws IOException {
        try (StateDict sd = Weights.read(fixture("params.pth"), manager)) {
            assertEquals("archive/", sd.archivePrefix());
            assertEquals("params", sd.wrapper());
            assertBitExact(sd, KEYS);
            assertTrue(sd.describe().contains("'params'"), sd.describe());
        }
    }

    @Test
    void stateDictWrapperAndModulePrefixAreRemoved() throws IOException {
        try (StateDict sd = Weights.read(fixture("module_prefix.pth"), manager)) {
            assertEquals("state_dict", sd.wrapper());
            assertTrue(sd.modulePrefixStripped());
            assertBitExact(sd, KEYS);
        }
    }

    @Test
    void legacyNonZipCheckpointReadsBitExact() throws IOException {
        try (StateDict sd = Weights.read(fixture("legacy.pth"), manager)) {
            assertEquals("torch-legacy", sd.format());
            assertBitExact(sd, KEYS);
        }
    }

    @Test
    void safetensorsReadsBitExactInHeaderOrder() throws IOException {
        try (StateDict sd = Weights.read(fixture("plain.safetensors"), manager)) {
            assertEquals("safetensors", sd.format());
            assertBitExact(sd, KEYS);
            assertEquals("bfloat16", sd.storedTypes().get("bf16"));
        }
    }

    @Test
    void npzReadsWithNames() throws IOException {
        try (StateDict sd = Weights.read(fixture("expected.npz"), manager)) {
            assertEquals("npz", sd.format());
            assertBitExact(sd, KEYS);
        }
    }

    @Test
    void parameterCountSumsEveryElement() throws IOException {
        try (StateDict sd = Weights.read(fixture("plain.pth"), manager)) {
            // 108 + 4 + 10 + 6 + 1 + 15 + 6 + 4 + 6
            assertEquals(160, sd.parameterCount());
        }
    }

    @Test
    void maliciousPickleCallingOsSystemIsRefusedByNameAndNothingRuns() {
        Path marker = Path.of("/tmp/kd-restore-weights-pwned");
        UnsafePickleException e = assertThrows(UnsafePickleException.class,
                () -> Weights.read(fixture("malicious_system.pth"), manager));
        assertEquals("posix.system", e.global());
        assertTrue(e.getMessage().contains("malicious_system.pth") && e.getMessage().contains("posix.system"),
                e.getMessage());
        assertFalse(Files.exists(marker), "the pickle's command ran");
    }

    @Test
    void maliciousPickleCallingEvalIsRefusedByName() {
        UnsafePickleException e = assertThrows(UnsafePickleException.class,
                () -> Weights.read(fixture("malicious_eval.pth"), manager));
        assertTrue(e.global().endsWith(".eval"), e.global());
    }

    @Test
    void unknownGlobalIsRefusedEvenWhenPyroliteKnowsIt() throws IOException {
        // Pyrolite maps _codecs.encode and builtins.set itself; the allow-list must still refuse them.
        byte[] pickle = {(byte) 0x80, 2, 'c', '_', 'c', 'o', 'd', 'e', 'c', 's', '\n', 'e', 'n', 'c', 'o', 'd', 'e', '\n',
            ')', 'R', '.'};
        SafeUnpickler u = new SafeUnpickler("mem", pid -> null);
        UnsafePickleException e = assertThrows(UnsafePickleException.class,
                () -> u.loadSafely(new java.io.ByteArrayInputStream(pickle)));
        assertEquals("_codecs.encode", e.global());
    }

    @Test
    void missingFileAndGarbageAreRefusedWithTheFileName(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.pth");
        UserInputException e = assertThrows(UserInputException.class, () -> Weights.read(missing, manager));
        assertTrue(e.getMessage().contains("nope.pth"), e.getMessage());
        Path garbage = Files.writeString(dir.resolve("garbage.pth"), "hello, not weights");
        e = assertThrows(UserInputException.class, () -> Weights.read(garbage, manager));
        assertTrue(e.getMessage().contains("garbage.pth"), e.getMessage());
    }

    @Test
    void truncatedZipCheckpointIsRefusedWithTheFileName(@TempDir Path dir) throws IOException {
        byte[] all = Files.readAllBytes(fixture("plain.pth"));
        Path cut = Files.write(dir.resolve("cut.pth"), java.util.Arrays.copyOf(all, all.length / 2));
        UserInputException e = assertThrows(UserInputException.class, () -> Weights.read(cut, manager));
        assertTrue(e.getMessage().contains("cut.pth"), e.getMessage());
    }

    @Test
    void savedSafetensorsAndNpzReadBackIdentically(@TempDir Path dir) throws IOException {
        try (StateDict sd = Weights.read(fixture("plain.pth"), manager)) {
            for (String name : List.of("w.safetensors", "w.npz")) {
                Path out = dir.resolve(name);
                Weights.save(out, sd.tensors());
                try (StateDict back = Weights.read(out, manager)) {
                    assertBitExact(back, KEYS);
                }
            }
            UserInputException e = assertThrows(UserInputException.class,
                    () -> Weights.save(dir.resolve("w.pth"), sd.tensors()));
            assertTrue(e.getMessage().contains("w.pth"), e.getMessage());
        }
    }

    @Test
    void halfToFloatIsExactOnSpecialValues() {
        assertEquals(Float.floatToIntBits(1f), Float.floatToIntBits(RawTensor.halfToFloat((short) 0x3c00)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(RawTensor.halfToFloat((short) 0x8000)));
        assertEquals(0x1p-24f, RawTensor.halfToFloat((short) 0x0001));
        assertEquals(65504f, RawTensor.halfToFloat((short) 0x7bff));
        assertEquals(Float.NEGATIVE_INFINITY, RawTensor.halfToFloat((short) 0xfc00));
        assertTrue(Float.isNaN(RawTensor.halfToFloat((short) 0x7e00)));
    }
}
