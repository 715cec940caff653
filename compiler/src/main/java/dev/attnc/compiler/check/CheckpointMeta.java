package dev.attnc.compiler.check;

import dev.attnc.compiler.ast.Arg;
import dev.attnc.compiler.ast.Expr;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.diag.Numbers;
import dev.attnc.compiler.diag.Span;
import dev.attnc.runtime.weights.CheckpointMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a {@code .attn} file reads from the checkpoint it is compiled against:
 * {@code meta("{arch}.embedding_length", "hidden_size")} (the first key the checkpoint holds,
 * as a number), {@code meta_length("tokenizer.ggml.tokens")} (the length of an array value),
 * and the RoPE pairing of {@code rope(..., layout = checkpoint)}. Values are fixed at compile
 * time: the generated class has them as constants, and the file stays the one place to edit.
 */
final class CheckpointMeta {
    /** The metadata key naming a GGUF file's architecture, substituted for {@code {arch}} in keys. */
    static final String ARCHITECTURE_KEY = "general.architecture";

    /**
     * GGUF architectures whose llama.cpp conversion stores Q and K rows permuted so that RoPE
     * rotates adjacent pairs (2i, 2i + 1) of the rows as stored (llama.cpp's "norm" RoPE).
     */
    private static final Set<String> ADJACENT_PAIRS = Set.of("llama", "baichuan", "internlm2", "granite", "granitemoe",
            "deepseek", "deepseek2", "minicpm", "command-r", "cohere2", "olmo", "xverse", "orion", "arctic", "deci");

    /** GGUF architectures whose rows are stored as in Hugging Face: RoPE rotates halves (NeoX style). */
    private static final Set<String> HALVES = Set.of("qwen", "qwen2", "qwen2moe", "qwen2vl", "qwen3", "qwen3moe", "phi2",
            "phi3", "phimoe", "gemma", "gemma2", "gemma3", "stablelm", "starcoder2", "gptneox", "falcon", "olmo2", "olmoe",
            "nemotron", "exaone", "codeshell", "openelm", "plamo", "minicpm3", "bitnet", "dbrx");

    private final CheckpointMetadata metadata; // null: compiled without a checkpoint
    private final Diagnostics diagnostics;
    private boolean missingReported;

    CheckpointMeta(CheckpointMetadata metadata, Diagnostics diagnostics) {
        this.metadata = metadata;
        this.diagnostics = diagnostics;
    }

    static boolean isMetaFunction(String name) {
        return name.equals("meta") || name.equals("meta_length");
    }

    /** {@code meta(keys..., default = e)} or {@code meta_length(keys..., default = e)}; null after reporting. */
    Value call(Expr.Call call, Scope scope, Checker checker) {
        String function = call.callee().text();
        CallArgs args = CallArgs.bind(function, call.args(), call.span(), 1, -1, List.of("default"), diagnostics);
        if (args == null) {
            return null;
        }
        List<Expr.Str> keys = new ArrayList<>();
        for (Expr key : args.positional()) {
            if (!(key instanceof Expr.Str str)) {
                diagnostics.error(key.span(), Messages.metaKeyNotString(function));
                return null;
            }
            keys.add(str);
        }
        if (!available(call.span(), function)) {
            return null;
        }
        List<String> tried = new ArrayList<>();
        for (Expr.Str key : keys) {
            Optional<String> resolved = resolve(key);
            if (resolved == null) {
                return null;
            }
            if (resolved.isEmpty()) {
                continue; // {arch} in a checkpoint that names no architecture: a key of another format
            }
            tried.add(resolved.get());
            Optional<Object> found = metadata.value(resolved.get());
            if (found.isPresent()) {
                return function.equals("meta")
                        ? number(found.get(), resolved.get(), key.span())
                        : length(found.get(), resolved.get(), key.span());
            }
        }
        if (args.has("default")) {
            return checker.value(args.get("default").value(), scope);
        }
        String hint = tried.isEmpty() ? null : Suggest.closest(tried.get(0), metadata.keys());
        diagnostics.error(call.span(), Messages.metaKeyMissing(tried, keys.stream().map(Expr.Str::value).toList(),
                metadata.description(), hint));
        return null;
    }

