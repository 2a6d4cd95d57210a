package org.kdrestore.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.UserInputException;

/**
 * NumPy {@code .npy} files (format 1.0 written; 1.0-3.0 read) for float32 ({@code <f4}) and
 * uint8 ({@code |u1}) arrays in C order, so users can compare our tensors with their Python
 * pipeline ({@code np.load}). Written atomically.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** A decoded array: {@code dtype} is {@code "<f4"} or {@code "|u1"}; data is little-endian, C order. */
    public record Array(String dtype, long[] shape, byte[] data) {
        public long size() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }

        public float[] floats() {
            if (!dtype.equals("<f4")) {
                throw new IllegalStateException("array is " + dtype + ", not float32");
            }
            float[] f = new float[data.length / 4];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        }

        public byte[] bytes() {
            if (!dtype.equals("|u1")) {
                throw new IllegalStateException("array is " + dtype + ", not uint8");
            }
            return data;
        }
    }

    public static void writeFloat32(Path file, float[] values, long... shape) throws IOException {
        checkSize(values.length, shape);
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        write(file, new Array("<f4", shape, b.array()));
    }

    public static void writeUint8(Path file, byte[] values, long... shape) throws IOException {
        checkSize(values.length, shape);
        write(file, new Array("|u1", shape, values));
    }

    /** Writes a float32 or uint8 NDArray (other types are refused). */
    public static void write(Path file, NDArray array) throws IOException {
        long[] shape = array.getShape().getShape();
        if (array.getDataType() == DataType.FLOAT32) {
            writeFloat32(file, array.toFloatArray(), shape);
        } else if (array.getDataType() == DataType.UINT8) {
            writeUint8(file, array.toByteArray(), shape);
        } else {
            throw new IllegalArgumentException("Npy writes float32 or uint8 arrays, got " + array.getDataType());
        }
    }

    public static void write(Path file, Array a) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : a.shape()) {
            dims.append(d).append(", ");
        }
        String shape = a.shape().length == 1 ? "(" + a.shape()[0] + ",)"
                : "(" + (a.shape().length == 0 ? "" : dims.substring(0, dims.length() - 2)) + ")";
        String dict = "{'descr': '" + a.dtype() + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64; // numpy aligns the data to 64 bytes
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.data().length + header.length() + 10);
        out.write(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write((header.length() >> 8) & 0xff);
        out.write(header.getBytes(StandardCharsets.US_ASCII));
        out.write(a.data());
        AtomicFiles.writeBytes(file, out.toByteArray());
    }

    /** Reads a float32 or uint8 {@code .npy}; anything else is a user error naming the file. */
    public static Array readArray(Path file) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserInputException("npy file not found: " + file, e);
        } catch (IOException e) {
            throw new UserInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (b.length < 10 || !Arrays.equals(Arrays.copyOf(b, 6), MAGIC)) {
            throw new UserInputException("not a .npy file: " + file);
        }
        int major = b[6] & 0xff;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int start;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            start = 10;
        } else if (major == 2 || major == 3) {
            headerLen = bb.getInt(8);
            start = 12;
        } else {
            throw new UserInputException("unsupported .npy version " + major + " in " + file);
        }
        if (start + headerLen > b.length) {
            throw new UserInputException("truncated .npy header in " + file);
        }
        String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new UserInputException("malformed .npy header in " + file + ": " + header.trim());
        }
        String dtype = d.group(1);
        if (dtype.equals("u1") || dtype.equals("<u1")) {
            dtype = "|u1";
        }
        if (!dtype.equals("<f4") && !dtype.equals("|u1")) {
            throw new UserInputException("unsupported dtype '" + d.group(1) + "' in " + file + " (float32 '<f4' or uint8 '|u1' only)");
        }
        if (f.group(1).equals("True")) {
            throw new UserInputException("Fortran-ordered array in " + file + " is not supported (save with np.ascontiguousarray)");
        }
        long[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(x -> !x.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long n = Arrays.stream(shape).reduce(1, Math::multiplyExact) * (dtype.equals("<f4") ? 4 : 1);
        int dataStart = start + headerLen;
        if (b.length - dataStart != n) {
            throw new UserInputException(file + " holds " + (b.length - dataStart) + " data bytes, but its header "
                    + "says shape " + Arrays.toString(shape) + " of " + dtype + " (" + n + " bytes): truncated or corrupt");
        }
        return new Array(dtype, shape, Arrays.copyOfRange(b, dataStart, b.length));
    }

    /** Reads a {@code .npy} into an NDArray (float32 or uint8) on the manager's device. */
    public static NDArray read(NDManager manager, Path file) {
        Array a = readArray(file);
        Shape shape = new Shape(a.shape());
        if (a.dtype().equals("<f4")) {
            return manager.create(a.floats(), shape);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(a.data().length).order(ByteOrder.nativeOrder());
        buf.put(a.data()).flip();
        return manager.create(buf, shape, DataType.UINT8);
    }

    private static void checkSize(int length, long[] shape) {
        long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (n != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + length);
        }
    }
}
