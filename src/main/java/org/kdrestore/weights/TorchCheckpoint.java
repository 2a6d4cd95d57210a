package org.kdrestore.weights;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.PickleException;
import org.kdrestore.common.UserInputException;

/**
 * Reads PyTorch's {@code torch.save} files without Python: the zip format (torch ≥ 1.6:
 * {@code <prefix>/data.pkl}, {@code <prefix>/data/<key>} raw little-endian storages,
 * {@code <prefix>/version}; the prefix differs between torch versions and is discovered, never
 * assumed) and the legacy format (a sequence of pickles followed by the storages' bytes).
 * Unpickling goes through {@link SafeUnpickler}, so only plain tensors and dicts come out.
 */
final class TorchCheckpoint {
    private TorchCheckpoint() {}

    /** Storage bytes, shared by every tensor that views it (little-endian). */
    static final class Storage {
        final TensorType type;
        final long numel;
        private ByteBuffer data; // legacy files fill it after the pickle
        private final Storage base;
        private final long baseOffset;

        Storage(TensorType type, long numel, ByteBuffer data) {
            this(type, numel, data, null, 0);
        }

        private Storage(TensorType type, long numel, ByteBuffer data, Storage base, long baseOffset) {
            this.type = type;
            this.numel = numel;
            this.data = data;
            this.base = base;
            this.baseOffset = baseOffset;
        }

        /** A legacy storage view: {@code size} elements of {@code base} from {@code offset}. */
        static Storage view(Storage base, long offset, long size) {
            return new Storage(base.type, size, null, base, offset);
        }

        ByteBuffer bytes(String source) {
            if (base != null) {
                ByteBuffer b = base.bytes(source);
                long from = baseOffset * type.size;
                long to = from + numel * type.size;
                if (baseOffset < 0 || to > b.capacity()) {
                    throw new UserInputException("malformed checkpoint " + source + ": storage view out of range");
                }
                return b.duplicate().position((int) from).limit((int) to).slice().order(ByteOrder.LITTLE_ENDIAN);
            }
            if (data == null) {
                throw new UserInputException("malformed checkpoint " + source + ": a storage has no data");
            }
            return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** What {@code _rebuild_tensor_v2} describes: a strided view into a storage. */
    record TensorRef(Storage storage, long offset, long[] size, long[] stride) {
        /** Gathers the view's elements into a contiguous tensor (honours offset and stride). */
        RawTensor materialize(String key, String source) {
            if (size.length != stride.length) {
                throw bad(key, source, "size and stride differ in length");
            }
            ByteBuffer src = storage.bytes(source);
            int es = storage.type.size;
            long numel = RawTensor.numel(size);
            long last = offset;
            for (int d = 0; d < size.length; d++) {
                if (size[d] < 0 || stride[d] < 0) {
                    throw bad(key, source, "negative size or stride");
                }
                if (size[d] > 0) {
                    last += (size[d] - 1) * stride[d];
                }
            }
            if (numel > 0 && (offset < 0 || (last + 1) * es > src.capacity())) {
                throw bad(key, source, "view [offset " + offset + ", last element " + last + "] outside its storage of "
                        + (src.capacity() / es) + " elements");
            }
            ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(numel * es)).order(ByteOrder.LITTLE_ENDIAN);
            if (numel == 0) {
                return new RawTensor(storage.type, size, out);
            }
            if (isContiguous()) {
                out.put(src.duplicate().position((int) (offset * es)).limit((int) ((offset + numel) * es)));
                out.rewind();
                return new RawTensor(storage.type, size, out);
            }
            int nd = size.length;
            long[] idx = new long[nd];
            long pos = offset;
            byte[] one = new byte[es];
            for (long i = 0; i < numel; i++) {
                src.get((int) (pos * es), one);
                out.put(one);
                for (int d = nd - 1; d >= 0; d--) { // odometer over the indices, last dim fastest
                    idx[d]++;
                    pos += stride[d];
                    if (idx[d] < size[d]) {
                        break;
                    }
                    pos -= idx[d] * stride[d];
                    idx[d] = 0;
                }
            }
            out.rewind();
            return new RawTensor(storage.type, size, out);
        }

        private boolean isContiguous() {
            long expect = 1;
            for (int d = size.length - 1; d >= 0; d--) {
                if (size[d] != 1 && stride[d] != expect) {
                    return false;
                }
                expect *= size[d];
            }
            return true;
        }

        private static UserInputException bad(String key, String source, String why) {
            return new UserInputException("malformed tensor '" + key + "' in " + source + ": " + why);
        }
    }

    /** The unpickled top-level object (dicts hold {@link TensorRef}s) and where it came from. */
    record Loaded(Object root, String format, String archivePrefix) {}

    static boolean isTorchZip(ZipFile zip) {
        return findPrefix(zip, null) != null;
    }

    /** The folder that holds data.pkl ({@code archive/}, the file stem, …), or null. */
    private static String findPrefix(ZipFile zip, String source) {
        String found = null;
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            if (name.endsWith("data.pkl") && (name.equals("data.pkl") || name.endsWith("/data.pkl"))) {
                String prefix = name.substring(0, name.length() - "data.pkl".length());
                if (prefix.indexOf('/') != prefix.length() - 1 && !prefix.isEmpty()) {
                    continue; // nested deeper than one folder: not torch's layout
                }
                if (found != null && source != null) {
                    throw new UserInputException("malformed checkpoint " + source + ": two data.pkl records ("
                            + found + "data.pkl, " + name + ")");
                }
                found = prefix;
            }
        }
        return found;
    }

