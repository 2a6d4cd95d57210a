package org.kdrestore.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.UserInputException;

class SafeUnpicklerTest {
    static Object unpickle(byte[] bytes) throws Exception {
        return new SafeUnpickler("test.pkl", pid -> null).loadSafely(new ByteArrayInputStream(bytes));
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void stackGlobalOfProtocolFourIsCheckedAgainstTheAllowList() {
        // pickle.dumps(os.system, protocol=4)
        byte[] p = bytes(128, 4, 149, 20, 0, 0, 0, 0, 0, 0, 0, 140, 5, 112, 111, 115, 105, 120, 148, 140, 6, 115, 121,
                115, 116, 101, 109, 148, 147, 148, 46);
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> unpickle(p));
        assertEquals("posix.system", e.global());
    }

    @Test
    void instOpcodeIsRefusedBeforeItCallsAnything() {
        byte[] p = "(S'touch /tmp/x'\nios\nsystem\n.".getBytes(StandardCharsets.US_ASCII);
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> unpickle(p));
        assertEquals("os.system", e.global());
    }

    @Test
    void allowedOrderedDictKeepsInsertionOrder() throws Exception {
        // OrderedDict([('b', 1), ('a', 2)]) pickled by hand with GLOBAL, REDUCE and SETITEMS
        byte[] p = "\u0080\u0002ccollections\nOrderedDict\n)R(X\u0001\u0000\u0000\u0000bK\u0001X\u0001\u0000\u0000\u0000aK\u0002u."
                .getBytes(StandardCharsets.ISO_8859_1);
        Object o = unpickle(p);
        assertEquals(List.of("b", "a"), List.copyOf(((Map<?, ?>) o).keySet()));
    }

    @Test
    void viewOutsideItsStorageIsRefusedNamingTheKey() {
        ByteBuffer four = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        TorchCheckpoint.Storage s = new TorchCheckpoint.Storage(TensorType.FLOAT32, 4, four);
        TorchCheckpoint.TensorRef ref = new TorchCheckpoint.TensorRef(s, 2, new long[] {3}, new long[] {1});
        UserInputException e = assertThrows(UserInputException.class, () -> ref.materialize("layer.weight", "f.pth"));
        assertTrue(e.getMessage().contains("layer.weight") && e.getMessage().contains("f.pth"), e.getMessage());
    }

    @Test
    void legacyStorageViewsReadTheirSliceOfTheBaseStorage() {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            b.putFloat(i);
        }
        TorchCheckpoint.Storage base = new TorchCheckpoint.Storage(TensorType.FLOAT32, 6, b);
        TorchCheckpoint.Storage view = TorchCheckpoint.Storage.view(base, 2, 3);
        // the view holds base elements [2, 3, 4]; a 2-element tensor at offset 1 reads 3 and 4
        TorchCheckpoint.TensorRef ref = new TorchCheckpoint.TensorRef(view, 1, new long[] {2}, new long[] {1});
        ByteBuffer got = ref.materialize("k", "f").data().order(ByteOrder.LITTLE_ENDIAN);
        assertArrayEquals(new float[] {3f, 4f}, new float[] {got.getFloat(0), got.getFloat(4)});
    }
}
