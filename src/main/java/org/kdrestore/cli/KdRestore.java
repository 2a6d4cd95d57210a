package org.kdrestore.cli;

import org.kdrestore.common.NoSpaceLeftException;
import org.kdrestore.common.UserInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kd-restore} command line. Every subcommand is a thin layer over the library's
 * public API (the notebooks call the same API). Exit codes: 0 success, 1 internal error,
 * 2 bad input (the message names the file, key or value).
 */
@Command(
        name = "kd-restore",
        mixinStandardHelpOptions = true,
        versionProvider = InfoCommand.VersionProvider.class,
        description = "Image restoration by knowledge distillation (Restormer teacher, tiny student CNN).",
        subcommands = {
            CommandLine.HelpCommand.class,
            InfoCommand.class,
            KernelCommand.class,
            BenchCommand.class,
            TeacherCommand.class,
            DistillCommand.class,
            StudentCommand.class,
            DegradeCommand.class,
            PrepareCommand.class,
            DataCommand.class,
            MetricCommand.class,
            LossCommand.class,
            VggCommand.class,
            WeightsCommand.class,
            SweepCommand.class,
            EvaluateCommand.class,
            ReportCommand.class,
            DemoCommand.class,
            ReproduceCommand.class,
        })
public final class KdRestore implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Read by the exception handler from the arguments; declared here so every subcommand accepts it. */
    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "On an error, also print the stack trace (a bad-input error is otherwise one line).")
    boolean verbose;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new KdRestore());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable t = ex;
            while (t.getCause() != null && !(t instanceof UserInputException)) {
                if (t.getCause() instanceof UserInputException) {
                    t = t.getCause();
                    break;
                }
                t = t.getCause();
            }
            boolean verbose = parseResult != null && parseResult.originalArgs().contains("--verbose");
            if (t instanceof UserInputException) {
                commandLine.getErr().println("error: " + t.getMessage());
                if (verbose) {
                    ex.printStackTrace(commandLine.getErr());
                }
                return 2;
            }
            Throwable full = NoSpaceLeftException.diskFullCause(ex);
            if (full != null) {
                // The environment, not the input: one line that names the file (exit 1), the trace only with --verbose.
                commandLine.getErr().println("error: " + (full instanceof NoSpaceLeftException ? full.getMessage()
                        : "no space left on device: " + full.getMessage() + "; free some space and run the command again"));
                if (verbose) {
                    ex.printStackTrace(commandLine.getErr());
                }
                return 1;
            }
            for (Throwable c = ex; c != null; c = c.getCause()) {
                if (c instanceof org.kdrestore.common.Distributor.TaskFailure f) {
                    // a cluster's task failed for good: its message says where and why; the trace only with --verbose
                    commandLine.getErr().println("error: " + f.getMessage());
                    if (verbose) {
                        ex.printStackTrace(commandLine.getErr());
                    }
                    return 1;
                }
            }
            commandLine.getErr().println("error: " + ex);
            ex.printStackTrace(commandLine.getErr());
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + ex.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr())) {
                c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            }
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
