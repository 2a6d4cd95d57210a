package org.kdrestore.cli;

import java.io.PrintWriter;
import org.kdrestore.common.Json;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code --json} flag shared by every command that prints results. */
public final class JsonOption {
    @Option(names = "--json", description = "Print machine-readable JSON on stdout (progress and logs stay on stderr, quiet).")
    public boolean json;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /**
     * Prints {@code value} as JSON when --json is on, else {@code human}, on the command's
     * output writer (stdout unless a caller, such as a test, set another with setOut).
     */
    public void print(Object value, String human) {
        PrintWriter w = mixee != null ? mixee.commandLine().getOut() : new PrintWriter(System.out, true);
        w.println(json ? Json.write(value) : human);
        w.flush();
    }
}
