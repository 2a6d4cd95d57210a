package org.kdrestore.notebook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.UserInputException;

/**
 * Installs the Jupyter kernelspec {@code kd-restore} from {@code kernel-config/kernel.json.template}:
 * the rapaio Java kernel with the project's runtime jars on its classpath, given as ONE glob
 * (the kernel ignores colon-separated lists).
 */
public final class KernelInstaller {
    public static final String KERNEL_NAME = "kd-restore";

    private KernelInstaller() {}

    /** Where the kernelspec goes: the user's Jupyter data dir, or {@code PREFIX/share/jupyter}. */
    public static Path kernelDir(Path prefix) {
        Path base = prefix != null
                ? prefix.resolve("share/jupyter")
                : Path.of(System.getProperty("user.home"), ".local/share/jupyter");
        return base.resolve("kernels").resolve(KERNEL_NAME);
    }

    /**
     * Writes {@code kernel.json} for the project at {@code projectRoot} into {@link #kernelDir}.
     *
     * @return the kernelspec folder
     */
    public static Path install(Path projectRoot, Path prefix) throws IOException {
        Path root = projectRoot.toAbsolutePath().normalize();
        Path template = root.resolve("kernel-config/kernel.json.template");
        Path kernelJar = root.resolve("target/kernel/rapaio-jupyter-kernel.jar");
        Path launcherJar = root.resolve("target/kernel/kd-restore-kernel-launcher.jar");
        Path lib = root.resolve("target/lib");
        if (!Files.isRegularFile(template)) {
            throw new UserInputException("kernel template not found: " + template + " (is " + root + " the kd-restore folder?)");
        }
        if (!Files.isRegularFile(kernelJar) || !Files.isRegularFile(launcherJar) || !Files.isRegularFile(lib.resolve("kd-restore.jar"))) {
            throw new UserInputException("build output missing: " + kernelJar + ", " + launcherJar + " or " + lib.resolve("kd-restore.jar")
                    + "; run 'mvn -DskipTests package' (or any ./kd-restore command) first");
        }
        Path dir = kernelDir(prefix);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String json = Files.readString(template)
                .replace("@JAVA@", jsonEscape(java))
                .replace("@KERNEL_JAR@", jsonEscape(kernelJar.toString()))
                .replace("@LAUNCHER_JAR@", jsonEscape(launcherJar.toString()))
                .replace("@LIB_GLOB@", jsonEscape(lib + "/*.jar"))
                .replace("@MIMA_CACHE@", jsonEscape(root.resolve("target/kernel/mima_cache").toString()))
                .replace("@PROJECT@", jsonEscape(root.toString()))
                // the installer's own preload (the launcher's tcmalloc), so notebooks run as fast as the CLI
                .replace("@LD_PRELOAD@", jsonEscape(Objects.requireNonNullElse(System.getenv("LD_PRELOAD"), "")));
        AtomicFiles.writeString(dir.resolve("kernel.json"), json);
        return dir;
    }

    private static String jsonEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
