package org.kdrestore.weights;

import org.kdrestore.common.UserInputException;

/** A checkpoint whose pickle names a global outside the allow-list; nothing of it was executed. */
public class UnsafePickleException extends UserInputException {
    private final String global;

    public UnsafePickleException(String source, String global) {
        super("refusing to load " + source + ": its pickle calls " + global
                + ", which is not on the allow-list of a plain state dict (like torch.load(weights_only=True));"
                + " nothing was executed. Only load files you trust, and convert them to .safetensors with PyTorch.");
        this.global = global;
    }

    /** The refused global, as {@code module.name}. */
    public String global() {
        return global;
    }
}
