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
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.train.PreparedTrainingSet;
import org.kdrestore.train.TeacherTrainConfig;
import org.kdrestore.train.TeacherTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a compact Restormer teacher from scratch on a prepared dataset (degraded -> sharp crops, "
                + "L1, Adam), for when the official weights are not available. Writes RUN/restormer.safetensors "
                + "(upstream keys) and RUN/arch.json, which `teacher forward|cache --weights ... --arch-config ...` take.")
public final class TeacherTrainCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--data", required = true, paramLabel = "PREPARED", description = "Prepared dataset folder (kd-restore prepare).")
    Path data;

    @Option(names = "--preset", paramLabel = "NAME|FILE.yaml",
            description = "restormer-s (default) or a YAML file with sections model, train, data, schedule, loss.")
    String preset;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config key, e.g. train.max_steps=100, model.num_blocks=1,1,1,1 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--run-dir", required = true, paramLabel = "DIR", description = "Run folder (new, or the one to resume).")
    Path runDir;

    @Option(names = "--resume", description = "Continue the run in --run-dir from its last checkpoint; without --preset "
            + "and --set the config comes from its run.json.")
    boolean resume;

    @Override
    public Integer call() throws IOException {
        TeacherTrainConfig cfg;
        String source;
        if (resume && preset == null && sets.isEmpty() && Files.isRegularFile(runDir.resolve("run.json"))) {
            JsonNode saved = Json.MAPPER.readTree(runDir.resolve("run.json").toFile()).get("config");
            if (saved == null) {
                throw new UserInputException(runDir.resolve("run.json") + " has no 'config'; pass --preset");
            }
            cfg = TeacherTrainConfig.load(writeTemp(saved), List.of());
            source = "run.json of " + runDir;
        } else {
            String p = preset == null ? "restormer-s" : preset;
            cfg = TeacherTrainConfig.load(p, sets);
            source = (TeacherTrainConfig.PRESETS.contains(p) ? "preset " : "config file ") + p
                    + (sets.isEmpty() ? "" : " with --set " + String.join(" ", sets));
        }
        PreparedTrainingSet set = new PreparedTrainingSet(PreparedDataset.open(data), cfg.data().valFraction(), cfg.train().seed(), null);
        TeacherTrainer.Result r = TeacherTrainer.run(cfg, set, new TeacherTrainer.Options(runDir, resume, out.json, source, data));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_dir", r.runDir().toString());
        m.put("steps", r.steps());
        m.put("epochs", r.epochs());
        m.put("last_loss", r.lastLoss());
        m.put("val_ssim", r.finalTeacher().ssim());
        m.put("val_psnr", r.finalTeacher().psnr());
        m.put("input_ssim", r.finalInput().ssim());
        m.put("input_psnr", r.finalInput().psnr());
        m.put("beats_input", r.beatsInput());
        m.put("weights", r.weights().toString());
        m.put("weights_sha256", r.weightsSha256());
        m.put("arch", r.arch().toString());
        m.put("parameter_count", r.parameterCount());
        m.put("device", r.device());
        out.print(m, String.format("teacher trained: %d steps; held-out SSIM %.4f (input %.4f), PSNR %.2f dB (input %.2f)%s%n"
                        + "weights %s (sha256 %s), arch %s", r.steps(), r.finalTeacher().ssim(), r.finalInput().ssim(),
                r.finalTeacher().psnr(), r.finalInput().psnr(),
                r.beatsInput() ? "" : " - does NOT beat the degraded input", r.weights(), r.weightsSha256(), r.arch()));
        return 0;
    }

    /** The saved config as a YAML file for the loader (same strict checks as a user's file). */
    private static String writeTemp(JsonNode saved) throws IOException {
        Path tmp = Files.createTempFile("kd-restore-teacher-config", ".yaml");
        tmp.toFile().deleteOnExit();
        Files.writeString(tmp, Json.MAPPER.writeValueAsString(saved));
        return tmp.toString();
    }
}
