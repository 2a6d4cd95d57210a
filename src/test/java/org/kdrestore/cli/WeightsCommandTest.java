package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import picocli.CommandLine;

class WeightsCommandTest {
    record Run(int code, String out, String err) {}

    /** Runs the CLI, capturing System.out (where --json goes) and the command line's err. */
    static Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            CommandLine cl = KdRestore.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    static String fixture(String name) throws URISyntaxException {
        return Path.of(WeightsCommandTest.class.getResource("/fixtures/weights/" + name).toURI()).toString();
    }

    @Test
    void inspectJsonGivesFormatWrapperCountsAndEveryKeyWithShapeAndDtype() throws Exception {
        Run r = run("weights", "inspect", fixture("params.pth"), "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = Json.MAPPER.readTree(r.out);
        assertEquals("torch-zip", j.get("format").asText());
        assertEquals("params", j.get("wrapper").asText());
        assertEquals(9, j.get("tensors").asInt());
        assertEquals(160, j.get("parameters").asLong());
        JsonNode half = j.get("keys").get(2);
        assertEquals("half", half.get("key").asText());
        assertEquals("float16", half.get("dtype").asText());
        assertEquals("[2,5]", half.get("shape").toString());
    }

    /** A torchvision-layout .pth converted to safetensors holds the same tensors, bit for bit; an existing output is refused. */
    @Test
    void convertWritesTheSameTensorsAsSafetensorsAndNeverOverwrites(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path outFile = tmp.resolve("vgg.safetensors");
        Run r = run("weights", "convert", "--input", fixture("vgg16_relu1_2.pth"), "--output", outFile.toString());
        assertEquals(0, r.code, r.err);
        try (ai.djl.ndarray.NDManager m = org.kdrestore.common.Engines.newManager();
                org.kdrestore.weights.StateDict a = org.kdrestore.weights.Weights.read(Path.of(fixture("vgg16_relu1_2.pth")), m);
                org.kdrestore.weights.StateDict b = org.kdrestore.weights.Weights.read(outFile, m)) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (String k : a.tensors().keySet()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(a.tensors().get(k).toFloatArray(), b.tensors().get(k).toFloatArray(), 0f, k);
            }
        }
        byte[] before = java.nio.file.Files.readAllBytes(outFile);
        r = run("weights", "convert", "--input", fixture("vgg16_relu1_2.pth"), "--output", outFile.toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("exists"), r.err);
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, java.nio.file.Files.readAllBytes(outFile));
    }

    @Test
    void inspectRefusesAMaliciousPickleWithExitTwoNamingTheGlobal() throws Exception {
        Run r = run("weights", "inspect", fixture("malicious_system.pth"));
        assertEquals(2, r.code);
        assertTrue(r.err.contains("posix.system") && r.err.contains("malicious_system.pth"), r.err);
    }

    @Test
    void inspectOfAnUnfetchedNameSaysWhichFileIsMissingAndHowToFetchIt(@TempDir Path dir) {
        Run r = run("weights", "inspect", "restormer-motion-deblurring", "--cache", dir.toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("motion_deblurring.pth")
                && r.err.contains("kd-restore weights fetch restormer-motion-deblurring"), r.err);
    }

    @Test
    void fetchUrlWritesTheVerifiedFileAndReportsItsHash(@TempDir Path dir) throws IOException {
        byte[] body = "weights bytes".getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            if (ex.getRequestURI().getPath().equals("/w.bin")) {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            } else {
                ex.sendResponseHeaders(404, -1);
            }
            ex.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Path out = dir.resolve("w.bin");
            Run r = run("weights", "fetch", base + "/w.bin", "--sha256", Hashing.sha256(body), "--output", out.toString(),
                    "--json");
            assertEquals(0, r.code, r.err);
            assertEquals(Hashing.sha256(body), Json.MAPPER.readTree(r.out).get("sha256").asText());
            assertArrayEquals(body, Files.readAllBytes(out));

            Run missing = run("weights", "fetch", base + "/nope.bin", "--output", dir.resolve("n.bin").toString());
            assertEquals(2, missing.code);
            assertTrue(missing.err.contains("404"), missing.err);

            Run unknown = run("weights", "fetch", "no-such-weights", "--cache", dir.toString());
            assertEquals(2, unknown.code);
            assertTrue(unknown.err.contains("no-such-weights") && unknown.err.contains("vgg16"), unknown.err);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void listShowsEveryKnownNameAndWhetherItIsCached(@TempDir Path dir) throws IOException {
        Run r = run("weights", "list", "--cache", dir.toString(), "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = Json.MAPPER.readTree(r.out);
        assertEquals("restormer-motion-deblurring", j.get(0).get("name").asText());
        assertEquals("vgg16", j.get(1).get("name").asText());
        assertEquals("397923af", j.get(1).get("known_sha256").asText());
        assertTrue(!j.get(1).get("cached").asBoolean());
    }
}
