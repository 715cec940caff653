package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.Weights;
import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.CollectingWeights;
import dev.attnc.runtime.weights.RenamedWeights;
import dev.attnc.runtime.weights.WeightNames;
import dev.attnc.runtime.weights.WeightException;
import dev.attnc.runtime.weights.WeightSource;
import java.nio.file.Path;

/**
 * {@code --weights W} of check, compile and run: the checkpoint a file is compiled against
 * ({@code meta(...)} reads its metadata) and, for run, the weights it loads: a GGUF file, or a
 * safetensors file or {@code model.safetensors.index.json} with the {@code config.json} beside it.
 */
final class CheckpointOption {
    private CheckpointOption() {
    }

    /** Opens the weights named by {@code --weights}. */
    static WeightSource open(Path weights) {
        return Weights.open(weights);
    }

    /**
     * Opens the weights named by {@code --weights}, read under the names {@code --weights-prefix}
     * and {@code --weights-map} give the {@code .attn} file's names (either may be null).
     */
    static WeightSource open(Path weights, String prefix, Path map) {
        WeightNames names = map == null ? WeightNames.none() : WeightNames.read(map);
        names = prefix == null ? names : names.withPrefix(prefix);
        WeightSource checkpoint = open(weights);
        return names.isEmpty() ? checkpoint : new RenamedWeights(checkpoint, names);
    }

    /** The usage error of --weights-prefix or --weights-map without --weights (random weights have every name). */
    static void checkRenaming(Path weights, String prefix, Path map) {
        if (weights == null && (prefix != null || map != null)) {
            throw new Main.UsageError((prefix != null ? "--weights-prefix" : "--weights-map")
                    + " maps names of a checkpoint: it needs --weights");
        }
        if (map != null) {
            SourceFiles.checkReadable("--weights-map", map);
        }
    }

    /**
     * Loads a model from a checkpoint, reporting every tensor it lacks or cannot read at once.
     *
     * @throws WeightException listing them all (the model is closed first)
     */
    static <M extends AutoCloseable> M loadAll(WeightSource checkpoint, String what,
            java.util.function.Function<WeightSource, M> load) {
        CollectingWeights collecting = new CollectingWeights(checkpoint);
        M loaded = load.apply(collecting);
        try {
            collecting.throwIfProblems(what);
        } catch (WeightException e) {
            try {
                loaded.close();
            } catch (Exception ignored) {
                // the report below is what matters
            }
            // Several names missing at once usually means the checkpoint names them differently.
            boolean missing = collecting.problems().keySet().stream().filter(name -> !checkpoint.contains(name)).count() > 1;
            throw new WeightException(e.getMessage() + (missing
                    ? "\nnames differ? map them with --weights-prefix FROM=TO or --weights-map FILE instead of editing"
                            + " every `from \"...\"`" : ""), e);
        }
        return loaded;
    }

    /** The metadata of {@code --weights}, or null without the option (meta(...) then reports it). */
    static CheckpointMetadata metadata(Path weights) {
        if (weights == null) {
            return null;
        }
        SourceFiles.checkReadable("--weights", weights);
        try (WeightSource source = open(weights)) {
            return source.checkpointMetadata();
        }
    }

    /**
     * Prints the error of a checkpoint that cannot be read or does not fit the model: one line,
     * or one per tensor for a report of several (each line made safe to print); the exit code
     * for errors in the input.
     */
    static int unreadable(RuntimeException e, java.io.PrintWriter err) {
        String[] lines = String.valueOf(e.getMessage()).split("\n", -1);
        err.println("attnc: error: " + Terminal.safe(lines[0]));
        for (int line = 1; line < lines.length; line++) {
            err.println(Terminal.safe(lines[line]));
        }
        err.flush();
        return Main.INPUT_ERRORS;
    }
}
