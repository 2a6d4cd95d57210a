package org.kdrestore.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Bf16;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.common.ProcessLock;
import org.kdrestore.loss.DistillationLoss;
import org.kdrestore.loss.LossComponents;
import org.kdrestore.metric.Definition;
import org.kdrestore.metric.PixelErrors;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;
import org.kdrestore.model.Vgg16Features;
import org.kdrestore.weights.StateDict;
import org.kdrestore.weights.Weights;

/**
 * Distillation training of the student. Everything about a run lives in its folder:
 * <pre>
 *   run.json                 resolved config, git commit, dataset manifest hash, teacher weights
 *                            sha256, metric definitions, library versions, device, start/end
 *   metrics.csv              every step and epoch ({@link MetricsLog})
 *   train.log                the log lines (device, notes, epochs)
 *   checkpoints/last.ckpt    written atomically every train.checkpoint_every steps and every epoch
 *   checkpoints/epoch-NNN.ckpt  the state at the end of epoch NNN
 *   student.ckpt             the final checkpoint (what {@code student forward --checkpoint} takes)
 *   student.safetensors      the final weights alone, PyTorch state_dict names
 * </pre>
 * Determinism: initial weights come from {@code train.seed} through a Java RNG; each epoch's
 * order, crops and flips from (seed, epoch) ({@link EpochPlan}); there is no other randomness.
 * So on the CPU a run that is killed and resumed from its last checkpoint ends with the same
 * weights, bit for bit, as one that never stopped.
 */
public final class Trainer {
    /** Test hook: after this global step the process stops moving (so a test can kill it mid-epoch). */
    static final String HANG_AFTER_STEP = "kdrestore.debug.hangAfterStep";

    /**
     * @param runDir the run folder
     * @param resume continue from {@code runDir/checkpoints/last.ckpt}
     * @param quiet no progress bar and no log lines on stderr (--json)
     * @param configSource what the config came from, for run.json
     */
    public record Options(Path runDir, boolean resume, boolean quiet, String configSource) {}

    /** What a finished run reports; {@code notes}: what the loss had to say (a dropped VGG term), as train.log has them. */
    public record Result(Path runDir, long steps, int epochs, double lastLoss, double valSsim, double valPsnr,
            Path checkpoint, Path weights, long parameterCount, String device, List<String> notes) {}

    private final TrainConfig cfg;
    private final TrainingSet data;
    private final Options opt;
    private final Path runDir;
    private final long startNanos = System.nanoTime();

    private Trainer(TrainConfig cfg, TrainingSet data, Options opt) {
        this.cfg = cfg;
        this.data = data;
        this.opt = opt;
        this.runDir = opt.runDir();
    }

    public static Result run(TrainConfig cfg, TrainingSet data, Options opt) throws IOException {
        return new Trainer(cfg, data, opt).run();
    }

    public static Path lastCheckpoint(Path runDir) {
        return runDir.resolve("checkpoints").resolve("last.ckpt");
    }

    private Result run() throws IOException {
        Path last = lastCheckpoint(runDir);
        Path runJson = runDir.resolve("run.json");
        boolean resume = RunFolder.checkStart(runDir, opt.resume(), last, runJson);
        EpochLoop.checkData(data, cfg.train().crop(), data.location() != null ? data.location() : "in memory");
        TrainConfig.Train t = cfg.train();
        StudentConfig studentCfg = cfg.student().resolve();
        JsonNode cfgTree = ConfigLoader.toTree(cfg);

        try (ProcessLock lock = RunFolder.lock(runDir, opt.resume(), last, runJson); NDManager manager = Engines.newManager()) {
            log("device: " + Engines.describe());
            log("precision: " + Precision.check(t));
            StudentCnn net = StudentCnn.create(studentCfg, manager, t.seed());
            ConvGradientCheck.verify(net, t.bf16());
            DistillationLoss loss = new DistillationLoss(cfg.loss(), loadVgg(manager));
            for (String n : loss.notes()) {
                log("note: " + n);
            }
            boolean withTeacher = cfg.loss().usesTeacher();
            try (Adam adam = new Adam(net.namedParameters(), Adam.Settings.of(t.lr()))) {
                RunFolder.Begin begin;
                if (resume) {
                    Checkpoint.Loaded ck = Checkpoint.read(last, manager);
                    requireSameConfig(ck.state().config(), cfgTree, last);
                    begin = RunFolder.resume(runDir, last, ck.state(), net, ck.model(), adam, ck.optimizer(), this::log);
                } else {
                    begin = RunFolder.fresh(runDir, newRunJson(cfgTree, studentCfg, net, loss));
                }
                try (MetricsLog metrics = begin.metrics()) {
                    return loop(manager, net, adam, loss, withTeacher, metrics, begin.info(), begin.start());
                }
            }
        }
    }

