package org.kdrestore.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The entry point of a sweep trial's JVM: the ordinary kd-restore command line (the sweep passes
 * {@code distill …}), plus two guards. It stops when its stdin reaches EOF, which happens when
 * the sweep process that started it dies, even by SIGKILL (the pipe closes), so a killed sweep
 * leaves no orphan training on. And it holds a lock on the run folder while it runs, so a resumed
 * sweep's new process waits for an old one to be gone instead of training the same folder twice.
 */
public final class TrialMain {
    private TrialMain() {}

    public static void main(String[] args) throws IOException {
        Thread watch = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the sweep never writes; just wait for the end
                }
            } catch (IOException e) {
                // a broken pipe means the same: the sweep is gone
            }
            System.err.println("sweep trial: the sweep process is gone; stopping");
            System.exit(3);
        }, "sweep-parent-watch");
        watch.setDaemon(true);
        watch.start();
        int i = List.of(args).indexOf("--run-dir");
        if (i < 0 || i + 1 >= args.length) {
            System.exit(KdRestore.commandLine().execute(args));
        }
        Path run = Path.of(args[i + 1]);
        Files.createDirectories(run);
        try (FileChannel ch = FileChannel.open(run.resolve(".trial.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = ch.lock()) {
            int rc = KdRestore.commandLine().execute(args);
            System.out.flush();
            System.exit(rc);
        }
    }
}
