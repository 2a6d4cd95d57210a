package org.kdrestore.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.notebook.KernelInstaller;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "kernel", mixinStandardHelpOptions = true,
        description = "The Java Jupyter kernel for the notebooks.",
        subcommands = KernelCommand.Install.class)
public final class KernelCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Install the 'kd-restore' kernelspec (rapaio Java kernel + this project's jars, offline).")
    static final class Install implements Callable<Integer> {
        @Option(names = "--user", description = "Install for this user (the default): ~/.local/share/jupyter/kernels.")
        boolean user;

        @Option(names = "--prefix", paramLabel = "DIR", description = "Install under DIR/share/jupyter/kernels instead.")
        Path prefix;

        @Option(names = "--project", paramLabel = "DIR", hidden = true,
                description = "Project root (default: $KD_RESTORE_HOME or the current folder).")
        Path project;

        @Mixin
        JsonOption out;

        @Override
        public Integer call() throws Exception {
            Path root = project != null ? project : org.kdrestore.common.Checkout.home();
            Path dir = KernelInstaller.install(root, user ? null : prefix);
            out.print(Map.of("kernel", KernelInstaller.KERNEL_NAME, "kernelspec", dir.toString()),
                    "installed kernel '" + KernelInstaller.KERNEL_NAME + "' in " + dir);
            return 0;
        }
    }
}
