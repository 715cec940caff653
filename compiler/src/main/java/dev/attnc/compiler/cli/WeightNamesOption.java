package dev.attnc.compiler.cli;

import dev.attnc.runtime.weights.WeightSource;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --weights-prefix FROM=TO} and {@code --weights-map FILE}, the same for every command
 * that loads a checkpoint (run, bench, generate, perplexity): they read the checkpoint's
 * tensors under other names than the {@code .attn} file's {@code from "..."}, so that a file
 * whose names differ loads without editing every one of them.
 */
final class WeightNamesOption {

    @Option(names = "--weights-prefix", paramLabel = "FROM=TO",
            description = "read the checkpoint's tensors under other names: a leading FROM of each name the .attn file"
                    + " reads becomes TO (=transformer. adds a prefix, model.= removes one; a plain P adds P)")
    String prefix;

    @Option(names = "--weights-map", paramLabel = "FILE",
            description = "a file of lines `attn_name = checkpoint_name` ({n} matches a layer number; # comments)"
                    + " naming the checkpoint's tensor for each name the .attn file reads; before --weights-prefix")
    Path map;

    /** The usage errors of these options: either without a checkpoint, a mapping file that cannot be read. */
    void check(Path weights) {
        CheckpointOption.checkRenaming(weights, prefix, map);
    }

    /** Opens {@code weights}, read under the names these options give. */
    WeightSource open(Path weights) {
        return CheckpointOption.open(weights, prefix, map);
    }

    /** Whether either option was given. */
    boolean renames() {
        return prefix != null || map != null;
    }
}