    private Result loop(NDManager manager, StudentCnn net, Adam adam, DistillationLoss loss, boolean withTeacher,
            MetricsLog metrics, Map<String, Object> info, EpochLoop.Start start) throws IOException {
        TrainConfig.Train t = cfg.train();
        if (!info.containsKey("val_input_baseline")) {
            // What doing nothing scores: the degraded input itself against the ground truth.
            double[] base = validate(manager, x -> x);
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("ssim", RunFolder.finite(base[0]));
            b.put("psnr", RunFolder.finite(base[1]));
            info.put("val_input_baseline", b);
            Json.writeFile(runDir.resolve("run.json"), info);
            log(String.format("validation baseline (degraded input vs ground truth): SSIM %.4f, PSNR %.2f dB", base[0], base[1]));
        }
        ParameterStore ps = new ParameterStore(manager, false);
        Engine engine = Engines.engine();
        EpochLoop.Network student = new EpochLoop.Network() {
            @Override
            public EpochLoop.Step step(NDArray x, NDArray gt, NDArray te) {
                LossComponents lc;
                try (GradientCollector gc = engine.newGradientCollector(); Bf16.Scope precision = Bf16.scope(t.bf16())) {
                    NDArray y = net.forward(ps, new NDList(x), true).singletonOrThrow();
                    lc = loss.forward(y, gt, te);
                    gc.backward(lc.total());
                }
                return new EpochLoop.Step(lc.totalValue(), lc.raw(), String.format("loss %.4f", lc.totalValue()));
            }

            @Override
            public void checkpoint(int epoch, int batch, boolean epochDone, long global) throws IOException {
                Trainer.this.checkpoint(net, adam, epoch, batch, epochDone, global);
            }

            @Override
            public double[] validate() throws IOException {
                return Trainer.this.validate(manager, net::predict);
            }

            @Override
            public String epochLine(int epoch1, long global, double lastLoss, double[] val) {
                return String.format("epoch %d/%d: step %d, last loss %.5f, validation SSIM %.4f, PSNR %.2f dB", epoch1,
                        t.epochs(), global, lastLoss, val[0], val[1]);
            }
        };
        EpochLoop.End end = EpochLoop.run("distill", t, data, withTeacher, adam, (done, total) -> t.lr(), metrics, runDir, manager,
                student, start, opt.quiet(), this::log, this::elapsed);
        long global = end.global();
        int epochsRun = end.epochsRun();
        double lastLoss = end.lastLoss();
        double valSsim = end.validation()[0];
        double valPsnr = end.validation()[1];
        Path finalCkpt = runDir.resolve("student.ckpt");
        copy(lastCheckpoint(runDir), finalCkpt);
        Path weights = runDir.resolve("student.safetensors");
        Map<String, NDArray> sd = new LinkedHashMap<>();
        net.namedParameters().forEach((k, p) -> sd.put(k, p.getArray()));
        Weights.save(weights, sd);
        Result result = new Result(runDir, global, epochsRun, lastLoss, valSsim, valPsnr, finalCkpt, weights,
                net.parameterCount(), Engines.device().toString(), List.copyOf(loss.notes()));
        info.put("status", "finished");
        info.put("ended_at", Instant.now().toString());
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("steps", global);
        res.put("epochs", epochsRun);
        res.put("last_loss", RunFolder.finite(lastLoss));
        res.put("val_ssim", RunFolder.finite(valSsim));
        res.put("val_psnr", RunFolder.finite(valPsnr));
        res.put("checkpoint", finalCkpt.getFileName().toString());
        res.put("weights", weights.getFileName().toString());
        res.put("weights_sha256", Hashing.sha256(weights));
        info.put("result", res);
        Json.writeFile(runDir.resolve("run.json"), info);
        return result;
    }

    /** Mean SSIM and PSNR over the validation samples ({@link EpochLoop#validate}); NaN when none. */
    private double[] validate(NDManager manager, java.util.function.UnaryOperator<NDArray> net) throws IOException {
        return EpochLoop.validate(data, cfg.data(), manager, cfg.data().valCrop(), net);
    }

