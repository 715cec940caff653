package dev.attnc.compiler.cli;

import dev.attnc.compiler.codegen.tornadovm.TornadoCompilation;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code attnc} command. Exit codes: 0 clean, 1 errors in the input, 2 usage errors,
 * 3 internal errors (a bug in attnc: a short "please report" line, no stack trace unless
 * ATTNC_DEBUG is set).
 */
@Command(name = "attnc", mixinStandardHelpOptions = true, version = "attnc 0.1.0",
        description = "A compiler for attention architectures: checks .attn models, draws their graphs and compiles them to Java.",
        subcommands = {CheckCommand.class, GraphCommand.class, CompileCommand.class, RunCommand.class, BenchCommand.class, EmbedCommand.class, ExplainCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int INPUT_ERRORS = 1;
    public static final int USAGE = 2;
    public static final int INTERNAL = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: check, graph, compile or run");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExitCodeExceptionMapper(e -> USAGE);
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            err.println("attnc: " + Terminal.safe(String.valueOf(e.getMessage())));
            err.println("Try 'attnc --help' for usage.");
            return USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            if (outOfMemory(e)) {
                return reportOutOfMemory(err);
            }
            if (e instanceof UsageError || e instanceof TornadoCompilation.SetupError) {
                err.println("attnc: " + Terminal.safe(String.valueOf(e.getMessage())));
                return USAGE;
            }
            err.println("attnc: internal error: " + Terminal.safe(String.valueOf(e)));
            err.println("This is a bug in attnc. Please report it with the input that caused it"
                    + " (set ATTNC_DEBUG=1 for the stack trace).");
            if (System.getenv("ATTNC_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return INTERNAL;
        });
        try {
            return commandLine.execute(args);
        } catch (OutOfMemoryError e) {
            // What was allocated is unreachable by now: there is room again for one line.
            return reportOutOfMemory(err);
        }
    }

    /**
     * A run that needs more memory than the JVM has (a large --seq or --max-seq, say) ends with
     * one line and exit 2, like any other request this machine cannot meet, not a stack trace.
     */
    private static int reportOutOfMemory(PrintWriter err) {
        err.println("attnc: out of memory: this needs more than the " + (Runtime.getRuntime().maxMemory() >> 20)
                + " MiB of heap the JVM has; use a smaller --seq or --max-seq, or give java more with -Xmx");
        err.flush();
        return USAGE;
    }

    private static boolean outOfMemory(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks ATTNC_THREADS (or the attnc.threads property) for the commands that run kernels,
     * before they do any work: a bad value is a usage error, not a failure of the first kernel.
     */
    static void checkThreadSetting() {
        try {
            dev.attnc.runtime.kernels.Threads.Setting.configured();
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    /** A mistake in how attnc was called (a missing file, say): exit code 2, one line. */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }
}