    /**
     * {@code layout = checkpoint}: how the checkpoint's rows pair features for RoPE, as
     * {@code interleaved} or {@code half}; null after reporting.
     */
    String ropeLayout(Arg arg) {
        Span span = arg.value().span();
        if (!available(span, "layout = checkpoint")) {
            return null;
        }
        Optional<Object> architecture = metadata.value(ARCHITECTURE_KEY);
        if (architecture.isEmpty()) {
            if (metadata.keys().isEmpty()) {
                diagnostics.error(span, Messages.ropeLayoutUnknown(metadata.description(), null));
                return null;
            }
            return "half"; // a Hugging Face config: rotate_half pairs feature k with k + Dh / 2
        }
        String name = String.valueOf(architecture.get());
        if (ADJACENT_PAIRS.contains(name)) {
            return "interleaved";
        }
        if (HALVES.contains(name)) {
            return "half";
        }
        diagnostics.error(span, Messages.ropeLayoutUnknown(metadata.description(), name));
        return null;
    }

    /**
     * {@code rope(..., scaling = checkpoint)}: the frequency scaling the checkpoint states, put
     * into {@code attrs} as the rope node's attributes. A GGUF file's {@code rope_freqs} tensor
     * (llama.cpp's conversion of Llama 3.1) gives {@code scaling = divided} and its
     * {@code divisors}, one per rotated pair, comma-separated; a Hugging Face config's
     * {@code rope_scaling} with {@code rope_type} (or {@code type}) {@code llama3} or
     * {@code linear} gives that scaling with its numbers; a checkpoint that states none adds
     * nothing (no scaling). False after reporting.
     *
     * @param rotaryDim the rotated width of a head, to check the number of divisors against
     */
    boolean ropeScaling(Span span, long rotaryDim, java.util.Map<String, String> attrs) {
        if (!available(span, "scaling = checkpoint")) {
            return false;
        }
        Optional<double[]> divisors;
        try {
            divisors = metadata.ropeFrequencyDivisors();
        } catch (dev.attnc.runtime.weights.WeightException e) {
            diagnostics.error(span, e.getMessage());
            return false;
        }
        if (divisors.isPresent()) {
            double[] values = divisors.get();
            if (values.length != rotaryDim / 2) {
                diagnostics.error(span, CheckpointMetadata.ROPE_FREQS_TENSOR + " of " + metadata.description() + " holds "
                        + values.length + " frequency divisors, but RoPE of rotated width " + rotaryDim + " takes "
                        + rotaryDim / 2);
                return false;
            }
            StringBuilder joined = new StringBuilder();
            for (double value : values) {
                joined.append(joined.isEmpty() ? "" : ",").append(Double.toString(value));
            }
            attrs.put("scaling", "divided");
            attrs.put("divisors", joined.toString());
            return true;
        }
        Optional<Object> type = metadata.value("rope_scaling.rope_type").or(() -> metadata.value("rope_scaling.type"));
        if (type.isEmpty() || type.get().equals("default")) {
            return true;
        }
        if (!type.get().equals("llama3") && !type.get().equals("linear")) {
            diagnostics.error(span, "rope_scaling of " + metadata.description() + " is of type " + describe(type.get())
                    + ", which attnc does not apply (it applies llama3 and linear); give `scaling = ...` explicitly");
            return false;
        }
        String scaling = (String) type.get();
        Double factor = scalingNumber("rope_scaling.factor", null, span);
        if (factor == null) {
            return false;
        }
        attrs.put("scaling", scaling);
        attrs.put("factor", Numbers.format(factor));
        if (scaling.equals("linear")) {
            return true;
        }
        Double low = scalingNumber("rope_scaling.low_freq_factor", 1.0, span);
        Double high = scalingNumber("rope_scaling.high_freq_factor", 4.0, span);
        Double context = scalingNumber("rope_scaling.original_max_position_embeddings", 8192.0, span);
        if (low == null || high == null || context == null) {
            return false;
        }
        if (!(high > low)) {
            diagnostics.error(span, Messages.ropeFrequencyFactors(low, high) + " (in " + metadata.description() + ")");
            return false;
        }
        attrs.put("low_freq_factor", Numbers.format(low));
        attrs.put("high_freq_factor", Numbers.format(high));
        attrs.put("original_context", Numbers.format(context));
        return true;
    }

