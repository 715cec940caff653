package dev.attnc.compiler.api;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.diag.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * attnc in-process: from {@code .attn} text or a file to models you can load and run, with no
 * file written (javac runs in memory). For Java code, tests, JShell and notebooks.
 *
 * <pre>{@code
 * AttnModel model = Attnc.compile(Path.of("samples/gpt2_block/gpt2_block.attn")).orElseThrow();
 * try (Model run = model.load(Weights.random(42))) {
 *     Map<String, Tensor> out = run.forward(Map.of("ids", Tensor.ints(new int[] {15496, 995}, 2)));
 * }
 * }</pre>
 *
 * <p>{@code compile} checks the source and generates every model's Java at once, so that every
 * problem is a {@link Diagnostic}; javac runs when a model is first loaded. {@code check} only
 * checks: its models generate their Java when first asked for, and a problem found then is a
 * {@link CompilationException}. All methods are safe to call from several threads.
 */
public final class Attnc {
    /** The name {@link #compile(String)} and {@link #check(String)} give a source without one. */
    public static final String TEXT_NAME = "<text>";

    private Attnc() {
    }

    /**
     * Checks a {@code .attn} file and generates its models' Java with the default options.
     *
     * @throws UncheckedIOException if the file cannot be read
     */
    public static Compilation compile(Path file) {
        return compile(file, CompileOptions.defaults());
    }

    /**
     * Checks a {@code .attn} file and generates its models' Java.
     *
     * @throws UncheckedIOException if the file cannot be read
     */
    public static Compilation compile(Path file, CompileOptions options) {
        return compile(file.toString(), read(file), options);
    }

    /** Checks {@code .attn} source text (named {@value #TEXT_NAME} in diagnostics) and generates its models' Java. */
    public static Compilation compile(String text) {
        return compile(TEXT_NAME, text, CompileOptions.defaults());
    }

    /**
     * Checks {@code .attn} source text and generates its models' Java.
     *
     * @param name what diagnostics call the source, such as a file name
     */
    public static Compilation compile(String name, String text, CompileOptions options) {
        Compilation checked = check(name, text, options);
        if (!checked.ok()) {
            return checked;
        }
        List<Diagnostic> diagnostics = new ArrayList<>(checked.diagnostics());
        StringBuilder rendered = new StringBuilder(checked.render());
        for (AttnModel model : checked.models()) {
            try {
                model.generated();
            } catch (CompilationException e) {
                Diagnostic error = e.diagnostics().get(0);
                diagnostics.add(error);
                rendered.append(error.rendered()).append('\n');
            }
        }
        if (diagnostics.size() == checked.diagnostics().size()) {
            return checked;
        }
        return new Compilation(name, diagnostics, 0, rendered.toString(), List.of());
    }

    /**
     * Checks a {@code .attn} file: diagnostics and models, with no Java generated yet.
     *
     * @throws UncheckedIOException if the file cannot be read
     */
    public static Compilation check(Path file) {
        return check(file.toString(), read(file), CompileOptions.defaults());
    }

    /** Checks {@code .attn} source text (named {@value #TEXT_NAME} in diagnostics). */
    public static Compilation check(String text) {
        return check(TEXT_NAME, text, CompileOptions.defaults());
    }

    /**
     * Checks {@code .attn} source text; its models will generate their Java with {@code options}
     * when first asked for.
     *
     * @param name what diagnostics call the source, such as a file name
     */
    public static Compilation check(String name, String text, CompileOptions options) {
        SourceFile source = new SourceFile(name, text);
        FrontEnd.Result result = FrontEnd.check(source, options.checkpoint());
        List<Diagnostic> diagnostics = result.diagnostics().all().stream().map(Diagnostic::of).toList();
        List<AttnModel> models = new ArrayList<>();
        if (result.ok()) {
            for (CheckedModel model : result.models()) {
                models.add(new AttnModel(model, source, options));
            }
        }
        return new Compilation(name, diagnostics, result.diagnostics().dropped(), result.diagnostics().render(), models);
    }

    /** A file's text; malformed UTF-8 becomes U+FFFD, which the checker then reports where it is. */
    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
