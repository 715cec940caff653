package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompilationException;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.TensorSpec;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.DType;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.generate.DecoderTokenModel;
import dev.attnc.runtime.text.ByteLevelBpeTokenizer;
import dev.attnc.runtime.text.Tokenizer;
import dev.attnc.runtime.text.TokenizerException;
import dev.attnc.runtime.tornado.FloatWeights;
import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.WeightException;
import dev.attnc.runtime.weights.WeightSource;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What generate and perplexity share: a .attn decoder compiled against a checkpoint's metadata,
 * loaded with its weights, and the checkpoint's tokenizer.
 */
final class DecoderSetup implements AutoCloseable {
    final WeightSource weights;
    final AttnModel model;
    final Decoder decoder;
    final Tokenizer tokenizer;
    final DecoderTokenModel tokens;
    /** The ids that end generation: the tokenizer's EOS and config.json's eos_token_id. */
    final List<Integer> endOfSequence;
    final double compileMillis;
    final double loadMillis;

    private DecoderSetup(WeightSource weights, AttnModel model, Decoder decoder, Tokenizer tokenizer, DecoderTokenModel tokens,
            List<Integer> endOfSequence, double compileMillis, double loadMillis) {
        this.weights = weights;
        this.model = model;
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.tokens = tokens;
        this.endOfSequence = endOfSequence;
        this.compileMillis = compileMillis;
        this.loadMillis = loadMillis;
    }

    /**
     * Null when the source has errors (already printed to {@code err}); {@code names} renames the
     * checkpoint's tensors (--weights-prefix, --weights-map); {@code backend} is --backend.
     */
    static DecoderSetup open(Path file, Path weightsPath, WeightNamesOption names, Path tokenizerPath, long maxSeq, Backends backend,
            PrintWriter err) {
        if (!Files.exists(weightsPath)) {
            throw new Main.UsageError("--weights " + Terminal.safe(weightsPath.toString()) + " does not exist");
        }
        names.check(weightsPath);
        SourceFile source = SourceFiles.read(file);
        WeightSource weights;
        try {
            weights = names.open(weightsPath);
        } catch (WeightException e) {
            return unreadable(e, err);
        }
        try {
            long started = System.nanoTime();
            CompileOptions options = new CompileOptions(backend == Backends.TORNADOVM ? Backend.TORNADOVM : Backend.JVM,
                    CompileOptions.DEFAULT_PACKAGE, maxSeq)
                    .withCheckpoint(weights.checkpointMetadata());
            Compilation compilation = Attnc.check(source.name(), source.text(), options);
            err.print(compilation.render());
            err.flush();
            if (!compilation.ok()) {
                weights.close();
                return null;
            }
            AttnModel model = compilation.models().get(0);
            TensorSpec input = model.inputs().stream().filter(s -> s.dtype() == DType.I32).findFirst()
                    .orElseThrow(() -> new Main.UsageError(model.name() + " has no int input for token ids"));
            TensorSpec output = model.outputs().stream().filter(s -> s.dtype() == DType.F32 && s.shape().size() == 2)
                    .findFirst().orElseThrow(() -> new Main.UsageError(model.name() + " has no [T, vocabulary] output for logits"));
            if (model.inputs().size() != 1) {
                throw new Main.UsageError(model.name() + " takes " + model.inputs().size()
                        + " inputs; generate feeds one, the token ids");
            }
            if (backend == Backends.TORNADOVM) {
                err.println(model.name() + ": " + Backends.describe(backend, null));
                err.flush();
            }
            model.modelClass();
            double compileMillis = (System.nanoTime() - started) / 1e6;
            Tokenizer tokenizer = tokenizer(weights, weightsPath, tokenizerPath);
            List<Integer> endOfSequence = endOfSequence(tokenizer, weights.checkpointMetadata());
            if (endOfSequence == null) {
                err.println("attnc: " + Terminal.safe(weights.checkpointMetadata().description()) + ": eos_token_id is "
                        + Terminal.safe(String.valueOf(weights.checkpointMetadata().value("eos_token_id").orElse(null)))
                        + ", not ids within the vocabulary of " + tokenizer.vocabularySize() + " tokens");
                err.flush();
                weights.close();
                return null;
            }
            started = System.nanoTime();
            Decoder decoder;
            try {
                // Every tensor the checkpoint lacks or cannot give is reported at once.
                // The TornadoVM backend reads every tensor as float32, and says once when that dequantizes a matrix.
                WeightSource read = backend == Backends.TORNADOVM ? new FloatWeights(weights, line -> {
                    err.println(line);
                    err.flush();
                }) : weights;
                decoder = CheckpointOption.loadAll(read, "model " + model.name(), model::loadDecoder);
            } catch (UnsupportedOperationException e) {
                throw new Main.UsageError(e.getMessage());
            }
            double loadMillis = (System.nanoTime() - started) / 1e6;
            DecoderTokenModel tokens = new DecoderTokenModel(decoder, input.name(), output.name(), tokenizer.vocabularySize());
            return new DecoderSetup(weights, model, decoder, tokenizer, tokens, endOfSequence, compileMillis, loadMillis);
        } catch (CompilationException e) {
            weights.close();
            e.diagnostics().forEach(diagnostic -> err.println(diagnostic.rendered()));
            err.flush();
            return null;
        } catch (WeightException | TokenizerException e) {
            // A tensor missing or of the wrong shape, a tokenizer.json that cannot be read: errors in the input.
            weights.close();
            return unreadable(e, err);
        } catch (RuntimeException | Error e) {
            weights.close();
            throw e;
        }
    }

