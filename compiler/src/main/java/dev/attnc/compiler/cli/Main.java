package dev.attnc.compiler.cli;

import dev.attnc.compiler.check.Suggest;
import dev.attnc.compiler.codegen.ClassCache;
import dev.attnc.compiler.codegen.tornadovm.TaskGraphSplit;
import dev.attnc.compiler.codegen.tornadovm.TornadoCompilation;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code attnc} command. Exit codes: 0 clean, 1 errors in the input, 2 usage errors,
 * 3 internal errors (a bug in attnc: a short "please report" line, no stack trace unless
 * ATTNC_DEBUG is set).
 */
@Command(name = "attnc", mixinStandardHelpOptions = true, version = "attnc 0.1.0",
        description = "A compiler for attention architectures: checks .attn models, draws their graphs and compiles them to Java.",
        footer = {"", "`attnc COMMAND --help` tells more. The ./attnc launcher also runs `./attnc jshell` (JShell with attnc on its",
            "class path) and `./attnc java ARGS` (java of the JDK 21+ it found, with the Vector API)."},
        subcommands = {CheckCommand.class, GraphCommand.class, CompileCommand.class, RunCommand.class, BenchCommand.class, EmbedCommand.class, ExplainCommand.class,
                GenerateCommand.class, PerplexityCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int INPUT_ERRORS = 1;
    public static final int USAGE = 2;
    public static final int INTERNAL = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The one-line summaries of the command list (picocli shows a header there before the description). */
    private static final Map<String, String> SUMMARIES = Map.of(
            "check", "Check .attn files and print every error and warning.",
            "graph", "Draw the checked attention graph as SVG, or print it as Mermaid or DOT text.",
            "compile", "Compile a .attn file to Java source, one class per model.",
            "run", "Run a model on real or random weights and summarise its outputs.",
            "bench", "Time a model per step and in total (median and best of the calls).",
            "embed", "Sentence embeddings with all-MiniLM-L6-v2 and their similarities.",
            "explain", "Show the FLOPs, bytes and bound of each node at a sequence length.",
            "generate", "Generate text with a decoder on a checkpoint, streamed token by token.",
            "perplexity", "Perplexity of a decoder on a text file, to compare model variants.");

    @Override
    public void run() {
        // No command: the list of them, on stderr since this is a usage error.
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: " + String.join(", ", commandNames(spec)));
    }

    public static void main(String[] args) {
        // Models compiled by an earlier run load from the class cache (docs/api.md); tests call run() without it.
        ClassCache.enable(ClassCache.defaultFolder(System.getenv(), System.getProperty("user.home")).orElse(null));
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Main());
        addHelpEverywhere(commandLine);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExitCodeExceptionMapper(e -> USAGE);
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            CommandLine.Model.CommandSpec failed = e.getCommandLine().getCommandSpec();
            String name = failed.qualifiedName();
            err.println("attnc: " + Terminal.safe(explain(e)));
            err.println("Try '" + name + " --help' for usage.");
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
            if (taskGraphTooLarge(e)) {
                err.println("attnc: " + TASK_GRAPH_TOO_LARGE);
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
     * attnc cuts a model into task graphs that fit TornadoVM 5.2's buffer by its own count of the
     * bytes TornadoVM records per task; an overflow means this TornadoVM records more than that.
     */
    static final String TASK_GRAPH_TOO_LARGE = "a task graph of this model overflowed TornadoVM's fixed buffer for a graph's"
            + " tasks (8 KB in TornadoVM 5.2; attnc puts at most " + TaskGraphSplit.DEFAULT_BUDGET + " bytes of task records in"
            + " one graph): give a smaller -D" + TaskGraphSplit.BUDGET_PROPERTY + "=BYTES for more, smaller graphs, or run it"
            + " with --backend jvm (docs/tornadovm.md)";

    /**
     * Whether {@code e} is TornadoVM's overflow of a task graph's fixed-size buffer: a
     * {@link java.nio.BufferOverflowException} raised inside TornadoVM, anywhere in the causes.
     */
    static boolean taskGraphTooLarge(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof java.nio.BufferOverflowException && java.util.Arrays.stream(cause.getStackTrace())
                    .anyMatch(frame -> frame.getClassName().startsWith("uk.ac.manchester.tornado."))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every command answers {@code -h}/{@code --help}, even when its required FILE is missing
     * (picocli checks a usage-help option before required parameters), and gets a one-line summary.
     */
    private static void addHelpEverywhere(CommandLine commandLine) {
        for (CommandLine sub : commandLine.getSubcommands().values()) {
            CommandLine.Model.CommandSpec command = sub.getCommandSpec();
            String summary = SUMMARIES.get(command.name());
            if (summary != null) {
                command.usageMessage().header(summary);
            }
            boolean hasHelp = command.options().stream().anyMatch(CommandLine.Model.OptionSpec::usageHelp);
            if (!hasHelp && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                command.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help message and exit.").build());
            }
        }
    }

    private static List<String> commandNames(CommandLine.Model.CommandSpec spec) {
        return spec.subcommands().keySet().stream().filter(name -> !name.equals("help")).toList();
    }

    /**
     * picocli's message, or for a mistyped command or option one naming it with the nearest
     * known spelling, as the .attn diagnostics do.
     */
    static String explain(CommandLine.ParameterException e) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException unmatched) || unmatched.getUnmatched().isEmpty()) {
            return String.valueOf(e.getMessage());
        }
        CommandLine.Model.CommandSpec spec = e.getCommandLine().getCommandSpec();
        String word = unmatched.getUnmatched().get(0);
        if (word.startsWith("-")) {
            String option = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
            List<String> names = spec.options().stream().flatMap(o -> java.util.Arrays.stream(o.names())).toList();
            return "unknown option `" + option + "`" + hint(nearestOption(option, names));
        }
        if (spec.subcommands().isEmpty()) {
            return "unexpected argument `" + word + "`";
        }
        return "unknown command `" + word + "`" + hint(Suggest.closest(word, commandNames(spec)))
                + "; the commands are " + String.join(", ", commandNames(spec));
    }

    /** An option the word starts with (`--seqlen`: `--seq`), the longest such, else the nearest by edits. */
    private static String nearestOption(String word, List<String> names) {
        String prefix = null;
        for (String name : names) {
            if (name.startsWith("--") && word.startsWith(name) && (prefix == null || name.length() > prefix.length())) {
                prefix = name;
            }
        }
        return prefix != null ? prefix : Suggest.closest(word, names);
    }

    private static String hint(String suggestion) {
        return suggestion == null ? "" : "; did you mean `" + suggestion + "`?";
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
