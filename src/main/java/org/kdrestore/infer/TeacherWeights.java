package org.kdrestore.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.weights.StateDictLoader;

/** Reads teacher weights (state_dict key → array) and builds a Restormer loaded from them, strictly. */
public final class TeacherWeights {
    private TeacherWeights() {}

    /**
     * A state dict from {@code .npz} (numpy {@code np.savez(**state_dict)}; array names are the keys).
     *
     * @throws UserInputException if the file is missing, unreadable or of an unknown kind
     */
    public static Map<String, NDArray> read(Path file, NDManager manager) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("weights file " + file + " does not exist");
        }
        String name = file.getFileName().toString().toLowerCase();
        if (!name.endsWith(".npz")) {
            throw new UserInputException("weights file " + file + ": only .npz state dicts are read here (keys = upstream "
                    + "state_dict keys); convert a .pth with numpy: np.savez(out, **{k: v.numpy() for k, v in sd.items()})");
        }
        NDList list;
        try (InputStream in = Files.newInputStream(file)) {
            list = NDList.decode(manager, in);
        } catch (IOException | RuntimeException e) {
            throw new UserInputException("weights file " + file + " is not a readable .npz: " + e.getMessage(), e);
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray a : list) {
            out.put(a.getName(), a);
        }
        return out;
    }

    /**
     * A Restormer of {@code config} on {@code manager}'s device with the weights in {@code file}.
     *
     * @throws UserInputException naming every missing, unexpected or misshapen key
     */
    public static Restormer load(Path file, RestormerConfig config, NDManager manager) {
        Restormer model = Restormer.create(config, manager);
        try (NDManager tmp = manager.newSubManager()) {
            StateDictLoader.load(model, read(file, tmp), true, file.toString());
        }
        return model;
    }
}
