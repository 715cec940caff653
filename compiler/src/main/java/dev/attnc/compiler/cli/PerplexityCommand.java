package dev.attnc.compiler.cli;

import dev.attnc.runtime.generate.Perplexity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "perplexity", description = {
    "Perplexity of a decoder on a text: exp of the mean negative log-likelihood of each token given those before it,"
            + " in windows of the model's context, each from an empty cache. Lower is better; compare variants of one"
            + " .attn file on the same checkpoint and text."})
final class PerplexityCommand implements Callable<Integer> {
    /** The largest text read: 16 MiB, some 4 million tokens. */
    static final long MAX_TEXT_BYTES = 16L << 20;

    @Parameters(index = "0", paramLabel = "FILE", description = "the .attn decoder")
    Path file;

    @Option(names = "--weights", required = true, paramLabel = "W", description = "the checkpoint: a .gguf file or a Hugging Face folder")
    Path weights;

    @Option(names = "--text", required = true, paramLabel = "TEXT_FILE", description = "a UTF-8 text file (at most 16 MiB)")
    Path text;

    @Mixin
    WeightNamesOption weightNames = new WeightNamesOption();

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json", description = "a Hugging Face tokenizer.json, instead of the checkpoint's own")
    Path tokenizer;

    @Option(names = "--max-seq", paramLabel = "N", description = "the window, for a model whose dim declares no bound (default: ${DEFAULT-VALUE})")
    long maxSeq = 2048;

    @Option(names = "--backend", paramLabel = "B", description = "jvm (default) or tornadovm")
    String backend = "jvm";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String content = read(text);
        Main.checkThreadSetting();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (DecoderSetup setup = DecoderSetup.open(file, weights, weightNames, tokenizer, maxSeq, Backends.parse(backend), err)) {
            if (setup == null) {
                return Main.INPUT_ERRORS;
            }
            int[] ids = setup.tokenizer.encode(content, setup.tokenizer.addsBosByDefault());
            if (ids.length < 2) {
                throw new Main.UsageError(Terminal.safe(text.toString()) + " gives " + ids.length + " token(s); perplexity needs 2 or more");
            }
            long start = System.nanoTime();
            Perplexity.Score score = Perplexity.of(setup.tokens, ids);
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("perplexity %.4f over %d predicted tokens of %s (%d tokens, windows of %d, %.1f s)%n", score.perplexity(),
                    score.predicted(), Terminal.safe(text.getFileName().toString()), ids.length, setup.tokens.contextLength(), seconds);
        }
        return Main.OK;
    }

    private static String read(Path path) {
        try {
            if (!Files.isRegularFile(path)) {
                throw new Main.UsageError("--text " + Terminal.safe(path.toString()) + " is not a file");
            }
            if (Files.size(path) > MAX_TEXT_BYTES) {
                throw new Main.UsageError("--text " + Terminal.safe(path.toString()) + " is " + Files.size(path)
                        + " bytes, more than the " + MAX_TEXT_BYTES + " read at once; score a part of it");
            }
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(path))).toString();
        } catch (CharacterCodingException e) {
            throw new Main.UsageError("--text " + Terminal.safe(path.toString()) + " is not UTF-8 text");
        } catch (IOException e) {
            throw new Main.UsageError("cannot read --text " + Terminal.safe(path.toString()) + ": " + e.getMessage());
        }
    }
}
