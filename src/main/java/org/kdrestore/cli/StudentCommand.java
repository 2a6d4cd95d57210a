package org.kdrestore.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.common.Engines;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;
import org.kdrestore.train.Checkpoint;
import org.kdrestore.weights.Weights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "student", mixinStandardHelpOptions = true,
        description = "The student CNN: run a trained one, show its shape.",
        subcommands = {StudentCommand.Forward.class, StudentCommand.Info.class})
public final class StudentCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** A checkpoint (.ckpt, from distill) carries its student config; a plain weights file needs --student. */
    static StudentCnn load(Path file, String preset, NDManager m) throws IOException {
        if (file.getFileName().toString().endsWith(".ckpt")) {
            return Checkpoint.loadStudent(file, m);
        }
        StudentCnn net = StudentCnn.create(StudentConfig.preset(preset), m, 0);
        Weights.loadInto(net, file, m, true);
        return net;
    }

    @Command(name = "forward", mixinStandardHelpOptions = true,
            description = "Restore one image with a trained student. Any size works (odd sides are padded by one replicated "
                    + "row/column and cropped back).")
    static final class Forward implements Callable<Integer> {
        @Mixin
        JsonOption out;

        @Option(names = "--checkpoint", required = true, paramLabel = "FILE",
                description = "student.ckpt / checkpoints/*.ckpt from distill, or a weights file (.safetensors, .npz, .pth) with --student.")
        Path checkpoint;

        @Option(names = "--student", paramLabel = "PRESET", defaultValue = "seed",
                description = "Student preset for a plain weights file: seed, seed-fixed, seed-residual (default ${DEFAULT-VALUE}).")
        String student;

        @Option(names = "--input", required = true, paramLabel = "IMG|NPY", description = "An image, or a .npy (3,H,W)/(1,3,H,W) float32 in [0,1].")
        Path input;

        @Option(names = "--output", required = true, paramLabel = "IMG|NPY", description = "Where to write the result (.png, .jpg, .npy).")
        Path output;

        @Option(names = "--bits", defaultValue = "8", description = "PNG bit depth, 8 or 16 (default ${DEFAULT-VALUE}).")
        int bits;

        @Override
        public Integer call() throws IOException {
            TeacherCommand.checkOutput(output, bits);
            try (NDManager m = Engines.newManager()) {
                StudentCnn net = load(checkpoint, student, m);
                NDArray x = TeacherCommand.readInput(m, input);
                long t0 = System.nanoTime();
                NDArray y = net.predict(x);
                double secs = (System.nanoTime() - t0) / 1e9;
                TeacherCommand.writeOutput(output, y, bits);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("input", input.toString());
                r.put("output", output.toString());
                r.put("shape", y.getShape().getShape());
                r.put("student", net.config().describe());
                r.put("parameters", net.parameterCount());
                r.put("seconds", secs);
                r.put("device", m.getDevice().toString());
                out.print(r, String.format("wrote %s %s in %.3f s on %s (student %s, %d parameters)", output, y.getShape(), secs,
                        m.getDevice(), net.config().describe(), net.parameterCount()));
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Print a student's layers and parameter count (a preset, or the student of a checkpoint).")
    static final class Info implements Callable<Integer> {
        @Mixin
        JsonOption out;

        @Option(names = "--student", paramLabel = "PRESET", defaultValue = "seed", description = "Preset (default ${DEFAULT-VALUE}).")
        String student;

        @Option(names = "--checkpoint", paramLabel = "FILE", description = "Describe the student of this checkpoint instead.")
        Path checkpoint;

        @Override
        public Integer call() throws IOException {
            try (NDManager m = Engines.newManager()) {
                StudentCnn net = checkpoint != null ? load(checkpoint, student, m) : StudentCnn.create(StudentConfig.preset(student), m, 0);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("student", net.config().describe());
                r.put("config", net.config());
                r.put("parameters", net.parameterCount());
                Map<String, Object> shapes = new LinkedHashMap<>();
                net.namedParameters().forEach((k, p) -> shapes.put(k, p.getArray().getShape().getShape()));
                r.put("tensors", shapes);
                StringBuilder sb = new StringBuilder("student " + net.config().describe() + ": " + net.parameterCount() + " parameters");
                shapes.forEach((k, v) -> sb.append(String.format("%n  %-18s %s", k, java.util.Arrays.toString((long[]) v))));
                out.print(r, sb.toString());
            }
            return 0;
        }
    }
}
