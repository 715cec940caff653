package dev.attnc.compiler.cli;

import dev.attnc.runtime.generate.Generator;
import dev.attnc.runtime.generate.Sampler;
import dev.attnc.runtime.text.StreamDecoder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "generate", description = {
    "Generate text with a decoder: compiles FILE against the checkpoint's metadata, loads its weights and tokenizer,"
            + " runs the prompt at once (prefill), then one step per new token, printing each as it comes.",
    "Temperature 0 is greedy decoding (ties to the lowest id); the same --seed gives the same text."})
final class GenerateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the .attn decoder (its attentions keep a cache: cache = true)")
    Path file;

    @Option(names = "--weights", required = true, paramLabel = "W",
            description = "the checkpoint: a .gguf file, or a Hugging Face folder (config.json, safetensors, tokenizer.json)")
    Path weights;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "the text to continue (default: none, only the BOS token)")
    String prompt = "";

    @Option(names = "--steps", paramLabel = "N", description = "at most this many new tokens (default: ${DEFAULT-VALUE})")
    int steps = 128;

    @Option(names = "--temperature", paramLabel = "T", description = "0 for greedy, else above 0 (default: ${DEFAULT-VALUE})")
    double temperature = 0.8;

    @Option(names = "--top-k", paramLabel = "K", description = "sample among the K most likely tokens; 0 for all (default: ${DEFAULT-VALUE})")
    int topK = 40;

    @Option(names = "--top-p", paramLabel = "P", description = "then among the most likely up to probability P (default: ${DEFAULT-VALUE})")
    double topP = 0.95;

    @Option(names = "--seed", paramLabel = "S", description = "seed of the sampler (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Mixin
    WeightNamesOption weightNames = new WeightNamesOption();

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json", description = "a Hugging Face tokenizer.json, instead of the checkpoint's own")
    Path tokenizer;

    @Option(names = "--max-seq", paramLabel = "N", description = "positions the KV caches hold, for a model whose dim declares no bound (default: ${DEFAULT-VALUE})")
    long maxSeq = 2048;

    @Option(names = "--backend", paramLabel = "B", description = "jvm (default) or tornadovm")
    String backend = "jvm";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (steps < 0) {
            throw new Main.UsageError("--steps must be 0 or more, not " + steps);
        }
        if (maxSeq < 1) {
            throw new Main.UsageError("--max-seq must be at least 1, not " + maxSeq);
        }
        Sampler sampler;
        try {
            sampler = Sampler.of(temperature, topK, topP, seed);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError("--" + e.getMessage());
        }
        Main.checkThreadSetting();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (DecoderSetup setup = DecoderSetup.open(file, weights, weightNames, tokenizer, maxSeq, Backends.parse(backend), err)) {
            if (setup == null) {
                return Main.INPUT_ERRORS;
            }
            err.printf("%s from %s: compiled in %.0f ms, weights %s loaded in %.0f ms; %d positions%n", setup.model.name(),
                    Terminal.safe(file.toString()), setup.compileMillis, Terminal.safe(setup.weights.description()),
                    setup.loadMillis, setup.tokens.contextLength());
            err.flush();
            int[] ids = setup.tokenizer.encode(prompt, setup.tokenizer.addsBosByDefault());
            if (ids.length == 0) {
                throw new Main.UsageError("the prompt is empty and the tokenizer adds no BOS token: give --prompt");
            }
            out.print(Terminal.text(prompt));
            out.flush();
            StreamDecoder text = setup.tokenizer.streamDecoder(prompt.isEmpty());
            Generator generator = new Generator(setup.tokens, new HashSet<>(setup.endOfSequence()));
            Generator.Result result = generator.generate(ids, steps, sampler, id -> {
                out.print(Terminal.text(text.next(id)));
                out.flush();
            });
            out.println(Terminal.text(text.finish()));
            out.flush();
            err.printf("%nprompt: %d tokens in %.1f ms (%.1f tokens/s); decode: %d tokens in %.1f ms (%.1f tokens/s); stopped by %s%n",
                    result.promptTokens(), result.promptNanos() / 1e6, result.promptTokensPerSecond(), result.tokens().size(),
                    result.decodeNanos() / 1e6, result.decodeTokensPerSecond(), switch (result.stop()) {
                        case END_OF_SEQUENCE -> "the end-of-sequence token";
                        case STEPS -> "--steps";
                        case CONTEXT -> "the context length";
                    });
            err.flush();
        }
        return Main.OK;
    }
}
