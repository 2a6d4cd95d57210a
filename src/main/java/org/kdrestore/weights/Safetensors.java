package org.kdrestore.weights;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N
 * bytes of JSON ({@code name → {dtype, shape, data_offsets}} plus optional {@code __metadata__}),
 * then the raw little-endian tensor bytes. No code runs on load, so this is the format we write.
 */
final class Safetensors {
    private Safetensors() {}

    /** Largest header we accept; real headers are kilobytes, a huge one means a corrupt file. */
    static final long MAX_HEADER = 100L << 20;

    /** True when {@code head} (the file's first bytes) starts like a safetensors file. */
    static boolean looksLike(byte[] head, long fileSize) {
        if (head.length < 9) {
            return false;
        }
        long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n > 1 && n <= MAX_HEADER && 8 + n <= fileSize && head[8] == '{';
    }

    record Contents(Map<String, RawTensor> tensors, Map<String, String> metadata) {}

    static Contents read(Path file) throws IOException {
        String source = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, source);
            long n = lenBuf.getLong(0);
            if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
                throw new UserInputException("malformed safetensors file " + source + ": header length " + n
                        + " for a file of " + size + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headerBuf, 8, source);
            Map<String, Object> header;
            try {
                header = Json.MAPPER.readValue(new String(headerBuf.array(), StandardCharsets.UTF_8),
                        new TypeReference<LinkedHashMap<String, Object>>() {});
            } catch (IOException e) {
                throw new UserInputException("malformed safetensors header in " + source + ": " + e.getMessage(), e);
            }
            long dataStart = 8 + n;
            long dataLen = size - dataStart;
            Map<String, RawTensor> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : header.entrySet()) {
                String key = e.getKey();
                if (key.equals("__metadata__")) {
                    if (e.getValue() instanceof Map<?, ?> m) {
                        m.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
                    }
                    continue;
                }
                if (!(e.getValue() instanceof Map<?, ?> info)) {
                    throw new UserInputException("malformed safetensors header in " + source + ": entry '" + key + "'");
                }
                TensorType type = info.get("dtype") instanceof String s ? TensorType.fromSafetensors(s) : null;
                if (type == null) {
                    throw new UserInputException("unsupported dtype " + info.get("dtype") + " of tensor '" + key + "' in " + source);
                }
                long[] shape = longs(info.get("shape"), key, "shape", source);
                long[] offsets = longs(info.get("data_offsets"), key, "data_offsets", source);
                long bytes = RawTensor.numel(shape) * type.size;
                if (offsets.length != 2 || offsets[0] < 0 || offsets[1] - offsets[0] != bytes || offsets[1] > dataLen) {
                    throw new UserInputException("malformed safetensors file " + source + ": tensor '" + key
                            + "' data_offsets " + List.of(offsets[0], offsets.length > 1 ? offsets[1] : -1)
                            + " do not fit shape " + java.util.Arrays.toString(shape) + " of " + type.safetensors
                            + " in " + dataLen + " data bytes");
                }
                ByteBuffer data = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, dataStart + offsets[0], source);
                data.rewind();
                tensors.put(key, new RawTensor(type, shape, data));
            }
            return new Contents(tensors, metadata);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, String source) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new UserInputException("truncated safetensors file " + source);
            }
        }
    }

    private static long[] longs(Object o, String key, String field, String source) {
        if (!(o instanceof List<?> list)) {
            throw new UserInputException("malformed safetensors header in " + source + ": '" + key + "' has no " + field);
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number num) || num.longValue() < 0) {
                throw new UserInputException("malformed safetensors header in " + source + ": '" + key + "' " + field);
            }
            out[i] = num.longValue();
        }
        return out;
    }

    /** Writes {@code tensors} (in map order) atomically; the element type of each array is kept. */
    static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", metadata);
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            TensorType type = TensorType.fromDjl(a.getDataType());
            if (type == null) {
                throw new UserInputException("cannot save tensor '" + e.getKey() + "' of type " + a.getDataType()
                        + " as safetensors");
            }
            long bytes = a.size() * type.size;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", type.safetensors);
            info.put("shape", a.getShape().getShape());
            info.put("data_offsets", List.of(offset, offset + bytes));
            header.put(e.getKey(), info);
            offset += bytes;
        }
        byte[] json = Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // the spec aligns the data to 8 bytes with spaces
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length + pad);
            out.write(len.array());
            out.write(json);
            out.write(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
            for (NDArray a : tensors.values()) {
                writeLittleEndian(out, a);
            }
        });
    }

    private static void writeLittleEndian(OutputStream out, NDArray a) throws IOException {
        ByteBuffer native_ = a.toByteBuffer().order(ByteOrder.nativeOrder());
        int es = a.getDataType().getNumOfBytes();
        ByteBuffer le = ByteBuffer.allocate(native_.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        switch (es) {
            case 1 -> le.put(native_);
            case 2 -> le.asShortBuffer().put(native_.asShortBuffer());
            case 4 -> le.asIntBuffer().put(native_.asIntBuffer());
            case 8 -> le.asLongBuffer().put(native_.asLongBuffer());
            default -> throw new IllegalStateException("element size " + es);
        }
        out.write(le.array());
    }
}
