package org.kdrestore.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.weights.Weights;

/**
 * Teacher weights: any state dict {@link Weights} reads (upstream's {@code .pth} with its
 * {@code {'params': …}} wrapper, {@code .npz}, {@code .safetensors}), loaded into a Restormer strictly.
 */
public final class TeacherWeights {
    private TeacherWeights() {}

    /** The state dict in {@code file} (key → array on {@code manager}). */
    public static Map<String, NDArray> read(Path file, NDManager manager) {
        try {
            return Weights.read(file, manager).tensors();
        } catch (IOException e) {
            throw new UserInputException("weights file " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    /**
     * A Restormer of {@code config} on {@code manager}'s device with the weights in {@code file}.
     *
     * @throws UserInputException naming the file when unreadable, and every missing, unexpected or
     *     misshapen key when it does not match the config
     */
    public static Restormer load(Path file, RestormerConfig config, NDManager manager) {
        Restormer model = Restormer.create(config, manager);
        try {
            Weights.loadInto(model, file, manager, true);
        } catch (IOException e) {
            throw new UserInputException("weights file " + file + " is unreadable: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new UserInputException("weights file " + file + " is unreadable: " + e.getMessage(), e);
        }
        return model;
    }
}
