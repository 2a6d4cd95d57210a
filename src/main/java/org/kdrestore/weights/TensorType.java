package org.kdrestore.weights;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The element types a checkpoint may hold, with their names in each format: the torch storage
 * class ({@code torch.HalfStorage}), the safetensors dtype ({@code F16}) and numpy's. Half and
 * bfloat16 widen to float32 on load ({@link #loadedAs()}); every widening is exact.
 */
enum TensorType {
    FLOAT32("FloatStorage", "F32", "float32", 4, DataType.FLOAT32),
    FLOAT64("DoubleStorage", "F64", "float64", 8, DataType.FLOAT64),
    FLOAT16("HalfStorage", "F16", "float16", 2, DataType.FLOAT32),
    BFLOAT16("BFloat16Storage", "BF16", "bfloat16", 2, DataType.FLOAT32),
    INT64("LongStorage", "I64", "int64", 8, DataType.INT64),
    INT32("IntStorage", "I32", "int32", 4, DataType.INT32),
    INT16("ShortStorage", "I16", "int16", 2, DataType.INT16),
    INT8("CharStorage", "I8", "int8", 1, DataType.INT8),
    UINT8("ByteStorage", "U8", "uint8", 1, DataType.UINT8),
    BOOL("BoolStorage", "BOOL", "bool", 1, DataType.BOOLEAN);

    final String torchStorage;
    final String safetensors;
    final String label;
    final int size;
    private final DataType loaded;

    TensorType(String torchStorage, String safetensors, String label, int size, DataType loaded) {
        this.torchStorage = torchStorage;
        this.safetensors = safetensors;
        this.label = label;
        this.size = size;
        this.loaded = loaded;
    }

    /** The DJL type the array has once loaded (half precision widens to float32). */
    DataType loadedAs() {
        return loaded;
    }

    static TensorType fromTorchStorage(String name) {
        for (TensorType t : values()) {
            if (t.torchStorage.equals(name)) {
                return t;
            }
        }
        return null;
    }

    static TensorType fromSafetensors(String name) {
        for (TensorType t : values()) {
            if (t.safetensors.equals(name.toUpperCase(Locale.ROOT))) {
                return t;
            }
        }
        return null;
    }

    /** The type a DJL array is saved as; null when the format has no such type. */
    static TensorType fromDjl(DataType type) {
        return switch (type) {
            case FLOAT32 -> FLOAT32;
            case FLOAT64 -> FLOAT64;
            case FLOAT16 -> FLOAT16;
            case BFLOAT16 -> BFLOAT16;
            case INT64 -> INT64;
            case INT32 -> INT32;
            case INT16 -> INT16;
            case INT8 -> INT8;
            case UINT8 -> UINT8;
            case BOOLEAN -> BOOL;
            default -> null;
        };
    }
}
