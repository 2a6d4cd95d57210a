package org.kdrestore.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kdrestore.common.Json;

/**
 * The committed notebooks are the source: edited as notebooks (in Jupyter), checked here as they
 * are. The rules of docs/notebooks.md: the kd-restore kernel; a title, then the parameter cell;
 * prose before code (at most two code cells in a row); short code cells; only library calls (imports from the project,
 * DJL's arrays, OpenCV's Mat, java.nio.file, the kernel's display); a trailing {@code display(...)}
 * wrapped in a block (as a bare expression JShell prints its id as a second output); committed
 * executed, with outputs, no error output, at least one picture, and no absolute machine path.
 */
class NotebookSourcesTest {
    static final int MAX_CODE_LINES = 20;
    /** An absolute path into a checkout's folders, as a machine that executed the notebook named it. */
    static final java.util.regex.Pattern ABSOLUTE_CHECKOUT_PATH =
            java.util.regex.Pattern.compile("/[^\\s/\"']+(/[^\\s/\"']+)*/(work|models|reports|data-sample|notebooks)/");
    static final List<String> ALLOWED_IMPORTS = List.of("import org.kdrestore.", "import ai.djl.ndarray.", "import java.nio.file.",
            "import org.opencv.core.Mat;", "import static org.rapaio.jupyter.kernel.global.Global.*;");

    static Stream<Path> notebooks() throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.list(Path.of("notebooks"))) {
            all = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertEquals(5, all.size(), "notebooks: " + all);
        return all.stream();
    }

    private static String source(JsonNode cell) {
        JsonNode s = cell.get("source");
        if (s.isTextual()) {
            return s.asText();
        }
        StringBuilder b = new StringBuilder();
        s.forEach(l -> b.append(l.asText()));
        return b.toString();
    }

    @ParameterizedTest
    @MethodSource("notebooks")
    void followsTheNotebookRules(Path file) throws IOException {
        JsonNode nb = Json.MAPPER.readTree(file.toFile());
        String name = file.getFileName().toString();
        assertEquals("kd-restore", nb.path("metadata").path("kernelspec").path("name").asText(), name + ": kernel");
        JsonNode cells = nb.get("cells");
        assertTrue(source(cells.get(0)).startsWith("# "), name + ": the first cell is the title");
        assertTrue(source(cells.get(1)).startsWith("## Parameters"), name + ": the parameter cell comes first");
        List<String> problems = new ArrayList<>();
        int images = 0;
        for (int i = 0; i < cells.size(); i++) {
            JsonNode c = cells.get(i);
            if (!"code".equals(c.path("cell_type").asText())) {
                continue;
            }
            String src = source(c).strip();
            String[] lines = src.split("\n");
            if (i < 2 || !"markdown".equals(cells.get(i - 1).path("cell_type").asText())
                    && !"markdown".equals(cells.get(i - 2).path("cell_type").asText())) {
                problems.add("cell " + i + ": a third code cell in a row (say in prose what the next one does)");
            }
            if (lines.length > MAX_CODE_LINES) {
                problems.add("cell " + i + ": " + lines.length + " lines (at most " + MAX_CODE_LINES + "; move logic into the library)");
            }
            for (String l : lines) {
                if (l.startsWith("import") && ALLOWED_IMPORTS.stream().noneMatch(l::startsWith)) {
                    problems.add("cell " + i + ": import outside the public API: " + l);
                }
            }
            if (lines[lines.length - 1].startsWith("display(")) {
                problems.add("cell " + i + ": a trailing display(...) must be wrapped in { ... } (else its id is printed)");
            }
            if (!src.isEmpty() && c.path("execution_count").isNull()) {
                problems.add("cell " + i + ": not executed (commit notebooks executed: tools/run-notebooks.sh --inplace)");
            }
            for (JsonNode out : c.path("outputs")) {
                if ("error".equals(out.path("output_type").asText())) {
                    problems.add("cell " + i + ": error output " + out.path("ename").asText());
                }
                if (out.path("data").has("image/png")) {
                    images++;
                }
                java.util.regex.Matcher abs = ABSOLUTE_CHECKOUT_PATH.matcher(out.toString());
                if (abs.find()) {
                    problems.add("cell " + i + ": output names an absolute machine path " + abs.group()
                            + " (tools/run-notebooks.sh --inplace writes them relative to the checkout)");
                }
            }
        }
        assertTrue(problems.isEmpty(), name + ":\n" + String.join("\n", problems));
        assertFalse(images == 0, name + ": no picture");
    }

    /**
     * A notebook that names a teacher names the shipped one: its committed outputs were made with
     * the weights in models/restormer-s (sha256 from the model card), not an older teacher or a
     * stand-in; after a new teacher, re-execute the notebooks (tools/run-notebooks.sh --inplace).
     */
    @ParameterizedTest
    @MethodSource("notebooks")
    void outputsNameTheShippedTeacher(Path file) throws IOException {
        String card = Files.readString(Path.of("models", "restormer-s", "MODEL_CARD.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("sha256 of restormer-s\\.safetensors:\\*\\* `([0-9a-f]{64})`")
                .matcher(card);
        assertTrue(m.find(), "the model card states the weights' sha256");
        String text = Files.readString(file);
        assertFalse(text.contains("STAND-IN") || text.contains("stand-in teacher"), file + " mentions a stand-in teacher");
        java.util.regex.Matcher named = java.util.regex.Pattern.compile("Teacher: [^\\n\"]*?sha256 ([0-9a-f]{64})").matcher(text);
        int found = 0;
        while (named.find()) {
            assertEquals(m.group(1), named.group(1), file + " names another teacher's weights");
            found++;
        }
        assertTrue(found > 0 || file.getFileName().toString().startsWith("01-"), file + " names no teacher");
    }
}