    private void checkpoint(StudentCnn net, Adam adam, int epoch, int batch, boolean epochDone, long global) throws IOException {
        Checkpoint.State s = new Checkpoint.State(Checkpoint.FORMAT, epoch, batch, epochDone, global, adam.stepCount(),
                adam.settings().lr(), ConfigLoader.toTree(cfg), net.config(), net.parameterCount(), Instant.now().toString());
        Checkpoint.write(lastCheckpoint(runDir), net, adam, s);
    }

    private static void copy(Path from, Path to) throws IOException {
        AtomicFiles.write(to, out -> Files.copy(from, out));
    }

    private Vgg16Features loadVgg(NDManager manager) throws IOException {
        String path = cfg.train().vggWeights();
        if (!cfg.loss().usesVgg() || path == null || path.isBlank()) {
            return null;
        }
        Path file = Path.of(path);
        Vgg16Features.Layer deepest = cfg.loss().vggLayers().stream().map(Vgg16Features.Layer::parse)
                .max(Comparator.comparingInt(l -> l.end)).orElseThrow();
        try (StateDict sd = Weights.read(file, manager)) {
            return Vgg16Features.load(manager, sd.tensors(), deepest, file.toString());
        }
    }

    private void requireSameConfig(JsonNode saved, JsonNode now, Path ckpt) {
        TrainConfig before = ConfigLoader.fromTree(saved, "checkpoint " + ckpt);
        RunFolder.requireSameConfig(before, cfg, ConfigLoader.toTree(before), now, ckpt,
                "resume with the same config (or without --config, which reuses run.json's)");
    }

    private Map<String, Object> newRunJson(JsonNode cfgTree, StudentConfig studentCfg, StudentCnn net, DistillationLoss loss) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("kind", "kd-restore distill run");
        info.put("status", "running");
        info.put("started_at", Instant.now().toString());
        info.put("ended_at", null);
        info.put("config_source", opt.configSource());
        info.put("config", cfgTree);
        Map<String, Object> student = new LinkedHashMap<>();
        student.put("name", studentCfg.describe());
        student.put("config", studentCfg);
        student.put("parameter_count", net.parameterCount());
        info.put("student", student);
        info.put("git_commit", gitCommit());
        Map<String, Object> ds = new LinkedHashMap<>();
        ds.put("path", data.location());
        ds.put("manifest_hash", data.manifestHash());
        ds.put("train_samples", data.trainIds().size());
        ds.put("validation_samples", data.validationIds().size());
        info.put("dataset", ds);
        info.put("teacher_weights_sha256", data.teacherWeightsSha256());
        Map<String, Object> vgg = new LinkedHashMap<>();
        String vggPath = cfg.train().vggWeights();
        vgg.put("path", vggPath);
        try {
            vgg.put("sha256", vggPath == null || vggPath.isBlank() ? null : Hashing.sha256(Path.of(vggPath)));
        } catch (IOException e) {
            vgg.put("sha256", null);
        }
        info.put("vgg_weights", vgg);
        Map<String, Object> defs = new LinkedHashMap<>();
        defs.put("loss", loss.describe());
        defs.put("loss_notes", loss.notes());
        defs.put("val_ssim", "mean over validation images of SSIM " + Definition.pytorchMsssim(1.0).describe()
                + "; images are " + (cfg.data().valCrop() > 0 ? "centre crops of side " + cfg.data().valCrop() : "whole"));
        defs.put("val_psnr", PixelErrors.DEFINITION + "; data range 1");
        defs.put("images_per_s", "batch size / wall time between the ends of consecutive steps (includes waiting for data)");
        defs.put("optimizer", "Adam as torch.optim.Adam (betas 0.9/0.999, eps 1e-8, no weight decay), constant lr");
        info.put("metric_definitions", defs);
        Map<String, Object> libs = new LinkedHashMap<>();
        libs.put("kd_restore", String.valueOf(Trainer.class.getPackage().getImplementationVersion()));
        libs.put("java", System.getProperty("java.version"));
        libs.put("djl", Engine.getDjlVersion());
        libs.put("engine", Engines.engine().getEngineName() + " " + Engines.engine().getVersion());
        info.put("libraries", libs);
        info.put("device", Engines.describe());
        info.put("precision", Precision.check(cfg.train()));
        return info;
    }

    /** The commit of the working directory's git checkout, "unknown" when there is none. */
    static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("[0-9a-f]{40}")) {
                Process d = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no").redirectErrorStream(true).start();
                String dirty = new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                d.waitFor(5, TimeUnit.SECONDS);
                return dirty.isEmpty() ? out : out + "-dirty";
            }
        } catch (IOException e) {
            // no git on this machine
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private void log(String line) throws IOException {
        RunFolder.log(runDir, opt.quiet(), line);
    }
}
