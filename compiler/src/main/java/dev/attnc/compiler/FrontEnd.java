package dev.attnc.compiler;

import dev.attnc.compiler.ast.AttnFile;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.check.Checker;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.parse.SourceParser;
import dev.attnc.runtime.weights.CheckpointMetadata;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pipeline steps 1 to 3: parse, build the AST, check. Stops after a stage that reported
 * errors. Runs on a thread with a large stack, so that pathological nesting is reported as a
 * diagnostic instead of overflowing the caller's stack.
 */
public final class FrontEnd {
    private static final long STACK_BYTES = 512L * 1024 * 1024;

    private FrontEnd() {
    }

    /** What the front end made of one file. */
    public record Result(SourceFile source, Diagnostics diagnostics, Optional<AttnFile> ast, List<CheckedModel> models) {
        public boolean ok() {
            return !diagnostics.hasErrors();
        }
    }

    public static Result check(SourceFile source) {
        return check(source, null);
    }

    /** Checks against a checkpoint's metadata ({@code meta(...)} reads it); null for none. */
    public static Result check(SourceFile source, CheckpointMetadata checkpoint) {
        AtomicReference<Result> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = new Thread(null, () -> {
            try {
                result.set(checkOnThisThread(source, checkpoint));
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "attnc-front-end", STACK_BYTES);
        worker.start();
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + source.name(), e);
        }
        Throwable thrown = failure.get();
        if (thrown instanceof StackOverflowError) {
            Diagnostics diagnostics = new Diagnostics();
            diagnostics.error(new Span(source, 0, Math.min(1, source.text().length())),
                    dev.attnc.compiler.diag.Messages.nestedTooDeeply(SourceParser.MAX_NESTING));
            return new Result(source, diagnostics, Optional.empty(), List.of());
        }
        if (thrown instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
        return result.get();
    }

    private static Result checkOnThisThread(SourceFile source, CheckpointMetadata checkpoint) {
        Diagnostics diagnostics = new Diagnostics();
        Optional<AttnFile> ast = SourceParser.parse(source, diagnostics);
        if (ast.isEmpty()) {
            return new Result(source, diagnostics, ast, List.of());
        }
        List<CheckedModel> models = Checker.check(ast.get(), diagnostics, checkpoint);
        return new Result(source, diagnostics, ast, diagnostics.hasErrors() ? List.of() : models);
    }
}
