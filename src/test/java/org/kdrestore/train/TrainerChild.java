package org.kdrestore.train;

import java.nio.file.Path;

/** A separate JVM that trains on {@link SyntheticSet} (used by {@link KillResumeTest}): args RUN_DIR [--resume]. */
public final class TrainerChild {
    private TrainerChild() {}

    public static void main(String[] args) throws Exception {
        boolean resume = args.length > 1 && args[1].equals("--resume");
        Trainer.run(SyntheticSet.tinyConfig(), new SyntheticSet(8, 2, 24, 28),
                new Trainer.Options(Path.of(args[0]), resume, true, "tiny test config"));
        System.exit(0);
    }
}
