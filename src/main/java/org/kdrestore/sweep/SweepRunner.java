package org.kdrestore.sweep;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Distributor;
import org.kdrestore.common.Json;
import org.kdrestore.common.ProcessLock;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.PrepareConfig;
import org.kdrestore.infer.TeacherCache;
import org.kdrestore.train.ConfigLoader;
import org.kdrestore.train.Trainer;

/**
 * Runs a sweep's trials, each as its own child JVM running the ordinary {@code distill}
 * command on the trial's run folder: the very code path of a single run, its own PyTorch thread
 * pool (DJL's intra-op pool is per process, so in-process trials could not get a share each),
 * its own memory, and a crash or OOM in one trial cannot take the sweep down. The same holds
 * for one worker, so there is one way of running a trial, not two.
 *
 * <p>Resume: {@code sweep.json} says which trials are done; an interrupted trial restarts with
 * {@code distill --resume} from its {@code checkpoints/last.ckpt} (deterministic, so it ends as
 * if never stopped). A child notices when the sweep process dies (its stdin closes) and stops,
 * and holds a lock on its run folder, so a resumed sweep never has two processes on one trial.
 */
public final class SweepRunner {
    /** Test hook: {@code TRIAL_ID:STEP} makes that trial's first attempt hang after STEP (see Trainer's hook). */
    static final String HANG_TRIAL = "kdrestore.debug.sweepHangTrial";
    static final String TRIAL_LOG = "sweep-trial.log";
    static final String CONFIG = "config.yaml";

    /**
     * How to start a trial's JVM: {@code java [jvmArgs] -cp classPath mainClass prefixArgs… distill-args…}.
     * The main class must run the kd-restore command line (the CLI's trial entry point).
     */
    public record Launcher(String java, String classPath, String mainClass, List<String> jvmArgs) {
        /** This JVM's java, classpath and DJL settings (ai.djl.* system properties other than the thread counts). */
        public static Launcher current(String mainClass) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> args = new ArrayList<>();
            for (String name : System.getProperties().stringPropertyNames()) {
                if (name.startsWith("ai.djl.") && !name.startsWith("ai.djl.pytorch.num_")) {
                    args.add("-D" + name + "=" + System.getProperty(name));
                }
            }
            String cp = System.getProperty("java.class.path");
            // Under spark-submit the application jar is loaded by Spark, not named on java.class.path
            String own = codeSource();
            if (own != null && !List.of(cp.split(File.pathSeparator)).contains(own)) {
                cp = cp.isEmpty() ? own : cp + File.pathSeparator + own;
            }
            return new Launcher(java, cp, mainClass, List.copyOf(args));
        }

        private static String codeSource() {
            try {
                java.security.CodeSource cs = SweepRunner.class.getProtectionDomain().getCodeSource();
                return cs == null ? null : Path.of(cs.getLocation().toURI()).toString();
            } catch (java.net.URISyntaxException | RuntimeException e) {
                return null;
            }
        }

