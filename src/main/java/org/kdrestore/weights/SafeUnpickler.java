package org.kdrestore.weights;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;
import org.kdrestore.common.UserInputException;

/**
 * Pyrolite's unpickler restricted like {@code torch.load(weights_only=True)}: every global a
 * pickle names (GLOBAL, STACK_GLOBAL, INST) is checked against an allow-list when the opcode is
 * read, before anything could be constructed, and anything else is refused with its name.
 * Pyrolite's own registry (which would turn unknown classes into dicts, or map
 * {@code _codecs.encode}) is never consulted, because those opcodes never reach it.
 *
 * <p>Dicts keep insertion order (Pyrolite uses HashMap), so state dicts list keys as saved.
 */
final class SafeUnpickler extends Unpickler {
    /** Marker for the torch storage classes, which only appear inside persistent ids. */
    record StorageClass(TensorType type) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("a storage class is not callable here: torch." + type.torchStorage);
        }
    }

    private static final Map<String, IObjectConstructor> ALLOWED = new LinkedHashMap<>();

    static {
        ALLOWED.put("collections.OrderedDict", args -> {
            if (args.length != 0) {
                throw new PickleException("OrderedDict with arguments");
            }
            return new LinkedHashMap<Object, Object>();
        });
        // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]);
        // _rebuild_tensor (torch < 0.4) has the first four only.
        ALLOWED.put("torch._utils._rebuild_tensor_v2", SafeUnpickler::tensorRef);
        ALLOWED.put("torch._utils._rebuild_tensor", SafeUnpickler::tensorRef);
        // A Parameter's data is its first argument; requires_grad and hooks do not matter here.
        ALLOWED.put("torch._utils._rebuild_parameter", args -> args[0]);
        ALLOWED.put("torch._utils._rebuild_parameter_with_state", args -> args[0]);
        for (TensorType t : TensorType.values()) {
            ALLOWED.put("torch." + t.torchStorage, new StorageClass(t));
        }
        ALLOWED.put("torch.UntypedStorage", new StorageClass(TensorType.UINT8));
    }

    /** The allow-list, as {@code module.name}, for documentation and messages. */
    static List<String> allowedGlobals() {
        return List.copyOf(ALLOWED.keySet());
    }

    private final String source;
    private final Function<Object[], Object> persistentLoader;

    SafeUnpickler(String source, Function<Object[], Object> persistentLoader) {
        this.source = source;
        this.persistentLoader = persistentLoader;
    }

    /** Unpickles one object; every failure is a {@link UserInputException} naming the source. */
    Object loadSafely(InputStream in) throws IOException {
        try {
            return load(in);
        } catch (UserInputException e) {
            throw e;
        } catch (PickleException | ClassCastException | IndexOutOfBoundsException | NullPointerException e) {
            throw new UserInputException("malformed checkpoint " + source + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolve(module, name));
            }
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                stack.add(resolve(String.valueOf(module), String.valueOf(name)));
            }
            case Opcodes.INST -> {
                // INST names a class and calls it at once; torch never writes it.
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                throw new UnsafePickleException(source, module + "." + name);
            }
            case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
                throw new UnsafePickleException(source, "a copyreg extension code (opcode EXT)");
            case Opcodes.PERSID -> throw new PickleException("text persistent id (torch writes BINPERSID)");
            case Opcodes.BINPERSID -> {
                Object pid = stack.pop();
                if (!(pid instanceof Object[] tuple)) {
                    throw new PickleException("persistent id is not a tuple: " + pid);
                }
                stack.add(persistentLoader.apply(tuple));
            }
            case Opcodes.BUILD -> {
                // OrderedDict state (a state_dict's _metadata with module versions) is all torch
                // sets this way in a weights file; it does not affect the values, so it is dropped.
                stack.pop();
                Object target = stack.peek();
                if (!(target instanceof Map)) {
                    throw new PickleException("BUILD on " + (target == null ? "None" : target.getClass().getSimpleName()));
                }
            }
            case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
            case Opcodes.DICT -> stack.add(pairs(stack.pop_all_since_marker(), new LinkedHashMap<>()));
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                pairs(items, castMap(stack.peek()));
            }
            default -> {
                return super.dispatch(key);
            }
        }
        return NO_RETURN_VALUE;
    }

    private IObjectConstructor resolve(String module, String name) {
        IObjectConstructor c = ALLOWED.get(module + "." + name);
        if (c == null) {
            throw new UnsafePickleException(source, module + "." + name);
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> castMap(Object o) {
        if (!(o instanceof Map)) {
            throw new PickleException("SETITEMS on " + (o == null ? "None" : o.getClass().getSimpleName()));
        }
        return (Map<Object, Object>) o;
    }

    private static Map<Object, Object> pairs(List<Object> items, Map<Object, Object> into) {
        if (items.size() % 2 != 0) {
            throw new PickleException("odd number of dict items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            into.put(items.get(i), items.get(i + 1));
        }
        return into;
    }

    private static Object tensorRef(Object[] args) {
        if (args.length < 4 || !(args[0] instanceof TorchCheckpoint.Storage storage)) {
            throw new PickleException("_rebuild_tensor without a storage");
        }
        return new TorchCheckpoint.TensorRef(storage, toLong(args[1]), longs(args[2]), longs(args[3]));
    }

    static long toLong(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        throw new PickleException("expected an integer, got " + o);
    }

    static long[] longs(Object o) {
        List<Object> list;
        if (o instanceof Object[] a) {
            list = List.of(a);
        } else if (o instanceof List<?> l) {
            list = new ArrayList<>(l);
        } else {
            throw new PickleException("expected a tuple of integers, got " + o);
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toLong(list.get(i));
        }
        return out;
    }
}
