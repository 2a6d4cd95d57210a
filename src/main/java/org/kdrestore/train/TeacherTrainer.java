package org.kdrestore.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.kdrestore.common.Bf16;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.common.ProcessLock;
import org.kdrestore.common.UserInputException;
import org.kdrestore.infer.RestormerInference;
import org.kdrestore.metric.Definition;
import org.kdrestore.metric.PixelErrors;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.weights.ParameterNames;
import org.kdrestore.weights.Weights;

/**
 * Trains a Restormer teacher from scratch on (degraded → sharp) crops with L1 loss and Adam, as
 * upstream trains Restormer, using the student's machinery: {@link Adam} (torch's update, state
 * in checkpoints), {@link EpochPlan} (order, crops and flips from (seed, epoch)),
 * {@link Prefetcher}, {@link MetricsLog}, {@link Checkpoint}'s zip format and the run-folder
 * conventions of {@link Trainer}:
 * <pre>
 *   run.json                   resolved config, architecture, dataset manifest hash, held-out photos,
 *                              metric definitions, baseline (the degraded input's own scores), result
 *   metrics.csv                every step and epoch (loss column gt_l1 = the L1 that is minimised)
 *   train.log                  device, epochs, and whether the teacher beats the degraded input
 *   checkpoints/last.ckpt      every train.checkpoint_every steps and every epoch (atomic)
 *   checkpoints/epoch-NNN.ckpt the state at the end of epoch NNN
 *   restormer.safetensors      the final weights, upstream state_dict keys
 *   arch.json                  upstream's constructor arguments (what --arch-config reads)
 * </pre>
 * Deterministic on the CPU: initial weights from {@code train.seed} through a Java RNG, batches
 * from (seed, epoch), the learning rate a function of the step; a killed and resumed run ends
 * with the same weights as one that never stopped.
 */
public final class TeacherTrainer {
    public static final String FORMAT = "kd-restore teacher checkpoint v1";
    public static final String WEIGHTS = "restormer.safetensors";
    public static final String ARCH = "arch.json";

    /**
     * @param runDir the run folder
     * @param resume continue from {@code runDir/checkpoints/last.ckpt}
     * @param quiet no progress bar and no log lines on stderr (--json)
     * @param configSource what the config came from, for run.json
     * @param dataPath the prepared dataset folder, for run.json
     */
    public record Options(Path runDir, boolean resume, boolean quiet, String configSource, Path dataPath) {}

    /** Validation scores: mean SSIM and PSNR over the held-out images. */
    public record Scores(double ssim, double psnr, int images) {}

    /** What a finished run reports; {@code final*} are on whole held-out quadrants. */
    public record Result(Path runDir, long steps, int epochs, double lastLoss, Scores finalTeacher, Scores finalInput,
            boolean beatsInput, Path weights, String weightsSha256, Path arch, long parameterCount, String device) {}

    /** Where training stands, as the student's {@link Checkpoint.State} with the architecture instead of the student. */
    public record State(String format, int epoch, int batch, boolean epochDone, long globalStep, long adamStep,
            double lr, JsonNode config, Map<String, Object> arch, long parameterCount, String writtenAt)
            implements Checkpoint.Position {}

    private final TeacherTrainConfig cfg;
    private final TrainingSet data;
    private final Options opt;
    private final Path runDir;
    private final long startNanos = System.nanoTime();

    private TeacherTrainer(TeacherTrainConfig cfg, TrainingSet data, Options opt) {
        this.cfg = cfg;
        this.data = data;
        this.opt = opt;
        this.runDir = opt.runDir();
    }

    public static Result run(TeacherTrainConfig cfg, TrainingSet data, Options opt) throws IOException {
        return new TeacherTrainer(cfg, data, opt).run();
    }

