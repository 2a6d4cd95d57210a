package org.kdrestore.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;
import org.kdrestore.weights.StateDictLoader;

/**
 * A training checkpoint: one zip file written atomically (temp file, then rename), holding
 * <ul>
 *   <li>{@code model.npz}: the student's weights under PyTorch state_dict names (numpy can read
 *       it: {@code torch.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(f).items()})});</li>
 *   <li>{@code optimizer.npz}: Adam's {@code exp_avg/<param>} and {@code exp_avg_sq/<param>};</li>
 *   <li>{@code state.json}: position (epoch, batch, global step), Adam's step and settings, the
 *       resolved config and student. The RNG state is (train.seed, epoch): every epoch's plan is
 *       derived from those alone ({@link EpochPlan}).</li>
 * </ul>
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final String FORMAT = "kd-restore student checkpoint v1";

    /**
     * Where training stands. {@code batch} batches of {@code epoch} (0-based) are done; when
     * {@code epochDone} the epoch's validation and log row are written too.
     */
    public record State(String format, int epoch, int batch, boolean epochDone, long globalStep, long adamStep,
            double lr, JsonNode config, StudentConfig student, long parameterCount, String writtenAt) implements Position {}

    /** Where a checkpoint left training (what the student's and the teacher's states both record). */
    interface Position {
        int epoch();

        int batch();

        boolean epochDone();

        long globalStep();

        long adamStep();
    }

    /** What was read back; arrays belong to the manager given to {@link #read}. */
    public record Loaded(State state, Map<String, NDArray> model, Map<String, NDArray> optimizer) {}

    public static void write(Path file, StudentCnn net, Adam adam, State state) throws IOException {
        write(file, net.namedParameters(), adam, state);
    }

    /**
     * The same zip for any model: {@code params} under their state_dict names, Adam's state and
     * {@code state} (any record) as state.json. Used by the teacher trainer too.
     */
    static void write(Path file, Map<String, Parameter> params, Adam adam, Object state) throws IOException {
        NDList model = new NDList();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray a = e.getValue().getArray().toDevice(ai.djl.Device.cpu(), true);
            a.setName(e.getKey());
            model.add(a);
        }
        NDList opt = adam.state();
        byte[] modelBytes = npz(model);
        byte[] optBytes = npz(opt);
        opt.close();
        byte[] stateBytes = Json.write(state).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> {
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                put(zip, "state.json", stateBytes);
                put(zip, "model.npz", modelBytes);
                put(zip, "optimizer.npz", optBytes);
            }
        });
    }

    private static byte[] npz(NDList list) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        list.encode(b, NDList.Encoding.NPZ);
        return b.toByteArray();
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    public static Loaded read(Path file, NDManager manager) {
        Raw raw = readRaw(file, manager);
        State state;
        try {
            state = Json.MAPPER.treeToValue(raw.state(), State.class);
        } catch (IOException e) {
            throw new UserInputException("checkpoint " + file + ": state.json is unreadable: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(state.format())) {
            throw new UserInputException("checkpoint " + file + " has format '" + state.format() + "', expected '" + FORMAT + "'");
        }
        return new Loaded(state, raw.model(), raw.optimizer());
    }

    /** A checkpoint zip of any kind: state.json as a tree, model and optimizer arrays by name. */
    record Raw(JsonNode state, Map<String, NDArray> model, Map<String, NDArray> optimizer) {}

    static Raw readRaw(Path file, NDManager manager) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("checkpoint " + file + " does not exist");
        }
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new UserInputException("checkpoint " + file + " is not a readable zip: " + e.getMessage(), e);
        }
        for (String need : new String[] {"state.json", "model.npz", "optimizer.npz"}) {
            if (!entries.containsKey(need)) {
                throw new UserInputException("checkpoint " + file + " lacks " + need + " (not a kd-restore training checkpoint)");
            }
        }
        JsonNode state;
        try {
            state = Json.MAPPER.readTree(entries.get("state.json"));
        } catch (IOException e) {
            throw new UserInputException("checkpoint " + file + ": state.json is unreadable: " + e.getMessage(), e);
        }
        return new Raw(state, named(NDList.decode(manager, entries.get("model.npz"))),
                named(NDList.decode(manager, entries.get("optimizer.npz"))));
    }

    private static Map<String, NDArray> named(NDList list) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray a : list) {
            out.put(a.getName(), a);
        }
        return out;
    }

    /**
     * Builds the student a checkpoint describes and loads its weights (strictly). A
     * {@code .safetensors} file is taken as a run's final weights: the network is the one its
     * run's {@code run.json}, beside it, names ({@code student.config}).
     */
    public static StudentCnn loadStudent(Path file, NDManager manager) {
        if (file.getFileName().toString().endsWith(".safetensors")) {
            return loadStudentWeights(file, manager);
        }
        Loaded l = read(file, manager);
        StudentCnn net = StudentCnn.create(l.state().student(), manager, 0);
        StateDictLoader.load(net, l.model(), true, file.toString());
        return net;
    }

    private static StudentCnn loadStudentWeights(Path file, NDManager manager) {
        Path runJson = file.resolveSibling("run.json");
        if (!Files.isRegularFile(runJson)) {
            throw new UserInputException(file + ": student weights alone need their run's run.json beside them (its student.config "
                    + "names the network)");
        }
        try {
            JsonNode config = Json.MAPPER.readTree(runJson.toFile()).path("student").path("config");
            if (!config.isObject()) {
                throw new UserInputException(runJson + " has no student.config");
            }
            StudentCnn net = StudentCnn.create(Json.MAPPER.treeToValue(config, StudentConfig.class), manager, 0);
            try (org.kdrestore.weights.StateDict sd = org.kdrestore.weights.Weights.read(file, manager)) {
                StateDictLoader.load(net, sd.tensors(), true, file.toString());
            }
            return net;
        } catch (IOException e) {
            throw new UserInputException("cannot read the student " + file + ": " + e.getMessage(), e);
        }
    }
}
