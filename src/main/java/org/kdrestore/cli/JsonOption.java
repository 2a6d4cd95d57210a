package org.kdrestore.cli;

import org.kdrestore.common.Json;
import picocli.CommandLine.Option;

/** The {@code --json} flag shared by every command that prints results. */
public final class JsonOption {
    @Option(names = "--json", description = "Print machine-readable JSON on stdout (progress and logs stay on stderr, quiet).")
    public boolean json;

    /** Prints {@code value} as JSON when --json is on, else {@code human}. */
    public void print(Object value, String human) {
        System.out.println(json ? Json.write(value) : human);
    }
}