    /**
     * A Restormer of {@code config} with PyTorch's default init drawn from a Java RNG seeded by
     * {@code seed}, except the last conv ({@code output}), which starts at zero: with the global
     * residual the untrained teacher is then exactly the identity (it returns the degraded input),
     * so training starts from the baseline instead of first undoing a random output layer's noise
     * (at the few hundred steps a shared CPU affords, that noise costs most of the budget). Its
     * gradient is not zero, so it moves on the first step and the rest of the net follows.
     */
    public static Restormer create(RestormerConfig config, NDManager manager, long seed) {
        Restormer model = Restormer.create(config, manager);
        // Restormer.create draws conv weights from the engine's RNG; redraw them from our own so
        // a run is reproducible anywhere. Norm weights/biases (1/0) and temperatures (1) stay.
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Parameter> named = ParameterNames.of(model);
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            String k = e.getKey();
            Parameter weight = k.endsWith(".bias") ? named.get(k.substring(0, k.length() - 5) + ".weight") : e.getValue();
            if (weight == null || weight.getArray().getShape().dimension() != 4) {
                continue;
            }
            Shape ws = weight.getArray().getShape();
            double bound = 1.0 / Math.sqrt((double) ws.size() / ws.get(0));
            NDArray a = e.getValue().getArray();
            float[] v = new float[Math.toIntExact(a.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
            a.set(v);
        }
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            if (e.getKey().startsWith("output.")) {
                NDArray a = e.getValue().getArray();
                a.set(new float[Math.toIntExact(a.size())]);
            }
        }
        return model;
    }

    private Result run() throws IOException {
        Path last = Trainer.lastCheckpoint(runDir);
        Path runJson = runDir.resolve("run.json");
        boolean resume = RunFolder.checkStart(runDir, opt.resume(), last, runJson);
        EpochLoop.checkData(data, cfg.train().crop(), String.valueOf(opt.dataPath()));
        TrainConfig.Train t = cfg.train();
        RestormerConfig arch = cfg.model().resolve();
        JsonNode cfgTree = ConfigLoader.MAPPER.valueToTree(cfg);
        try (ProcessLock lock = RunFolder.lock(runDir, opt.resume(), last, runJson); NDManager manager = Engines.newManager()) {
            log("device: " + Engines.describe());
            log("precision: " + Precision.check(t));
            Restormer net = create(arch, manager, t.seed());
            ConvGradientCheck.verify(net, t.bf16());
            Map<String, Parameter> params = ParameterNames.of(net);
            try (Adam adam = new Adam(params, Adam.Settings.of(t.lr()))) {
                RunFolder.Begin begin;
                if (resume) {
                    Checkpoint.Raw ck = Checkpoint.readRaw(last, manager);
                    State s = readState(ck.state(), last);
                    requireSameConfig(s.config(), cfgTree, last);
                    begin = RunFolder.resume(runDir, last, s, net, ck.model(), adam, ck.optimizer(), this::log);
                } else {
                    begin = RunFolder.fresh(runDir, newRunJson(cfgTree, arch, net));
                }
                try (MetricsLog metrics = begin.metrics()) {
                    return loop(manager, net, params, adam, metrics, begin.info(), begin.start());
                }
            }
        }
    }

