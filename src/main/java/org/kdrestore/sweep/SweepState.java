package org.kdrestore.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;

/**
 * {@code sweep.json}: the sweep's definition and hash, and every trial's status, rewritten
 * atomically (temp file, then rename) on every change, so a kill leaves the previous or the new
 * version, never a torn one. Thread-safe: workers update their trials concurrently.
 */
public final class SweepState {
    public static final String FILE = "sweep.json";
    public static final String FORMAT = "kd-restore sweep v1";

    /** A trial's status: pending (not started), running, finished, pruned (stopped early), failed. */
    public enum Status {
        pending, running, finished, pruned, failed;

        /** Done for good: {@code --resume} does not run it again (failed ones only with --retry-failed). */
        public boolean isFinal() {
            return this == finished || this == pruned || this == failed;
        }
    }

    /** One trial's entry; {@code runDir} is relative to the sweep folder. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public static final class TrialEntry {
        public String id;
        public Map<String, String> params = new LinkedHashMap<>();
        public boolean base;
        public String runDir;
        public Status status = Status.pending;
        public int attempts;
        /** Wall time the sweep spent on this trial's processes, over all attempts. */
        public double seconds;
        public Integer exitCode;
        public String message;
        public Integer prunedAtEpoch;
        public String startedAt;
        public String endedAt;
    }

    /** The file's layout (snake_case through Jackson's naming of the fields below). */
    public static final class Doc {
        public String format = FORMAT;
        public String name;
        public String definitionSha256;
        public JsonNode definition;
        public String createdAt;
        public String updatedAt;
        public List<TrialEntry> trials = new ArrayList<>();
    }

    private final Path file;
    private final Doc doc;

    private SweepState(Path file, Doc doc) {
        this.file = file;
        this.doc = doc;
    }

    static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = Json.MAPPER.copy()
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);

    /** A new state for {@code plan}, written at once. */
    public static SweepState create(Path sweepDir, SweepPlan plan) throws IOException {
        Doc d = new Doc();
        d.name = plan.spec().name();
        d.definitionSha256 = plan.hash();
        d.definition = Json.MAPPER.valueToTree(plan.definition());
        d.createdAt = Instant.now().toString();
        for (SweepPlan.Trial t : plan.trials()) {
            TrialEntry e = new TrialEntry();
            e.id = t.id();
            e.params = new LinkedHashMap<>(t.params());
            e.base = t.base();
            e.runDir = "trials/" + t.id();
            d.trials.add(e);
        }
        SweepState s = new SweepState(sweepDir.resolve(FILE), d);
        s.save();
        return s;
    }

    /** Reads {@code sweep.json} and checks that it was made from the same definition as {@code plan}. */
    public static SweepState resume(Path sweepDir, SweepPlan plan) throws IOException {
        Path f = sweepDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new UserInputException("nothing to resume: " + f + " does not exist (run without --resume to start the sweep)");
        }
        Doc d;
        try {
            d = MAPPER.readValue(f.toFile(), Doc.class);
        } catch (IOException e) {
            throw new UserInputException(f + " is not a sweep state file: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (!FORMAT.equals(d.format)) {
            throw new UserInputException(f + " has format '" + d.format + "', expected '" + FORMAT + "'");
        }
        String now = plan.hash();
        if (!now.equals(d.definitionSha256)) {
            JsonNode fresh = Json.MAPPER.valueToTree(plan.definition());
            Set<String> changed = new TreeSet<>();
            if (d.definition != null) {
                fresh.fieldNames().forEachRemaining(k -> {
                    // compare as text: a number read back from the file may be another node type (int vs long)
                    if (!Json.write(fresh.get(k)).equals(Json.write(d.definition.get(k)))) {
                        changed.add(k);
                    }
                });
            }
            throw new UserInputException("the sweep " + plan.spec().file() + " differs from the one " + f + " was started with"
                    + (changed.isEmpty() ? "" : " (changed: " + String.join(", ", changed) + ")")
                    + "; restore it, or start a new sweep under another name or --out folder");
        }
        return new SweepState(f, d);
    }

    public synchronized List<TrialEntry> trials() {
        return List.copyOf(doc.trials);
    }

    public synchronized TrialEntry trial(String id) {
        return doc.trials.stream().filter(t -> t.id.equals(id)).findFirst().orElseThrow();
    }

    public String name() {
        return doc.name;
    }

    public Path file() {
        return file;
    }

    /** Applies {@code change} to trial {@code id} and writes the file. */
    public synchronized void update(String id, java.util.function.Consumer<TrialEntry> change) throws IOException {
        change.accept(trial(id));
        save();
    }

    private void save() throws IOException {
        doc.updatedAt = Instant.now().toString();
        String text;
        try {
            text = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise the sweep state", e);
        }
        org.kdrestore.common.AtomicFiles.writeString(file, text + "\n");
    }
}
