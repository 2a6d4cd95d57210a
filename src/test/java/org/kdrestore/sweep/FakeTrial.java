package org.kdrestore.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.kdrestore.common.Json;

/**
 * Stands in for a trial's JVM in {@link SweepRunnerTest} (no training, so the runner's logic is
 * tested in seconds): takes distill's arguments, writes one epoch row per 0.4 s with
 * val_ssim = train.lr × epoch for 3 epochs, then run.json "finished". train.lr = 0.05 fails
 * like distill does (exit 2 and an "error:" line).
 */
public final class FakeTrial {
    private FakeTrial() {}

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        Path cfg = Path.of(a.get(a.indexOf("--config") + 1));
        Path run = Path.of(a.get(a.indexOf("--run-dir") + 1));
        JsonNode c = Json.YAML.readTree(cfg.toFile());
        double lr = c.path("train").path("lr").asDouble();
        if (lr == 0.05) {
            System.err.println("error: loss became NaN at step 1 (epoch 1); lower train.lr");
            System.exit(2);
        }
        StringBuilder csv = new StringBuilder("kind,epoch,global_step,loss,val_ssim,val_psnr\n");
        Files.writeString(run.resolve("metrics.csv"), csv);
        for (int e = 1; e <= 3; e++) {
            Thread.sleep(400);
            csv.append(String.format(Locale.ROOT, "step,%d,%d,%.6f,,\n", e, e, 1 - lr));
            csv.append(String.format(Locale.ROOT, "epoch,%d,%d,%.6f,%.6f,%.3f\n", e, e, 1 - lr, lr * e, 20 + lr * e));
            Files.writeString(run.resolve("metrics.csv"), csv);
        }
        Files.writeString(run.resolve("student.ckpt"), "fake");
        Files.writeString(run.resolve("run.json"), "{\"status\": \"finished\"}");
        System.out.println("{\"threads\": \"" + System.getProperty("ai.djl.pytorch.num_threads") + "\"}");
        System.exit(0);
    }
}
