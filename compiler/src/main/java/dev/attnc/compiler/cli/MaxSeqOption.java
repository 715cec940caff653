package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.AttnModel;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/** --max-seq sizes only run-time dims without a bound of their own; given where none exists, say so. */
final class MaxSeqOption {
    private MaxSeqOption() {
    }

    static void warnIfUnused(CommandSpec spec, List<AttnModel> models, long maxSeq, PrintWriter err) {
        if (!spec.commandLine().getParseResult().hasMatchedOption("--max-seq")) {
            return;
        }
        for (AttnModel model : models) {
            if (model.dims().values().stream().anyMatch(Optional::isEmpty)) {
                return;
            }
        }
        StringBuilder bounds = new StringBuilder();
        for (AttnModel model : models) {
            for (Map.Entry<String, Optional<Long>> dim : model.dims().entrySet()) {
                bounds.append(bounds.isEmpty() ? "" : ", ").append(Terminal.safe(dim.getKey())).append(" <= ").append(dim.getValue().get());
            }
        }
        err.println("attnc: warning: --max-seq " + maxSeq + " is not used: "
                + (bounds.isEmpty() ? "the model has no run-time dims" : "every run-time dim declares its own bound (" + bounds + ")"));
        err.flush();
    }
}
