package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

public class KdRestoreTest {
    /** What a command printed and returned (public: the Spark module's tests run commands the same way). */
    public static final class Result {
        public int code;
        public String out;
        public String err;
    }

    /** Runs the CLI in this JVM with its output captured. */
    public static Result run(String... args) {
        CommandLine cl = KdRestore.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        Result r = new Result();
        r.code = cl.execute(args);
        r.out = out.toString();
        r.err = err.toString();
        return r;
    }

    @Test
    void unknownSubcommandExitsWithTwoAndSaysWhy() {
        Result r = run("no-such-command");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("no-such-command"), r.err);
    }

    @Test
    void helpListsInfoAndExitsZero() {
        Result r = run("--help");
        assertEquals(0, r.code);
        assertTrue(r.out.contains("info"), r.out);
    }

    /**
     * Every command's --help renders without picocli's "Could not format" warning (a bare % in a
     * description is read as a format specifier; picocli prints the warning on System.err).
     */
    @Test
    void everyCommandsHelpRendersCleanly() {
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        java.util.List<String> names = new java.util.ArrayList<>();
        try {
            java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(KdRestore.commandLine()));
            while (!todo.isEmpty()) {
                CommandLine c = todo.pop();
                names.add(c.getCommandSpec().qualifiedName());
                c.getUsageMessage();
                todo.addAll(c.getSubcommands().values());
            }
        } finally {
            System.setErr(old);
        }
        String err = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(names.size() > 20, "commands visited: " + names);
        assertTrue(!err.contains("Could not format"), err);
    }

    @Test
    void infoRunsOnTheLocalEngine() {
        assertEquals(0, run("info", "--json").code);
    }
}