    private Result loop(NDManager manager, Restormer net, Map<String, Parameter> params, Adam adam, MetricsLog metrics,
            Map<String, Object> info, EpochLoop.Start start) throws IOException {
        TrainConfig.Train t = cfg.train();
        Engine engine = Engines.engine();
        int crop = cfg.data().valCrop();
        Scores baseline = validate(manager, null, crop);
        info.put("baseline_validation", scoresMap(baseline, crop));
        Json.writeFile(runDir.resolve("run.json"), info);
        log(String.format("baseline (degraded input vs ground truth, %s): SSIM %.4f, PSNR %.2f dB over %d images",
                crop > 0 ? "centre crops " + crop : "whole images", baseline.ssim(), baseline.psnr(), baseline.images()));
        EpochLoop.Network teacher = new EpochLoop.Network() {
            @Override
            public EpochLoop.Step step(NDArray x, NDArray gt, NDArray unused) {
                NDArray y;
                double loss;
                try (GradientCollector gc = engine.newGradientCollector(); Bf16.Scope precision = Bf16.scope(t.bf16())) {
                    y = net.apply(x);
                    NDArray l = cfg.loss().of(y, gt);
                    gc.backward(l);
                    loss = l.getFloat();
                }
                // the residual branch's output size: 0 while the net is still the identity
                double residual = y.sub(x).abs().mean().getFloat();
                return new EpochLoop.Step(loss, Map.of(cfg.loss().term(), loss, MetricsLog.RESIDUAL, residual),
                        String.format("%s %.5f |out-in| %.4f", cfg.loss().kind(), loss, residual));
            }

            @Override
            public void checkpoint(int epoch, int batch, boolean epochDone, long global) throws IOException {
                TeacherTrainer.this.checkpoint(params, adam, epoch, batch, epochDone, global);
            }

            @Override
            public double[] validate() throws IOException {
                Scores val = TeacherTrainer.this.validate(manager, net, crop);
                return new double[] {val.ssim(), val.psnr()};
            }

            @Override
            public String epochLine(int epoch1, long global, double lastLoss, double[] val) {
                Scores s = new Scores(val[0], val[1], 0);
                return String.format("epoch %d/%d: step %d, last loss %.5f, validation SSIM %.4f (input %.4f), PSNR %.2f dB "
                        + "(input %.2f)%s", epoch1, t.epochs(), global, lastLoss, val[0], baseline.ssim(), val[1], baseline.psnr(),
                        beats(s, baseline) ? "" : " - does NOT beat the degraded input yet");
            }
        };
        EpochLoop.End end = EpochLoop.run("teacher", t, data, false, adam, (done, total) -> cfg.schedule().lr(t.lr(), done, total),
                metrics, runDir, manager, teacher, start, opt.quiet(), this::log,
                this::elapsed);
        long global = end.global();
        int epochsRun = end.epochsRun();
        double lastLoss = end.lastLoss();
        // Final scores on whole held-out quadrants, padded and clamped as `teacher forward` runs them.
        Scores finalInput = crop == 0 ? baseline : validate(manager, null, 0);
        Scores finalTeacher = validate(manager, net, 0);
        boolean beats = beats(finalTeacher, finalInput);
        log(String.format("final, whole held-out quadrants: teacher SSIM %.4f, PSNR %.2f dB; degraded input SSIM %.4f, PSNR %.2f dB",
                finalTeacher.ssim(), finalTeacher.psnr(), finalInput.ssim(), finalInput.psnr()));
        if (!beats) {
            log("WARNING: the teacher does not beat the degraded input on held-out photos: it has restored nothing;"
                    + " train longer or check the data");
        }
        Path weights = runDir.resolve(WEIGHTS);
        Map<String, NDArray> sd = new LinkedHashMap<>();
        params.forEach((k, p) -> sd.put(k, p.getArray()));
        Weights.save(weights, sd);
        Path archFile = runDir.resolve(ARCH);
        Json.writeFile(archFile, net.config().toUpstreamMap());
        String sha = Hashing.sha256(weights);
        long count = params.values().stream().mapToLong(p -> p.getArray().size()).sum();
        Result result = new Result(runDir, global, epochsRun, lastLoss, finalTeacher, finalInput, beats, weights, sha, archFile,
                count, Engines.device().toString());
        info.put("status", "finished");
        info.put("ended_at", Instant.now().toString());
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("steps", global);
        res.put("epochs", epochsRun);
        res.put("last_loss", RunFolder.finite(lastLoss));
        res.put("final_validation_teacher", scoresMap(finalTeacher, 0));
        res.put("final_validation_input", scoresMap(finalInput, 0));
        res.put("beats_input", beats);
        res.put("weights", WEIGHTS);
        res.put("weights_sha256", sha);
        res.put("arch", ARCH);
        res.put("train_seconds_this_process", elapsed());
        info.put("result", res);
        Json.writeFile(runDir.resolve("run.json"), info);
        return result;
    }

    /** Better on both SSIM and PSNR. */
    private static boolean beats(Scores s, Scores input) {
        return s.ssim() > input.ssim() && s.psnr() > input.psnr();
    }

