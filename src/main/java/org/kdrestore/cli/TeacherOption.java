package org.kdrestore.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The teacher options of every command that trains or reports with a teacher (demo, distill,
 * sweep): one spelling, one resolver ({@code infer.TeacherResolver.choose}).
 */
final class TeacherOption {
    @Option(names = "--teacher", paramLabel = "auto|official|compact|FILE",
            description = "Which teacher: auto (official weights if cached, else the shipped compact models/restormer-s; default), "
                    + "official, compact, or a weights file (.safetensors, .pth, .npz).")
    String teacher = "auto";

    @Option(names = "--teacher-weights", paramLabel = "FILE", description = "Same as --teacher FILE.")
    Path weights;

    @Option(names = "--teacher-config", paramLabel = "CFG.json",
            description = "Arch config (upstream's constructor arguments) of a teacher weights file (default: motion deblurring).")
    Path config;

    /** The choice, with --teacher-weights folded in. */
    String choice() {
        if (weights != null) {
            if (!"auto".equals(teacher)) {
                throw new org.kdrestore.common.UserInputException("give the teacher once: --teacher " + teacher
                        + " and --teacher-weights " + weights);
            }
            return weights.toString();
        }
        return teacher;
    }
}