    /** A positive number of the checkpoint's rope_scaling, or {@code fallback} when absent; null after reporting. */
    private Double scalingNumber(String key, Double fallback, Span span) {
        Optional<Object> found = metadata.value(key);
        if (found.isEmpty() && fallback != null) {
            return fallback;
        }
        if (found.isPresent() && found.get() instanceof Number number && Double.isFinite(number.doubleValue())
                && number.doubleValue() > 0) {
            return number.doubleValue();
        }
        diagnostics.error(span, found.isEmpty()
                ? key + " is missing from " + metadata.description() + " (its rope_scaling needs it)"
                : key + " of " + metadata.description() + " must be a number above 0, found " + describe(found.get()));
        return null;
    }

    /** Whether a checkpoint was given; reports once per file when not. */
    private boolean available(Span span, String what) {
        if (metadata != null) {
            return true;
        }
        if (!missingReported) {
            missingReported = true;
            diagnostics.error(span, Messages.metaWithoutCheckpoint(what));
        }
        return false;
    }

    /**
     * A key with {@code {arch}} replaced by the checkpoint's architecture; empty when the
     * checkpoint names none (the key belongs to another format); null after reporting.
     */
    private Optional<String> resolve(Expr.Str key) {
        String text = key.value();
        if (text.isEmpty()) {
            diagnostics.error(key.span(), Messages.metaKeyEmpty());
            return null;
        }
        StringBuilder resolved = new StringBuilder();
        int at = 0;
        while (at < text.length()) {
            int open = text.indexOf('{', at);
            int stray = text.indexOf('}', at);
            if (stray >= 0 && (open < 0 || stray < open)) {
                diagnostics.error(key.span(), Messages.metaPlaceholder(text));
                return null;
            }
            if (open < 0) {
                resolved.append(text, at, text.length());
                break;
            }
            int close = text.indexOf('}', open);
            if (close < 0 || !text.substring(open + 1, close).equals("arch")) {
                diagnostics.error(key.span(), Messages.metaPlaceholder(text));
                return null;
            }
            Optional<Object> architecture = metadata.value(ARCHITECTURE_KEY);
            if (architecture.isEmpty() || !(architecture.get() instanceof String name)) {
                return Optional.empty();
            }
            resolved.append(text, at, open).append(name);
            at = close + 1;
        }
        return Optional.of(resolved.toString());
    }

    private Value number(Object value, String key, Span span) {
        return switch (value) {
            case Long whole -> new Value.Num(whole, true);
            case Integer whole -> new Value.Num(whole, true);
            case Double real when Double.isFinite(real) -> new Value.Num(real, false);
            case Float real when Float.isFinite(real) -> new Value.Num(real, false);
            case Boolean flag -> new Value.Num(flag ? 1 : 0, true);
            default -> {
                diagnostics.error(span, Messages.metaNotANumber(key, metadata.description(), describe(value)));
                yield null;
            }
        };
    }

    private Value length(Object value, String key, Span span) {
        if (value instanceof List<?> list) {
            return new Value.Num(list.size(), true);
        }
        diagnostics.error(span, Messages.metaNotAnArray(key, metadata.description(), describe(value)));
        return null;
    }

    /** A value as a message shows it: its kind and, when short, itself. */
    static String describe(Object value) {
        return switch (value) {
            case String text -> "the string \"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
            case List<?> list -> "an array of " + list.size() + " values";
            case Double real -> "the real number " + real;
            case Boolean flag -> "the flag " + flag;
            default -> "the number " + value;
        };
    }
}
