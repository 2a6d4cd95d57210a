package org.kdrestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.report.Demo;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.PrepareConfig;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.infer.TeacherCache;
import org.kdrestore.infer.TeacherResolver;
import org.kdrestore.train.ConfigLoader;
import org.kdrestore.train.PreparedTrainingSet;
import org.kdrestore.train.TrainConfig;
import org.kdrestore.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Train the student by knowledge distillation from the ground truth and the teacher's cached outputs.",
                "Presets: seed (the seed's exact recipe: batch 32, 10 epochs, Adam lr 1e-4, whole 960x540 quadrants) and "
                        + "quick (128 px crops, batch 8, <= 240 steps, lr 1e-3: minutes on 2 CPU cores).",
                "The run folder gets run.json, metrics.csv, train.log, checkpoints/ and the final student.ckpt / "
                        + "student.safetensors."})
public final class DistillCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--config", paramLabel = "FILE.yaml|PRESET",
            description = "A preset (seed, quick) or a YAML file over the defaults. Optional with --resume (run.json's config is reused).")
    String config;

    @Option(names = "--data", paramLabel = "DIR",
            description = "A prepared dataset (with manifest.json) or a folder of photos, prepared on the fly into RUN_DIR/prepared. "
                    + "Optional with --resume.")
    Path data;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config key (repeatable), e.g. --set train.lr=1e-3 --set student.preset=seed-fixed.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--run-dir", required = true, paramLabel = "DIR", description = "Run folder (new, or the one to resume).")
    Path runDir;

    @Option(names = "--resume", description = "Continue the run in --run-dir from its last checkpoint.")
    boolean resume;

    @Option(names = "--teacher-cache", paramLabel = "DIR",
            description = "Teacher cache (default PREPARED/teacher-cache). Given without --teacher, it is used as it is.")
    Path teacherCache;

    @Mixin
    TeacherOption teacherOption;

    @Option(names = "--no-teacher-fill",
            description = "Never compute teacher outputs: stop if the cache lacks any (default: the teacher fills what is missing, "
                    + "with progress, before training).")
    boolean noTeacherFill;

    @Option(names = "--vgg-weights", paramLabel = "FILE", description = "torchvision VGG16 weights for the VGG loss (same as --set train.vgg_weights=FILE).")
    Path vggWeights;

    @Option(names = "--print-config", description = "Print the resolved config (and every key) and exit without training.")
    boolean printConfig;

    @Override
    public Integer call() throws IOException {
        List<String> all = new ArrayList<>(sets);
        if (vggWeights != null) {
            if (!Files.isRegularFile(vggWeights)) {
                throw new UserInputException("--vgg-weights " + vggWeights + " does not exist");
            }
            all.add("train.vgg_weights=" + vggWeights.toAbsolutePath());
        }
        JsonNode saved = resume ? savedRun() : null;
        TrainConfig cfg;
        String source;
        if (config != null) {
            cfg = ConfigLoader.load(config, all);
            source = config + (all.isEmpty() ? "" : " + " + String.join(" ", all));
        } else if (saved != null && saved.has("config")) {
            cfg = ConfigLoader.load(saved.get("config"), runDir.resolve("run.json") + " config", all);
            source = saved.path("config_source").asText("run.json");
        } else {
            throw new UserInputException("--config FILE.yaml|PRESET is required (presets: " + ConfigLoader.PRESETS + ")");
        }
        if (printConfig) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("config", ConfigLoader.toTree(cfg));
            m.put("keys", ConfigLoader.keys());
            out.print(m, Json.write(ConfigLoader.toTree(cfg)));
            return 0;
        }
        Path dataDir = data;
        if (dataDir == null && saved != null) {
            String p = saved.path("dataset").path("path").asText(null);
            dataDir = p == null ? null : Path.of(p);
        }
        if (dataDir == null) {
            throw new UserInputException("--data DIR is required (a prepared dataset or a folder of photos)");
        }
        PreparedDataset ds = openOrPrepare(dataDir);
        PreparedTrainingSet.TeacherTargets teacher = cfg.loss().usesTeacher() ? teacherTargets(ds.root(), cfg) : null;
        PreparedTrainingSet set = new PreparedTrainingSet(ds, cfg.data().valFraction(), cfg.train().seed(), teacher);
        Trainer.Result r = Trainer.run(cfg, set, new Trainer.Options(runDir, resume, out.json, source));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_dir", r.runDir().toString());
        m.put("steps", r.steps());
        m.put("epochs", r.epochs());
        m.put("last_loss", r.lastLoss());
        m.put("val_ssim", r.valSsim());
        m.put("val_psnr", r.valPsnr());
        m.put("checkpoint", r.checkpoint().toString());
        m.put("weights", r.weights().toString());
        m.put("parameters", r.parameterCount());
        m.put("device", r.device());
        out.print(m, String.format("trained %d steps (%d epochs) on %s: last loss %.5f, validation SSIM %.4f, PSNR %.2f dB%n"
                + "student (%d parameters): %s", r.steps(), r.epochs(), r.device(), r.lastLoss(), r.valSsim(), r.valPsnr(),
                r.parameterCount(), r.checkpoint()));
        return 0;
    }

    private JsonNode savedRun() throws IOException {
        Path runJson = runDir.resolve("run.json");
        return Files.isRegularFile(runJson) ? Json.MAPPER.readTree(runJson.toFile()) : null;
    }

    private PreparedDataset openOrPrepare(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new UserInputException("--data " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new UserInputException("--data " + dir + " is not a folder");
        }
        if (Files.isRegularFile(dir.resolve(DatasetPreparer.MANIFEST))) {
            return PreparedDataset.open(dir);
        }
        if (DatasetPreparer.listPhotos(dir).isEmpty()) {
            throw new UserInputException("--data " + dir + " is neither a prepared dataset (no " + DatasetPreparer.MANIFEST
                    + ") nor a folder of photos");
        }
        Path prepared = runDir.resolve("prepared");
        new DatasetPreparer(PrepareConfig.DEFAULT).prepare(dir, prepared, false, out.json);
        return PreparedDataset.open(prepared);
    }

    /**
     * The teacher's outputs for training: resolved by {@code --teacher} (as demo does) and filled
     * into the cache where missing, unless the user named a cache to use as it is
     * ({@code --teacher-cache} without {@code --teacher}) or turned filling off.
     */
    private PreparedTrainingSet.TeacherTargets teacherTargets(Path prepared, TrainConfig cfg) throws IOException {
        Path root = teacherCache != null ? teacherCache : prepared.resolve("teacher-cache");
        boolean asGiven = teacherCache != null && "auto".equals(teacherOption.teacher) && teacherOption.weights == null;
        if (!noTeacherFill && !asGiven) {
            TeacherResolver.Resolved teacher = TeacherResolver.choose(teacherOption.choice(), teacherOption.config,
                    org.kdrestore.common.Checkout.home(), TeacherResolver.defaultCache());
            if (!out.json) {
                System.err.println("teacher: " + teacher.describe());
            }
            TeacherCache.Summary filled = TeacherCache.fill(teacher, prepared, root, out.json);
            Files.createDirectories(runDir);
            Json.writeFile(runDir.resolve("teacher.json"), teacher.toMap());
            return Demo.targets(TeacherCache.open(filled.cacheDir()));
        }
        if (!Files.isDirectory(root)) {
            throw new UserInputException("teacher loss terms are on (loss.teacher_l1=" + cfg.loss().teacherL1() + ", teacher_ssim="
                    + cfg.loss().teacherSsim() + ", teacher_vgg=" + cfg.loss().teacherVgg() + ") but there is no teacher cache at "
                    + root + " and filling it is off: drop --no-teacher-fill, run 'kd-restore teacher cache --data " + prepared
                    + " --weights FILE', or set the three teacher weights to 0");
        }
        return Demo.targets(TeacherCache.open(root));
    }
}
