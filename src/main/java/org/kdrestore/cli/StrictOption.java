package org.kdrestore.cli;

import picocli.CommandLine.Option;

/**
 * The {@code --non-strict} flag for every command that loads weights into a model. Strict loading
 * (the default) fails on any missing, unexpected or misshapen key; {@code --non-strict} loads what
 * matches and prints the same lists as warnings.
 */
public final class StrictOption {
    @Option(names = "--non-strict",
            description = "Load weights even when keys or shapes differ from the model; print the differences as warnings.")
    public boolean nonStrict;

    public boolean strict() {
        return !nonStrict;
    }
}
