package org.kdrestore.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * One tensor as it sits in a file: its element type, shape and contiguous little-endian bytes.
 * Readers of every format produce these; {@link #toNDArray} makes the DJL array.
 */
record RawTensor(TensorType type, long[] shape, ByteBuffer data) {
    long numel() {
        return numel(shape);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    /** A DJL array with the same values; float16/bfloat16 become float32 (exactly). */
    NDArray toNDArray(NDManager manager) {
        ByteBuffer le = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        le.rewind();
        int n = Math.toIntExact(numel());
        Shape djlShape = new Shape(shape);
        if (type == TensorType.FLOAT16 || type == TensorType.BFLOAT16) {
            FloatBuffer out = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int i = 0; i < n; i++) {
                short bits = le.getShort(2 * i);
                out.put(type == TensorType.FLOAT16 ? halfToFloat(bits) : Float.intBitsToFloat((bits & 0xffff) << 16));
            }
            out.rewind();
            return manager.create(out, djlShape, type.loadedAs());
        }
        // Copy element by element through a typed view so the bytes land in native order.
        ByteBuffer out = ByteBuffer.allocateDirect(type.size * n).order(ByteOrder.nativeOrder());
        switch (type.size) {
            case 1 -> out.put(le);
            case 2 -> out.asShortBuffer().put(le.asShortBuffer());
            case 4 -> out.asIntBuffer().put(le.asIntBuffer());
            case 8 -> out.asLongBuffer().put(le.asLongBuffer());
            default -> throw new IllegalStateException("element size " + type.size);
        }
        out.rewind();
        return manager.create(out, djlShape, type.loadedAs());
    }

    /** IEEE 754 binary16 → binary32, exact (Float.float16ToFloat arrived only in Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) { // inf or NaN, payload kept
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal half: value = mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
