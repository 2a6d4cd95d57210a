package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class KdRestoreTest {
    static final class Result {
        int code;
        String out;
        String err;
    }

    static Result run(String... args) {
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

    @Test
    void infoRunsOnTheLocalEngine() {
        assertEquals(0, run("info", "--json").code);
    }
}