    static Loaded readZip(ZipFile zip, String source) throws IOException {
        String prefix = findPrefix(zip, source);
        if (prefix == null) {
            throw new UserInputException("not a PyTorch checkpoint: " + source + " is a zip without data.pkl");
        }
        ZipEntry order = zip.getEntry(prefix + "byteorder");
        if (order != null && new String(zip.getInputStream(order).readAllBytes()).trim().equals("big")) {
            throw new UserInputException("unsupported checkpoint " + source + ": saved on a big-endian machine");
        }
        Map<String, Storage> storages = new HashMap<>();
        SafeUnpickler u = new SafeUnpickler(source, pid -> {
            if (pid.length < 5 || !"storage".equals(pid[0]) || !(pid[1] instanceof SafeUnpickler.StorageClass cls)) {
                throw new PickleException("unexpected persistent id " + java.util.Arrays.toString(pid));
            }
            String key = String.valueOf(pid[2]);
            long numel = SafeUnpickler.toLong(pid[4]);
            return storages.computeIfAbsent(key, k -> readStorage(zip, prefix + "data/" + k, cls.type(), numel, source));
        });
        ZipEntry pkl = zip.getEntry(prefix + "data.pkl");
        Object root;
        try (InputStream in = new BufferedInputStream(zip.getInputStream(pkl))) {
            root = u.loadSafely(in);
        }
        return new Loaded(root, "torch-zip", prefix);
    }

    private static Storage readStorage(ZipFile zip, String entry, TensorType type, long numel, String source) {
        ZipEntry e = zip.getEntry(entry);
        if (e == null) {
            throw new UserInputException("malformed checkpoint " + source + ": missing storage record " + entry);
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] bytes = in.readAllBytes();
            // torch ≥ 2 passes numel in bytes for untyped storages; check the byte length only.
            if (type != TensorType.UINT8 && bytes.length < numel * type.size) {
                throw new UserInputException("malformed checkpoint " + source + ": storage " + entry + " has "
                        + bytes.length + " bytes, expected " + numel * type.size);
            }
            return new Storage(type, bytes.length / type.size, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        } catch (IOException ex) {
            throw new UserInputException("cannot read " + entry + " in " + source + ": " + ex.getMessage(), ex);
        }
    }

    static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    /**
     * Legacy format (torch < 1.6 default): pickles of the magic number, the protocol version and
     * sys_info, then the object (storages as persistent ids), then the list of storage keys, then
     * for each key its element count (int64) and raw bytes.
     */
    static Loaded readLegacy(Path file, String source) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            Object magic = new SafeUnpickler(source, pid -> {
                throw new PickleException("persistent id in header");
            }).loadSafely(in);
            if (!(magic instanceof Number n) || !new BigInteger(n.toString()).equals(LEGACY_MAGIC)) {
                throw new UserInputException("not a PyTorch checkpoint: " + source
                        + " is a pickle without torch's legacy magic number (plain pickles are refused)");
            }
            Object version = new SafeUnpickler(source, pid -> null).loadSafely(in);
            if (!(version instanceof Number v) || v.intValue() != 1001) {
                throw new UserInputException("unsupported legacy checkpoint " + source + ": protocol version " + version);
            }
            Object sysInfo = new SafeUnpickler(source, pid -> null).loadSafely(in);
            if (sysInfo instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) {
                throw new UserInputException("unsupported checkpoint " + source + ": saved on a big-endian machine");
            }
            Map<String, Storage> roots = new LinkedHashMap<>();
            Object root = new SafeUnpickler(source, pid -> legacyStorage(pid, roots, source)).loadSafely(in);
            Object keys = new SafeUnpickler(source, pid -> null).loadSafely(in);
            if (!(keys instanceof List<?> keyList)) {
                throw new UserInputException("malformed legacy checkpoint " + source + ": no storage key list");
            }
            for (Object k : keyList) {
                Storage s = roots.get(String.valueOf(k));
                if (s == null) {
                    throw new UserInputException("malformed legacy checkpoint " + source + ": unknown storage " + k);
                }
                long numel = Long.reverseBytes(in.readLong()); // written little-endian
                if (numel != s.numel) {
                    throw new UserInputException("malformed legacy checkpoint " + source + ": storage " + k + " holds "
                            + numel + " elements, the pickle said " + s.numel);
                }
                byte[] bytes = new byte[Math.toIntExact(numel * s.type.size)];
                in.readFully(bytes);
                s.data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            }
            return new Loaded(root, "torch-legacy", "");
        } catch (EOFException e) {
            throw new UserInputException("truncated checkpoint " + source + ": ended before all storages were read", e);
        }
    }

    private static Object legacyStorage(Object[] pid, Map<String, Storage> roots, String source) {
        String kind = String.valueOf(pid[0]);
        if ("module".equals(kind)) {
            throw new UserInputException("refusing to load " + source
                    + ": it is a whole pickled nn.Module, not a state dict; save model.state_dict() instead");
        }
        if (!"storage".equals(kind) || pid.length < 6 || !(pid[1] instanceof SafeUnpickler.StorageClass cls)) {
            throw new PickleException("unexpected persistent id " + java.util.Arrays.toString(pid));
        }
        String rootKey = String.valueOf(pid[2]);
        long numel = SafeUnpickler.toLong(pid[4]);
        Storage root = roots.computeIfAbsent(rootKey, k -> new Storage(cls.type(), numel, null));
        if (pid[5] instanceof Object[] view && view.length == 3) {
            return Storage.view(root, SafeUnpickler.toLong(view[1]), SafeUnpickler.toLong(view[2]));
        }
        return root;
    }

    /** Flattens nested {@link TensorRef}s of a dict into contiguous tensors, keeping key order. */
    static Map<String, Object> materialize(Map<?, ?> dict, String source) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            String key = String.valueOf(e.getKey());
            out.put(key, e.getValue() instanceof TensorRef t ? t.materialize(key, source) : e.getValue());
        }
        return out;
    }

}