        /** This launcher's java and classpath replaced by the running JVM's (an executor's), its JVM flags kept. */
        Launcher here() {
            Launcher c = current(mainClass);
            return new Launcher(c.java(), c.classPath(), mainClass, jvmArgs);
        }
    }

    /**
     * @param sweepDir the sweep folder (sweep.json, trials/, prepared/)
     * @param reportDir where the report goes
     * @param workers trials at once; each gets cores/workers PyTorch threads (at least 1)
     * @param retryFailed with resume: run failed trials again
     * @param quiet no progress lines on stderr
     */
    public record Options(Path sweepDir, Path reportDir, boolean resume, int workers, boolean retryFailed, boolean quiet,
            Launcher launcher, Distributor distributor) {
        public Options {
            if (workers < 1) {
                throw new UserInputException("--workers must be ≥ 1, got " + workers);
            }
            distributor = distributor == null ? Distributor.local() : distributor;
        }

        public Options(Path sweepDir, Path reportDir, boolean resume, int workers, boolean retryFailed, boolean quiet,
                Launcher launcher) {
            this(sweepDir, reportDir, resume, workers, retryFailed, quiet, launcher, null);
        }
    }

    /** What the sweep ended with. */
    public record Outcome(SweepState state, SweepReport.Results results, Path reportDir) {}

    private final SweepPlan plan;
    private final Options opt;
    private final PrintStream log = System.err;
    private final Set<Distributor.Running> live = ConcurrentHashMap.newKeySet();
    /** Set when this JVM is stopping: a trial stopped by it stays "running", so --resume resumes it. */
    private volatile boolean stopping;
    private final MedianRule rule;
    private SweepState state;
    private Path dataDir;
    /** The teacher cache every trial reads (filled by the runner when the plan has a teacher), or null for distill's default. */
    private Path trialTeacherCache;

    private SweepRunner(SweepPlan plan, Options opt) {
        this.plan = plan;
        this.opt = opt;
        this.rule = plan.spec().earlyStop() == null ? null : MedianRule.of(plan.spec().earlyStop(), plan.spec().maximise());
    }

    public static Outcome run(SweepPlan plan, Options opt) throws IOException {
        return new SweepRunner(plan, opt).run();
    }

    private Outcome run() throws IOException {
        Path dir = opt.sweepDir();
        Files.createDirectories(dir);
        try (ProcessLock lock = ProcessLock.acquire(dir.resolve("sweep.lock"), "sweep folder " + dir, java.time.Duration.ZERO, null)) {
            if (opt.resume()) {
                state = SweepState.resume(dir, plan);
            } else {
                if (Files.exists(dir.resolve(SweepState.FILE))) {
                    throw new UserInputException(dir + " already holds a sweep (" + dir.resolve(SweepState.FILE)
                            + "); pass --resume to continue it, or choose another name or --out folder");
                }
                state = SweepState.create(dir, plan);
            }
            dataDir = prepareData();
            trialTeacherCache = fillTeacherCache();
            for (SweepPlan.Trial t : plan.trials()) {
                Path cfg = runDir(t.id()).resolve(CONFIG);
                if (!Files.exists(cfg)) {
                    Files.createDirectories(cfg.getParent());
                    AtomicFiles.writeString(cfg, "# trial " + t.id() + " of sweep " + plan.spec().name() + ": " + t.label() + "\n"
                            + Json.YAML.writeValueAsString(ConfigLoader.toTree(t.config())));
                }
            }
            Thread hook = new Thread(() -> {
                stopping = true;
                live.forEach(Distributor.Running::cancel);
                for (Distributor.Running r : live) {
                    try {
                        r.waitFor(5000); // the trial's task stops its process
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "sweep-stop-trials");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                runTrials();
            } finally {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            SweepReport.Results results = report();
            return new Outcome(state, results, opt.reportDir());
        }
    }

    /**
     * The plan's teacher runs once on every quadrant the trials may use, before any trial starts:
     * trials never compute teacher outputs (several at once would race on one cache and repeat the work).
     */
    private Path fillTeacherCache() throws IOException {
        if (plan.teacher() == null) {
            return plan.teacherCache();
        }
        Path root = plan.teacherCache() != null ? plan.teacherCache() : dataDir.resolve("teacher-cache");
        say("teacher: " + plan.teacher().describe());
        TeacherCache.Summary s = TeacherCache.build(TeacherCache.degradedImages(dataDir), plan.teacher(),
                org.kdrestore.infer.RestormerInference.Options.upstream(), root, opt.distributor(), opt.quiet());
        say("teacher outputs in " + s.cacheDir() + ": " + s.computed() + " computed, " + s.reused() + " reused");
        return s.cacheDir();
    }

    /** A folder of photos is prepared once, into SWEEP/prepared, for all trials (resumable, like distill's own). */
    private Path prepareData() throws IOException {
        if (plan.dataPrepared()) {
            return plan.data();
        }
        Path prepared = opt.sweepDir().resolve("prepared");
        say("preparing " + plan.data() + " into " + prepared);
        new DatasetPreparer(PrepareConfig.DEFAULT).prepare(plan.data(), prepared, false, opt.quiet());
        return prepared.toAbsolutePath();
    }

    Path runDir(String id) {
        return opt.sweepDir().resolve("trials").resolve(id).toAbsolutePath();
    }

    private void runTrials() throws IOException {
        List<SweepState.TrialEntry> todo = new ArrayList<>();
        for (SweepState.TrialEntry e : state.trials()) {
            if (!e.status.isFinal() || (opt.retryFailed() && e.status == SweepState.Status.failed)) {
                todo.add(e);
            }
        }
        int total = state.trials().size();
        say(String.format("sweep %s: %d trials, %d to run, %d at once on %s, %s", plan.spec().name(), total,
                todo.size(), opt.workers(), opt.distributor().describe(), opt.distributor() == Distributor.local()
                        ? threadsPerTrial() + " PyTorch thread(s) each" : "PyTorch threads from each executor's cores"));
        if (todo.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(opt.workers(), todo.size()));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (SweepState.TrialEntry e : todo) {
                fs.add(pool.submit(() -> {
                    runTrial(e.id);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException ex) {
                    Throwable c = ex.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException(c);
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        } finally {
            pool.shutdownNow();
        }
    }

    int threadsPerTrial() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / opt.workers());
    }

    private void runTrial(String id) throws IOException, InterruptedException {
        Path run = runDir(id);
        SweepPlan.Trial trial = plan.trials().stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow();
        if (finishedRun(run)) {
            // The run ended but the sweep was stopped before it could record that.
            state.update(id, e -> {
                e.status = SweepState.Status.finished;
                e.endedAt = Instant.now().toString();
            });
            afterTrial(trial);
            return;
        }
        boolean resume = Files.exists(Trainer.lastCheckpoint(run));
        int attempt = state.trial(id).attempts + 1;
        state.update(id, e -> {
            e.status = SweepState.Status.running;
            e.attempts = attempt;
            e.exitCode = null;
            e.message = null;
            if (e.startedAt == null) {
                e.startedAt = Instant.now().toString();
            }
        });
        Path logFile = run.resolve(TRIAL_LOG);
        say(String.format("%s %s: %s%s", id, trial.label(), resume ? "resuming from its checkpoint" : "starting",
                attempt > 1 ? " (attempt " + attempt + ")" : ""));
        long t0 = System.nanoTime();
        double before = state.trial(id).seconds;
        long lastSave = t0;
        Distributor.Running p = opt.distributor().start("trial " + id, TrialTask.class, Json.write(job(trial, run, attempt)), id);
        live.add(p);
        Integer prunedAt = null;
        int checked = 0;
        boolean ended = false;
        try {
            while (!p.waitFor(300)) {
                if (System.nanoTime() - lastSave > TimeUnit.SECONDS.toNanos(15)) {
                    // keep the time spent current, so a killed attempt still counts
                    lastSave = System.nanoTime();
                    double spent = before + (lastSave - t0) / 1e9;
                    state.update(id, e -> e.seconds = spent);
                }
                if (rule != null) {
                    TrialMetrics m = TrialMetrics.read(run);
                    for (; checked < m.epochCount() && prunedAt == null; checked++) {
                        int epoch1 = Integer.parseInt(m.epochs().get(checked).get("epoch"));
                        // after the last epoch there is nothing left to save: let the run finish
                        if (epoch1 < trial.config().train().epochs() && prune(id, epoch1, m.at(epoch1, plan.spec().metric()))) {
                            prunedAt = epoch1;
                        }
                    }
                    if (prunedAt != null) {
                        int at = prunedAt;
                        state.update(id, e -> {
                            e.status = SweepState.Status.pruned;
                            e.prunedAtEpoch = at;
                        });
                        p.cancel(); // the task stops the trial's process (TrialTask)
                        p.waitFor(TimeUnit.SECONDS.toMillis(90));
                        break;
                    }
                }
            }
            ended = true;
        } finally {
            if (!ended) {
                p.cancel(); // this thread was interrupted (another trial failed the sweep): no trial left behind
            }
            live.remove(p);
        }
        if (stopping && prunedAt == null) {
            return; // stopped with this JVM, not failed: the state keeps it running, and --resume resumes it
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int exit;
        String failure = null;
        try {
            exit = Integer.parseInt(p.result());
        } catch (IOException | RuntimeException e) {
            exit = -1; // a cancelled Spark job returns no code
            failure = "the trial's task failed: " + e.getMessage();
        }
        SweepState.Status status;
        String message = null;
        if (prunedAt != null) {
            status = SweepState.Status.pruned;
            message = "stopped by the median rule after epoch " + prunedAt;
        } else if (exit == 0 && finishedRun(run)) {
            status = SweepState.Status.finished;
        } else {
            status = SweepState.Status.failed;
            message = failure != null ? failure : lastError(logFile);
        }
        String msg = message;
        int exitCode = exit;
        state.update(id, e -> {
            e.status = status;
            e.seconds = before + seconds;
            e.exitCode = exitCode;
            e.message = msg;
            e.endedAt = Instant.now().toString();
        });
        TrialMetrics m = TrialMetrics.read(run);
        say(String.format("%s %s: %s in %.1f s, %s %s%s", id, trial.label(), status, seconds, plan.spec().metric(),
                fmt(m.lastValue(plan.spec().metric())), msg == null ? "" : " (" + msg + "; see " + logFile + ")"));
        afterTrial(trial);
    }

    /** Whether trial {@code id} should stop at {@code epoch1}; the others' values come from their own metrics.csv. */
    private boolean prune(String id, int epoch1, double value) throws IOException {
        List<Double> others = new ArrayList<>();
        for (SweepState.TrialEntry e : state.trials()) {
            if (!e.id.equals(id) && e.status != SweepState.Status.pending) {
                double v = TrialMetrics.read(runDir(e.id)).at(epoch1, plan.spec().metric());
                if (!Double.isNaN(v)) {
                    others.add(v);
                }
            }
        }
        return rule.shouldStop(epoch1, value, others);
    }

    /** What a trial's task needs to start the trial's JVM, on this machine or an executor. */
    record TrialJob(String id, Launcher launcher, long heapMb, int threads, List<String> jvmFlags, List<String> args, String runDir,
            int attempt) {}

    private TrialJob job(SweepPlan.Trial t, Path run, int attempt) {
        List<String> flags = new ArrayList<>();
        String hang = System.getProperty(HANG_TRIAL);
        if (hang != null && attempt == 1 && hang.startsWith(t.id() + ":")) {
            flags.add("-Dkdrestore.debug.hangAfterStep=" + hang.substring(hang.indexOf(':') + 1));
        }
        List<String> args = new ArrayList<>(List.of("distill", "--config", run.resolve(CONFIG).toString(), "--data", dataDir.toString(),
                "--run-dir", run.toString(), "--json"));
        // Trials read the cache filled above (or the one the file named) and never compute teacher
        // outputs: several trials filling one cache at once would race and repeat the work.
        args.add("--no-teacher-fill");
        if (trialTeacherCache != null) {
            args.addAll(List.of("--teacher-cache", trialTeacherCache.toString()));
        }
        long heap = Math.max(512L << 20, Runtime.getRuntime().maxMemory() / opt.workers());
        return new TrialJob(t.id(), opt.launcher(), heap >> 20, threadsPerTrial(), flags, args, run.toString(), attempt);
    }

    /**
     * One trial, on whichever JVM runs it (this one, or a Spark executor): starts the trial's own JVM
     * ({@code TrialMain}: the CLI's distill) and waits for it. Whether it resumes is decided here, from
     * the run folder as the task finds it, so a task Spark retries after its executor died resumes
     * too. Interrupted (a pruned trial, a cancelled job, a stopping sweep), it stops the process;
     * killed outright, the process stops on its own when its stdin closes. Emits the exit code.
     */
    public static final class TrialTask implements Distributor.PartitionTask {
        @Override
        public void run(String jobJson, List<String> items, Distributor.ResultSink emit) throws IOException {
            TrialJob j = Json.MAPPER.readValue(jobJson, TrialJob.class);
            Path run = Path.of(j.runDir());
            boolean resume = Files.exists(Trainer.lastCheckpoint(run));
            if (!resume) {
                // Stopped before its first checkpoint: nothing to resume, start the run again.
                Files.deleteIfExists(run.resolve("run.json"));
            }
            Distributor.TaskPlace place = Distributor.TaskPlace.current();
            String executor = place == null ? null : place.executor();
            Launcher l = executor == null || executor.equals("driver") ? j.launcher() : j.launcher().here();
            int threads = place != null ? place.threads() : j.threads();
            List<String> cmd = new ArrayList<>();
            cmd.add(l.java());
            cmd.add("-Xmx" + j.heapMb() + "m");
            cmd.addAll(l.jvmArgs());
            if (l.jvmArgs().stream().noneMatch(a -> a.startsWith("-Dai.djl.offline="))) {
                cmd.add("-Dai.djl.offline=true");
            }
            cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
            cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
            cmd.addAll(j.jvmFlags());
            cmd.add("-cp");
            cmd.add(l.classPath());
            cmd.add(l.mainClass());
            cmd.addAll(j.args());
            if (resume) {
                cmd.add("--resume");
            }
            Path logFile = run.resolve(TRIAL_LOG);
            Files.createDirectories(run);
            Files.writeString(logFile, "=== " + Instant.now() + " attempt " + j.attempt() + (executor == null ? "" : " on " + Distributor.worker())
                    + ": " + String.join(" ", cmd.subList(cmd.indexOf(l.mainClass()), cmd.size())) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                    logFile.toFile()));
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
            pb.environment().put("MKL_NUM_THREADS", String.valueOf(threads));
            Process p = pb.start();
            try (OutputStream keepOpen = p.getOutputStream()) {
                // The child reads its stdin until EOF, which comes when this process dies: it then stops.
                p.waitFor();
            } catch (InterruptedException e) {
                p.destroy();
                try {
                    if (!p.waitFor(60, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor();
                    }
                } catch (InterruptedException again) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                    throw new IOException("trial " + j.id() + " stopped", again);
                }
                Thread.currentThread().interrupt();
            }
            // the process's own exit code, also when it was stopped (a pruned trial's is its SIGTERM's)
            emit.accept(items.get(0), String.valueOf(p.exitValue()));
        }
    }

    static boolean finishedRun(Path run) {
        Path runJson = run.resolve("run.json");
        if (!Files.isRegularFile(runJson) || !Files.isRegularFile(run.resolve("student.ckpt"))) {
            return false;
        }
        try {
            return "finished".equals(Json.MAPPER.readTree(runJson.toFile()).path("status").asText());
        } catch (IOException e) {
            return false;
        }
    }

    /** The child's "error: …" line (the CLI prints one for every failure), else its last line. */
    private static String lastError(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            String last = "";
            for (int i = lines.size() - 1; i >= 0; i--) {
                String l = lines.get(i).strip();
                if (l.startsWith("error:")) {
                    return l;
                }
                if (last.isEmpty() && !l.isEmpty()) {
                    last = l;
                }
                if (l.startsWith("=== ")) {
                    break;
                }
            }
            return last.isEmpty() ? "the trial process ended without a message" : last;
        } catch (IOException e) {
            return "the trial process failed (" + logFile + " unreadable)";
        }
    }

    /** Rewrites the report after every trial, so a long sweep can be watched. */
    private synchronized void afterTrial(SweepPlan.Trial t) {
        try {
            report();
        } catch (IOException | RuntimeException e) {
            say("warning: could not update the report after " + t.id() + ": " + e);
        }
    }

    private synchronized SweepReport.Results report() throws IOException {
        return SweepReport.write(plan, state, opt.sweepDir(), opt.reportDir());
    }

    private void say(String line) {
        if (!opt.quiet()) {
            log.println(line);
        }
    }

    static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(java.util.Locale.ROOT, "%.5g", v);
    }
}
