package org.kdrestore.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdrestore.common.Json;
import org.kdrestore.common.ProcessLock;
import org.kdrestore.common.UserInputException;
import org.kdrestore.weights.StateDictLoader;

/** Run-folder bookkeeping shared by the student's {@link Trainer} and the {@link TeacherTrainer}. */
final class RunFolder {
    private RunFolder() {}

    /**
     * Whether the run resumes from its checkpoint. Refuses to start over a run without --resume,
     * and to resume where there is nothing. A run killed before its first checkpoint (run.json but
     * no checkpoint: not a step was kept) starts from the beginning under --resume.
     */
    static boolean checkStart(Path runDir, boolean resume, Path last, Path runJson) {
        if (!resume && (Files.exists(last) || Files.exists(runJson))) {
            throw new UserInputException("run folder " + runDir + " already holds a run (" + (Files.exists(last) ? last : runJson)
                    + "); pass --resume to continue it, or choose another --run-dir");
        }
        if (resume && !Files.exists(last)) {
            if (!Files.exists(runJson)) {
                throw new UserInputException("nothing to resume in " + runDir + ": " + last + " does not exist");
            }
            return false;
        }
        return resume;
    }

    /**
     * The run folder's lock, held for the whole run: a second process training into the same
     * folder stops at once, naming the holder ({@link ProcessLock}). The start is checked again
     * under the lock, as another process may have started the run since the first check.
     */
    static ProcessLock lock(Path runDir, boolean resume, Path last, Path runJson) throws IOException {
        Files.createDirectories(runDir);
        ProcessLock lock = ProcessLock.acquire(runDir.resolve(LOCK_FILE), "run folder " + runDir, Duration.ZERO, null);
        try {
            checkStart(runDir, resume, last, runJson);
            Files.createDirectories(last.getParent());
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        return lock;
    }

    /** The lock file in a run folder. */
    public static final String LOCK_FILE = ".lock";

    /** Where a run begins: its run.json (as a map, written), its metrics log and the position to go on from. */
    record Begin(Map<String, Object> info, MetricsLog metrics, EpochLoop.Start start) {}

    /** A run from step 0: {@code info} becomes run.json, the metrics log starts empty. */
    static Begin fresh(Path runDir, Map<String, Object> info) throws IOException {
        MetricsLog metrics = MetricsLog.create(runDir.resolve("metrics.csv"));
        Json.writeFile(runDir.resolve("run.json"), info);
        return new Begin(info, metrics, new EpochLoop.Start(0, 0, 0));
    }

    /**
     * A run going on from its last checkpoint {@code ckpt} (whose config the caller has checked):
     * the network's and the optimizer's tensors are loaded strictly, the metrics log is cut back to
     * the checkpoint's step, and run.json records the resume.
     */
    static Begin resume(Path runDir, Path ckpt, Checkpoint.Position at, Block net, Map<String, NDArray> model, Adam adam,
            Map<String, NDArray> optimizer, EpochLoop.RunLog log) throws IOException {
        StateDictLoader.load(net, model, true, ckpt.toString());
        adam.load(optimizer, at.adamStep(), ckpt.toString());
        int epoch = at.epochDone() ? at.epoch() + 1 : at.epoch();
        int batch = at.epochDone() ? 0 : at.batch();
        MetricsLog metrics = MetricsLog.resume(runDir.resolve("metrics.csv"), at.globalStep(), epoch, epoch + 1);
        Path runJson = runDir.resolve("run.json");
        Map<String, Object> info = readRunJson(runJson);
        markResumed(info, at.globalStep());
        log.line("resumed from " + ckpt + " at epoch " + (epoch + 1) + ", batch " + batch + ", step " + at.globalStep());
        Json.writeFile(runJson, info);
        return new Begin(info, metrics, new EpochLoop.Start(epoch, batch, at.globalStep()));
    }

    /**
     * Refuses to resume under another config than the checkpoint's, naming each key that differs
     * ({@code before}/{@code now}: the configs; the trees are what is compared key by key).
     */
    static void requireSameConfig(Object before, Object now, JsonNode beforeTree, JsonNode nowTree, Path ckpt, String howToResume) {
        if (!before.equals(now)) {
            List<String> diff = new ArrayList<>();
            diffKeys(beforeTree, nowTree, "", diff);
            throw new UserInputException("the config differs from the one " + ckpt + " was trained with (" + String.join(", ", diff)
                    + "); " + howToResume);
        }
    }

    private static void diffKeys(JsonNode a, JsonNode b, String prefix, List<String> out) {
        if (a != null && b != null && a.isObject() && b.isObject()) {
            java.util.Set<String> keys = new java.util.TreeSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                diffKeys(a.get(k), b.get(k), prefix + k + ".", out);
            }
        } else if (a == null || b == null || !a.toString().equals(b.toString())) {
            String key = prefix.isEmpty() ? "(whole config)" : prefix.substring(0, prefix.length() - 1);
            out.add(key + ": " + a + " -> " + b);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> readRunJson(Path runJson) throws IOException {
        if (!Files.exists(runJson)) {
            return new LinkedHashMap<>();
        }
        return Json.MAPPER.readValue(runJson.toFile(), LinkedHashMap.class);
    }

    /** Notes in run.json that the run was resumed at {@code fromStep}, and that it is running again. */
    static void markResumed(Map<String, Object> info, long fromStep) {
        @SuppressWarnings("unchecked")
        List<Object> resumed = (List<Object>) info.computeIfAbsent("resumed", k -> new ArrayList<>());
        resumed.add(Map.of("at", Instant.now().toString(), "from_step", fromStep));
        info.put("status", "running");
    }

    /** A line on stderr (unless quiet) and, time-stamped, in {@code runDir/train.log}. */
    static void log(Path runDir, boolean quiet, String line) throws IOException {
        if (!quiet) {
            System.err.println(line);
        }
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve("train.log"), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** A double for JSON: the number, or its name ("NaN", "Infinity") where JSON has none. */
    static Object finite(double v) {
        return Double.isFinite(v) ? v : String.valueOf(v);
    }

    /** Debug aid for the kill/resume tests: blocks after the step named by -D{@value Trainer#HANG_AFTER_STEP}. */
    static void hang() {
        System.err.println("debug: hanging after step as asked by -D" + Trainer.HANG_AFTER_STEP);
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