    /**
     * --tokenizer (a Hugging Face tokenizer.json), else the checkpoint's own: a GGUF file's
     * vocabulary, or the tokenizer.json beside a Hugging Face checkpoint.
     */
    private static Tokenizer tokenizer(WeightSource weights, Path weightsPath, Path tokenizerPath) {
        if (tokenizerPath != null) {
            return ByteLevelBpeTokenizer.fromTokenizerJson(tokenizerPath);
        }
        CheckpointMetadata metadata = weights.checkpointMetadata();
        if (metadata.value("tokenizer.ggml.model").isPresent()) {
            Map<String, Object> values = new HashMap<>();
            for (String key : metadata.keys()) {
                if (key.startsWith("tokenizer.")) {
                    values.put(key, metadata.value(key).orElseThrow());
                }
            }
            return Tokenizer.fromGgufMetadata(values);
        }
        Path folder = Files.isDirectory(weightsPath) ? weightsPath : weightsPath.toAbsolutePath().getParent();
        Path beside = folder == null ? null : folder.resolve("tokenizer.json");
        if (beside != null && Files.isRegularFile(beside)) {
            return ByteLevelBpeTokenizer.fromTokenizerJson(beside);
        }
        throw new Main.UsageError(Terminal.safe(weightsPath.toString()) + " has no tokenizer: it is not a GGUF file with a"
                + " vocabulary and has no tokenizer.json beside it; name one with --tokenizer");
    }

    /** Says why the checkpoint or its tokenizer cannot be read; null, for the exit code of errors in the input. */
    private static DecoderSetup unreadable(RuntimeException e, PrintWriter err) {
        CheckpointOption.unreadable(e, err);
        return null;
    }

    /**
     * The end-of-sequence ids: the tokenizer's EOS, if it has one, and config.json's
     * {@code eos_token_id} (one id or a list), which a tokenizer.json does not name (GPT-2's
     * {@code <|endoftext|>}). Null when eos_token_id holds something else than ids in the vocabulary.
     */
    private static List<Integer> endOfSequence(Tokenizer tokenizer, CheckpointMetadata metadata) {
        Set<Integer> ids = new LinkedHashSet<>();
        if (tokenizer.eosId() >= 0) {
            ids.add(tokenizer.eosId());
        }
        Object configured = metadata.value("eos_token_id").orElse(null);
        if (configured != null) {
            for (Object id : configured instanceof List<?> list ? list : List.of(configured)) {
                if (!(id instanceof Long value) || value < 0 || value >= tokenizer.vocabularySize()) {
                    return null;
                }
                ids.add(value.intValue());
            }
        }
        return List.copyOf(ids);
    }

    List<Integer> endOfSequence() {
        return endOfSequence;
    }

    @Override
    public void close() {
        try {
            decoder.close();
        } finally {
            weights.close();
        }
    }
}