    private static Map<String, Object> scoresMap(Scores s, int crop) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ssim", RunFolder.finite(s.ssim()));
        m.put("psnr", RunFolder.finite(s.psnr()));
        m.put("images", s.images());
        m.put("images_are", crop > 0 ? "centre crops of side " + crop : "whole quadrants");
        return m;
    }

    /**
     * Mean SSIM (pytorch-msssim definition, data range 1) and PSNR against the ground truth over
     * the held-out images, of the teacher's output ({@code net} given: reflect-padded to ×8,
     * clamped to [0,1], as {@code teacher forward}) or of the degraded input itself ({@code net} null).
     */
    private Scores validate(NDManager manager, Restormer net, int crop) throws IOException {
        RestormerInference inf = net == null ? null : new RestormerInference(net, RestormerInference.Options.upstream());
        double[] v = EpochLoop.validate(data, cfg.data(), manager, crop, x -> inf == null ? x : inf.restore(x));
        int images = EpochLoop.validationIds(data, cfg.data()).size();
        if (net != null) {
            // RestormerInference freezes the parameters (no graph while validating); training goes on after this.
            net.freezeParameters(false);
        }
        return new Scores(v[0], v[1], images);
    }

    private void checkpoint(Map<String, Parameter> params, Adam adam, int epoch, int batch, boolean epochDone, long global)
            throws IOException {
        long count = params.values().stream().mapToLong(p -> p.getArray().size()).sum();
        State s = new State(FORMAT, epoch, batch, epochDone, global, adam.stepCount(), adam.settings().lr(),
                ConfigLoader.MAPPER.valueToTree(cfg), cfg.model().resolve().toUpstreamMap(), count, Instant.now().toString());
        Checkpoint.write(Trainer.lastCheckpoint(runDir), params, adam, s);
    }

    private static State readState(JsonNode tree, Path ckpt) {
        State s;
        try {
            s = Json.MAPPER.treeToValue(tree, State.class);
        } catch (IOException e) {
            throw new UserInputException("checkpoint " + ckpt + ": state.json is unreadable: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(s.format())) {
            throw new UserInputException("checkpoint " + ckpt + " has format '" + s.format() + "', expected '" + FORMAT + "'");
        }
        return s;
    }

    private void requireSameConfig(JsonNode saved, JsonNode now, Path ckpt) {
        TeacherTrainConfig before = TeacherTrainConfig.fromTree(saved, "checkpoint " + ckpt);
        RunFolder.requireSameConfig(before, cfg, ConfigLoader.MAPPER.valueToTree(before), now, ckpt,
                "resume with the same --preset and --set values");
    }

    private Map<String, Object> newRunJson(JsonNode cfgTree, RestormerConfig arch, Restormer net) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("kind", "kd-restore teacher training run");
        info.put("status", "running");
        info.put("started_at", Instant.now().toString());
        info.put("ended_at", null);
        info.put("config_source", opt.configSource());
        info.put("config", cfgTree);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("arch", arch.toUpstreamMap());
        model.put("parameter_count", ParameterNames.of(net).values().stream().mapToLong(p -> p.getArray().size()).sum());
        info.put("model", model);
        info.put("git_commit", Trainer.gitCommit());
        Map<String, Object> ds = new LinkedHashMap<>();
        ds.put("path", String.valueOf(opt.dataPath()));
        ds.put("manifest_hash", data.manifestHash());
        if (data instanceof PreparedTrainingSet p) {
            ds.put("photos", p.dataset().photos());
            ds.put("validation_photos", p.validationPhotos());
        }
        ds.put("train_samples", data.trainIds().size());
        ds.put("validation_samples", data.validationIds().size());
        ds.put("split", "by photo: PreparedDataset.split(data.val_fraction, train.seed)");
        info.put("dataset", ds);
        Map<String, Object> defs = new LinkedHashMap<>();
        defs.put("loss", "l1".equals(cfg.loss().kind()) ? "L1 = mean |restored - ground truth| over N*C*H*W (upstream Restormer's pixel loss)"
                : "MSE = mean (restored - ground truth)^2 over N*C*H*W (what PSNR measures)");
        defs.put("val_ssim", "mean over held-out images of SSIM " + Definition.pytorchMsssim(1.0).describe()
                + "; per epoch on " + (cfg.data().valCrop() > 0 ? "centre crops of side " + cfg.data().valCrop() : "whole quadrants")
                + ", final on whole quadrants; the teacher's output is reflect-padded to x8 and clamped to [0,1]");
        defs.put("val_psnr", PixelErrors.DEFINITION + "; data range 1");
        defs.put("baseline", "the same scores for the degraded input itself: a teacher must beat it to have restored anything");
        defs.put("images_per_s", "batch size / wall time between the ends of consecutive steps (includes waiting for data)");
        defs.put("optimizer", "Adam as torch.optim.Adam (betas 0.9/0.999, eps 1e-8, no weight decay); lr "
                + cfg.schedule().kind() + (cfg.schedule().kind().equals("cosine") ? " from train.lr to schedule.min_lr" : ""));
        info.put("metric_definitions", defs);
        Map<String, Object> libs = new LinkedHashMap<>();
        libs.put("java", System.getProperty("java.version"));
        libs.put("djl", Engine.getDjlVersion());
        libs.put("engine", Engines.engine().getEngineName() + " " + Engines.engine().getVersion());
        info.put("libraries", libs);
        info.put("device", Engines.describe());
        info.put("precision", Precision.check(cfg.train()));
        info.put("cpu_threads_available", Runtime.getRuntime().availableProcessors());
        return info;
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private void log(String line) throws IOException {
        RunFolder.log(runDir, opt.quiet(), line);
    }
}
