package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.Weights;
import dev.attnc.runtime.weights.CheckpointMetadata;
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

    /** Prints the one-line error of a checkpoint that cannot be read; the exit code for errors in the input. */
    static int unreadable(WeightException e, java.io.PrintWriter err) {
        err.println("attnc: error: " + Terminal.safe(String.valueOf(e.getMessage())));
        err.flush();
        return Main.INPUT_ERRORS;
    }
}
