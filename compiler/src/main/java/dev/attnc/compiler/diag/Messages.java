package dev.attnc.compiler.diag;

import java.util.List;

/**
 * Every message text of the compiler, in one place, so that the bad-input corpus, the docs
 * and the code agree. Names in backquotes are as the user wrote them; shapes as in source.
 */
public final class Messages {
    private Messages() {
    }

    // ---------------------------------------------------------------- syntax

    public static final String UNTERMINATED_STRING = "unterminated string: add the closing `\"` on the same line";
    public static final String UNTERMINATED_COMMENT = "unterminated comment: `/*` has no matching `*/`";

    public static final String HASH_COMMENT = "unexpected character '#': comments start with `//`";

    /** A string in curly quotes; {@code value} is what is between them. */
    public static String curlyQuotes(String value) {
        return "a string in curly quotes: write it with straight quotes, \"" + value + "\"";
    }

    /** Bad characters in a row; counted and named by code point, so an emoji is one character. */
    public static String unexpectedCharacters(String text) {
        int first = text.codePointAt(0);
        int count = text.codePointCount(0, text.length());
        if (count == 1) {
            return "unexpected character " + printable(first) + (isCurlyQuote(first) ? "; use straight quotes `\"`" : "");
        }
        return "unexpected characters " + printable(first) + "... (" + count + " in a row)";
    }

    public static String unexpectedToken(String token) {
        return "unexpected " + token;
    }

    public static String expectedToken(String expected, String found) {
        return "expected " + expected + ", found " + found;
    }

    public static String expectedTopLevel(String found) {
        return expectedToken("`model`, `block`, `attention` or `const`", found);
    }

    public static String nestedTooDeeply(int limit) {
        return "brackets nested more than " + limit + " deep; split the expression into named steps";
    }

    // ---------------------------------------------------------------- limits (see check/Limits)

    public static String nameTooLong(int length, int limit) {
        return "a name of " + Numbers.count(length) + " characters: names have at most " + Numbers.count(limit);
    }

    public static String stringTooLong(int length, int limit) {
        return "a string of " + Numbers.count(length) + " characters: strings have at most " + Numbers.count(limit);
    }

    public static String tooManyOperators(int limit) {
        return "more than " + Numbers.count(limit) + " operators in one statement; split it into named steps";
    }

    public static String checkpointTooLong(String param, int length, int limit) {
        return "the checkpoint name of `" + param + "` has " + Numbers.count(length) + " characters with its block prefixes;"
                + " at most " + Numbers.count(limit);
    }

    public static String sizeTooComplex(int terms, int degree) {
        return "a size with more than " + terms + " terms, or more than " + degree + " run-time dims multiplied in one term";
    }

    public static String tooManyParts(long parts, int limit) {
        return "split into " + Numbers.count(parts) + " parts: at most " + Numbers.count(limit) + " (each part is a step of the model)";
    }

    public static String rankTooLarge(int rank, int limit) {
        return "a tensor of " + Numbers.count(rank) + " dims: at most " + limit;
    }

    public static String tooManyLayers(long count, long layers, long limit) {
        String total = count == layers ? "" : " (" + Numbers.count(layers) + " with the repeats around it)";
        return "a repeat of " + Numbers.count(count) + " layers" + total + ": at most " + Numbers.count(limit)
                + " layers in all";
    }

    public static String dimBoundTooLarge(long bound, long limit) {
        return "the largest value of a dim must be at most " + Numbers.count(limit) + " (what one Java array holds), found "
                + Numbers.count(bound);
    }

    public static String valueTooLarge(String type, long elements, long limit) {
        return "a value " + type + " of " + Numbers.count(elements) + " elements at the largest dims: one Java array holds at most "
                + Numbers.count(limit);
    }

    public static String weightTooLarge(String param, String type, long elements, long limit) {
        return "param `" + param + "` needs a weight " + type + " of " + Numbers.count(elements)
                + " floats: one Java array holds at most " + Numbers.count(limit);
    }

    public static String tooManyWeightArrays(String model, long arrays, long limit) {
        return "model `" + model + "` has " + Numbers.count(arrays) + " weight tensors over all layers with this param:"
                + " at most " + Numbers.count(limit);
    }

    public static String tooManyParameters(String model, long floats, long limit) {
        return "model `" + model + "` has " + Numbers.count(floats) + " weights over all layers with this param:"
                + " at most " + Numbers.count(limit);
    }

    public static String tooManyDeclaredWeights(String model, int limit) {
        return "model `" + model + "` declares more than " + Numbers.count(limit) + " weight tensors (a param in a block counts"
                + " at each call): its generated constructor, one Java method of at most 64 KB, would not hold them";
    }

    public static String tooManySteps(String model, int limit) {
        return "model `" + model + "` has more than " + Numbers.count(limit) + " steps (operations, inputs and outputs; a block"
                + " counts at each call): its generated `compute`, one Java method of at most 64 KB, would not hold them;"
                + " a `repeat` is generated once, whatever its count";
    }

    public static String tooManyInputs(String model, int limit) {
        return "model `" + model + "` has more than " + Numbers.count(limit) + " inputs";
    }

    public static String tooManyOutputs(String model, int limit) {
        return "model `" + model + "` has more than " + Numbers.count(limit) + " outputs";
    }

    public static String headTooWide(long width, long limit) {
        return "attention heads " + Numbers.count(width) + " wide: at most " + Numbers.count(limit);
    }

    public static String cacheTooLarge(long floats, long limit) {
        return "the key and value cache needs " + Numbers.count(floats) + " floats for its layers at the largest dims:"
                + " one Java array holds at most " + Numbers.count(limit);
    }

    public static String checkWorkExceeded(long limit) {
        return "checking stopped here: block calls expand to more than " + Numbers.count(limit)
                + " expressions (a block is checked again at each call, so blocks calling blocks multiply)";
    }

    public static String numberTooLarge(String text) {
        return "number " + text + " is too large";
    }

    public static String tooManyErrors(int dropped) {
        return "... and " + dropped + " more error" + (dropped == 1 ? "" : "s") + " not shown";
    }

    /** An ASCII character as itself in quotes; anything else as U+XXXX, which no terminal can garble. */
    private static String printable(int codePoint) {
        if (codePoint >= ' ' && codePoint < 0x7f) {
            return "'" + (char) codePoint + "'";
        }
        return String.format("U+%04X", codePoint);
    }

    private static boolean isCurlyQuote(int codePoint) {
        return codePoint >= 0x2018 && codePoint <= 0x201F;
    }

    // ---------------------------------------------------------------- structure

    public static final String NO_MODEL = "no model in this file: declare one with `model Name { ... }`";
    public static final String RETURN_OUTSIDE_BLOCK = "`return` ends a block; a model names its results with `output`";
    public static final String AFTER_RETURN = "statement after `return`: `return` must be the last statement of a block";

    public static String noOutput(String model) {
        return "model `" + model + "` has no `output`";
    }

    public static String misplaced(String keyword, String where) {
        return "`" + keyword + "` belongs in " + where;
    }

    public static String duplicate(String name, int line) {
        return "`" + name + "` is already declared on line " + line;
    }

    public static String duplicateOutput(String name, int line) {
        return "`" + name + "` is already an output (line " + line + ")";
    }

    public static String cannotAssign(String name, String what, int line) {
        return "cannot assign to `" + name + "`: it is " + what + " (line " + line + ")";
    }

    public static String assignedTwice(String name) {
        return "`" + name + "` appears twice on the left of `=`";
    }

    public static String unusedParam(String name) {
        return "param `" + name + "` is never used";
    }

    public static String unusedInput(String name) {
        return "input `" + name + "` is never used";
    }

    public static String unusedBlock(String name) {
        return "block `" + name + "` is never called, so its body was not checked";
    }

    // ---------------------------------------------------------------- names

    public static String unknownName(String name, String suggestion) {
        return "unknown name `" + name + "`" + didYouMean(suggestion);
    }

    /** {@code and}, {@code or} or {@code not} where .attn spells the operator {@code &&}, {@code ||}, {@code !}. */
    public static String wordOperator(String word, String operator) {
        return "`" + word + "` is not an operator in .attn: use `" + operator + "`";
    }

    /** A misspelt {@code attention} before a block of clauses. */
    public static String misspeltAttention(String name) {
        return "unknown function `" + name + "`; did you mean `attention`? (only `attention(...)` takes a block of clauses)";
    }

    /** A block of clauses after a call that is not {@code attention(...)}. */
    public static String clausesAfterCall(String name) {
        return "`" + name + "(...)` takes no block of clauses: only `attention(...)` does (a named attention variant"
                + " takes its clauses where it is declared)";
    }

    public static String unknownFunction(String name, String suggestion) {
        return "unknown function `" + name + "`" + didYouMean(suggestion);
    }

    /** A name first assigned (or declared) in a repeat body, used after the repeat. */
    public static String repeatLocal(String name, boolean assigned, int repeatLine) {
        return "unknown name `" + name + "`: it is " + (assigned ? "assigned" : "declared") + " only inside the repeat on line "
                + repeatLine + ", and " + (assigned ? "values first assigned" : "declarations") + " in a repeat body are local to it";
    }

    public static String functionAsValue(String name, boolean takesOneTensor) {
        return "`" + name + "` is a function; call it: `" + name + (takesOneTensor ? "(x)" : "(...)") + "`";
    }

    public static String notCallable(String name, String what) {
        return "`" + name + "` is " + what + ", not something to call";
    }

    public static String notAValue(String name, String what) {
        return "`" + name + "` is " + what + "; call it with arguments";
    }

    public static String layerUsedAsValue(String name, String kind) {
        return "`" + name + "` is a " + kind + " layer; apply it to a value: `" + name + "(x)`";
    }

    public static String tensorParamCalled(String name) {
        return "`" + name + "` is a tensor param, not a layer; use it as a value, e.g. `x * " + name + "`";
    }

    public static String repeatIndexAsValue(String name) {
        return "`" + name + "` is a repeat index: use it in checkpoint names (\"{" + name + "}\") or attention clauses";
    }

    private static String didYouMean(String suggestion) {
        return suggestion == null ? "" : "; did you mean `" + suggestion + "`?";
    }

    // ---------------------------------------------------------------- constants and dims

    public static final String DIVISION_BY_ZERO = "division by zero";
    public static final String MOD_NEEDS_WHOLE = "`%` needs whole numbers";
    public static final String NUMBER_OVERFLOW = "number too large: the result does not fit in 64 bits";

    public static String constNotConstant(String name, String what) {
        return "constant `" + name + "` must be a number known before running, found " + what
                + "; declare run-time sizes with `dim`";
    }

    public static String notADimension(String what) {
        return "a dimension must be a whole number, found " + what;
    }

    public static String notWholeConstant(String what, String found) {
        return what + " must be a whole number known before running, found " + found;
    }

    public static String mustBePositive(String what, double value) {
        return what + " must be positive, found " + Numbers.format(value);
    }

    public static String mustBeEven(String what, long value) {
        return what + " must be even, found " + value;
    }

    public static String paramDimNotConstant(String dim) {
        return "weights have fixed sizes: `" + dim + "` is bound at run time";
    }

    public static String runTimeDivision(String left, String op, String right) {
        return "cannot compute `" + left + " " + op + " " + right + "`: run-time dims divide only by constants that divide them exactly";
    }

    // ---------------------------------------------------------------- params and checkpoint names

    public static final String EMPTY_CHECKPOINT_NAME = "checkpoint name is empty";

    public static String unknownLayerKind(String kind, String suggestion) {
        return "unknown layer `" + kind + "`" + didYouMean(suggestion)
                + " (layers are linear, layernorm, rmsnorm and embedding; a bare tensor is written like [D])";
    }

    public static String badPlaceholder(String template) {
        return "malformed checkpoint name \"" + template + "\": placeholders are written {index}";
    }

    public static String unknownPlaceholder(String placeholder, List<String> indices) {
        return "unknown placeholder `{" + placeholder + "}` in checkpoint name; "
                + (indices.isEmpty() ? "no repeat encloses this param" : "repeat indices here: " + String.join(", ", indices));
    }

    public static String checkpointIgnoresRepeat(String param, String template, String index) {
        return "param `" + param + "` is inside `repeat ... as " + index + "` but its checkpoint name \"" + template
                + "\" does not use {" + index + "}: every layer would load the same tensor "
                + "(declare it outside the repeat to share it)";
    }

    public static String duplicateCheckpoint(String template, int line) {
        return "checkpoint name \"" + template + "\" is already used by the param on line " + line;
    }

    public static String repeatedAlternative(String template) {
        return "checkpoint name \"" + template + "\" is listed twice in this `from`";
    }

    // ---------------------------------------------------------------- checkpoint metadata

    /** The options that give the compiler a checkpoint, for messages that need one. */
    public static final String CHECKPOINT_OPTIONS = "give one with --weights FILE (attnc check, compile, run), "
            + "or in Java with CompileOptions.withCheckpoint(weights.checkpointMetadata())";

    public static String metaWithoutCheckpoint(String what) {
        return "`" + what + "` reads the checkpoint's metadata, but this file is compiled without a checkpoint: " + CHECKPOINT_OPTIONS;
    }

    public static String metaKeyNotString(String function) {
        return "the keys of `" + function + "` are strings, such as \"{arch}.embedding_length\" or \"hidden_size\"";
    }

    public static String metaKeyEmpty() {
        return "metadata key is empty";
    }

    public static String metaPlaceholder(String key) {
        return "malformed metadata key \"" + printable(key) + "\": the only placeholder is {arch}, the checkpoint's general.architecture";
    }

    public static String metaKeyMissing(List<String> tried, List<String> written, String checkpoint, String suggestion) {
        List<String> shown = (tried.isEmpty() ? written : tried).stream().map(k -> "\"" + printable(k) + "\"").toList();
        String keys = shown.size() == 1 ? "key " + shown.get(0) : "none of the keys " + String.join(", ", shown);
        String what = shown.size() == 1 ? "is not in " : "is in ";
        return keys + " " + what + printable(checkpoint) + didYouMean(suggestion == null ? null : printable(suggestion))
                + " (add another key, or `default = ...`)";
    }

    public static String metaNotANumber(String key, String checkpoint, String found) {
        return "\"" + printable(key) + "\" in " + printable(checkpoint) + " holds " + printable(found) + ", not a number";
    }

    public static String metaNotAnArray(String key, String checkpoint, String found) {
        return "\"" + printable(key) + "\" in " + printable(checkpoint) + " holds " + printable(found)
                + ", not an array (meta_length counts an array's values)";
    }

    public static String ropeLayoutUnknown(String checkpoint, String architecture) {
        return architecture == null
                ? "cannot tell how " + printable(checkpoint) + " pairs RoPE features: it has no metadata; "
                        + "write layout = half or layout = interleaved"
                : "cannot tell how " + printable(checkpoint) + " (architecture \"" + printable(architecture)
                        + "\") pairs RoPE features; write layout = half or layout = interleaved";
    }

    /** Text from a checkpoint, safe to print: control characters become '?', long text is cut. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(120).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return text.codePointCount(0, text.length()) > 120 ? out + "..." : out.toString();
    }

    // ---------------------------------------------------------------- calls and shapes

    public static final String POSITIONAL_AFTER_NAMED = "positional argument after a named one";
    public static final String SPLIT_NEEDS_TWO = "split needs at least 2 parts";
    public static final String LIST_OUTSIDE_SPLIT = "a list `[...]` is only allowed as the sizes of `split`";
    public static final String STRING_OUTSIDE_PREFIX = "a string is only allowed as a block call's `prefix = \"...\"`";
    public static final String PREFIX_NOT_STRING = "`prefix` must be a string such as \"h.{layer}\"";

    public static String arity(String function, int min, int max, int found) {
        String expected = min == max ? Integer.toString(min) : max < 0 ? "at least " + min : min + " to " + max;
        return "`" + function + "` takes " + expected + " argument" + (min == 1 && max == 1 ? "" : "s") + ", found " + found;
    }

    public static String unknownArgument(String name, String function, List<String> known) {
        return "`" + function + "` has no argument `" + name + "`"
                + (known.isEmpty() ? "" : "; it takes " + String.join(", ", known));
    }

    public static String duplicateArgument(String name) {
        return "argument `" + name + "` is given twice";
    }

    public static String missingArgument(String function, String name) {
        return "`" + function + "` needs `" + name + " = ...`";
    }

    public static String unknownBlockArgument(String name, String block) {
        return "block `" + block + "` has no argument `" + name + "`; blocks take their inputs and `prefix = \"...\"`";
    }

    public static String blockArity(String block, int expected, int found) {
        return "block `" + block + "` takes " + expected + " input" + (expected == 1 ? "" : "s") + ", found " + found;
    }

    public static String blockArgNotTensor(String param, String found) {
        return "block input `" + param + "` must be a tensor, found " + found;
    }

    public static String blockArgType(String param, String expected, Object found) {
        return "block input `" + param + "` must be " + expected + ", found " + found;
    }

    public static String blockRecursion(String cycle) {
        return "blocks call each other in a cycle (" + cycle + "); blocks are expanded in place and cannot recurse";
    }

    public static String blockReturnsNothing(String block) {
        return "block `" + block + "` returns nothing; end it with `return <value>`";
    }

    public static String tupleToOneName(int count) {
        return "this gives " + count + " values; name each: `a, b = ...`";
    }

    public static String unpackCount(int values, int names) {
        return "this gives " + values + " value" + (values == 1 ? "" : "s") + " but " + names + " names are on the left";
    }

    public static String needsTensor(String op, String found) {
        return "`" + op + "` needs a tensor, found " + found;
    }

    public static String needsFloat(String op, Object type) {
        return "`" + op + "` needs a float tensor, found " + type;
    }

    public static String needsRank(String op, int rank, Object type) {
        return "`" + op + "` needs a tensor with " + rank + " dims, found " + type;
    }

    public static String needsRankAtLeast(String op, int rank, Object type) {
        return "`" + op + "` needs a tensor with at least " + rank + " dim" + (rank == 1 ? "" : "s") + ", found " + type;
    }

    public static String lastDimMismatch(String param, String kind, Object expected, Object type) {
        return "`" + param + "` is a " + kind + " over " + expected + " features but its input is " + type;
    }

    public static String embeddingNeedsInts(String param, Object type) {
        return "embedding `" + param + "` looks up int ids; its input is " + type;
    }

    public static String cannotBroadcast(String op, Object a, Object b) {
        return "cannot combine " + a + " and " + b + " with `" + op + "`: shapes differ";
    }

    public static String shapesDiffer(String op, Object a, Object b) {
        return "`" + op + "` needs two tensors of one shape, found " + a + " and " + b;
    }

    public static String matmulMismatch(Object a, Object b) {
        return "cannot multiply " + a + " by " + b + ": the inner dims differ";
    }

    public static String splitNotDivisible(long parts, Object type) {
        return "cannot split " + type + " into " + parts + " equal parts";
    }

    public static String splitSizesSum(Object total, Object type) {
        return "split sizes add up to " + total + " but the tensor is " + type;
    }

    public static String concatTypes(Object first, Object other) {
        return "cannot concat " + other + " to " + first + ": the element types differ (int and float)";
    }

    public static String concatMismatch(Object first, Object other, int axis) {
        return "cannot concat " + other + " to " + first + " along dim " + axis + ": the other dims differ";
    }

    public static String badAxis(String found, int rank) {
        return "`dim` must be a whole number from " + -rank + " to " + (rank - 1) + ", found " + found;
    }

    public static String cacheWithCrossAttention(int cachedLine, String keyLength) {
        return "cross-attention (keys of length " + keyLength + ") in a model whose attention on line " + cachedLine
                + " keeps a KV cache: decoding step by step with cross-attention is not supported yet; "
                + "remove `cache = true` and run the decoder with forward on the whole target";
    }

    public static String cacheNotEverywhere(int cachedLine) {
        return "this attention keeps no KV cache while the one on line " + cachedLine
                + " does: decoding step by step needs every attention to keep one (add `cache = true`)";
    }

    public static String cacheNeedsOneDim(List<String> dims) {
        return "a KV cache decodes along one run-time dim, the sequence; this model has "
                + (dims.isEmpty() ? "none" : String.join(", ", dims));
    }

    public static String cacheMixedPositions(String op, int cachedLine) {
        return "`" + op + "` mixes positions, so the model cannot decode step by step as the KV cache on line " + cachedLine
                + " asks: step rows are computed alone (write attention with `attention(...)`, or remove `cache = true`)";
    }

    public static String ropePositions(Object expected, Object found) {
        return "rope's positions must be " + expected + " (a position per row), found " + found;
    }

    public static String ropeOptionWithoutScaling(String option) {
        return "`" + option + "` belongs to a frequency scaling: add `scaling = llama3` (or `linear` for `factor` alone)";
    }

    public static String ropeFrequencyFactors(double low, double high) {
        return "high_freq_factor (" + Numbers.format(high) + ") must be greater than low_freq_factor (" + Numbers.format(low) + ")";
    }

    public static String rotaryDimRange(long requested, long headDim) {
        return "rotary_dim must be between 2 and the head width " + headDim + ", found " + requested;
    }

    public static String notAFlag(String name, String found) {
        return "`" + name + "` must be true or false, found " + found;
    }

    public static String notANumber(String what, String found) {
        return what + " must be a number, found " + found;
    }

    public static String notAChoice(String name, List<String> choices) {
        return "`" + name + "` must be one of " + String.join(", ", choices);
    }

    public static String cannotFold(String function, String value) {
        return "`" + function + "(" + value + ")` is not a finite number";
    }

    public static String badOperand(String op, String found) {
        return "`" + op + "` cannot take " + found;
    }

    public static String badOperands(String op, String left, String right) {
        return "`" + op + "` cannot combine " + left + " and " + right;
    }

    public static String conditionOutsideMask(String op) {
        return "`" + op + "` makes a condition; conditions belong in an attention `mask`";
    }

    public static String outputNotTensor(String name, String found) {
        return "output `" + name + "` must be a tensor, found " + found;
    }

    // ---------------------------------------------------------------- repeat

    public static String repeatIndexInUse(String name) {
        return "repeat index `" + name + "` is already in use by an enclosing repeat; name this one: `repeat N as other`";
    }

    /** {@code what} names the hidden declaration: "the constant", "the input", ... */
    public static String repeatIndexHides(String name, String what, int line) {
        return "repeat index `" + name + "` hides " + what + " `" + name + "` declared on line " + line;
    }

    public static String repeatCarriesNonTensor(String name) {
        return "`" + name + "` is a number; only tensors can be handed from one layer to the next";
    }

    public static String repeatChangesShape(String name, Object before, Object after) {
        return "`" + name + "` is " + before + " before the repeat but " + after
                + " after its body; each layer must hand the next the shape it received";
    }

    // ---------------------------------------------------------------- attention

    public static final String CACHE_NEEDS_CAUSAL = "`cache = true` needs a causal mask (`mask causal`): "
            + "with a KV cache each query sees only earlier keys";
    public static final String SCORE_IN_MASK = "`s` cannot be read in a mask: masks are decided before scores exist; "
            + "change scores with `score`";
    public static final String SCORE_NOT_NUMBER = "`score` must be a number, not a condition; to hide keys use `mask`";
    public static final String MATMUL_IN_MODIFIER = "`@` multiplies tensors; attention clauses work on single numbers";
    public static final String INDEX_NEEDS_NAME = "only a named tensor can be indexed";

    public static String kvHeadsDivide(long kvHeads, long heads) {
        return "kv_heads (" + kvHeads + ") must divide heads (" + heads + ")";
    }

    public static String headsDivide(String what, long count, String of, Object width) {
        return what + " (" + count + ") must divide " + of + " " + width;
    }

    public static String headDimMismatch(long queryHeadDim, long qWidth, long heads, long keyHeadDim, long kWidth, long kvHeads) {
        return "query heads are " + queryHeadDim + " wide (" + qWidth + " / " + heads + ") but key heads are "
                + keyHeadDim + " wide (" + kWidth + " / " + kvHeads + ")";
    }

    public static String keyValueLength(Object k, Object v) {
        return "keys and values must have the same length: k is " + k + ", v is " + v;
    }

    public static String attentionRank(char which, Object type) {
        return "attention takes " + which + " as [length, width], found " + type;
    }

    public static String attentionWidthNotConstant(char which, Object type) {
        return "the width of " + which + " must be a constant, found " + type;
    }

    public static String cacheNeedsSelf(Object queryLength, Object keyLength) {
        return "`cache = true` needs self-attention: queries have length " + queryLength + ", keys " + keyLength;
    }

    /** {@code i}, {@code j}, {@code h} or {@code s} in a clause, where a name of the model is also {@code name}. */
    public static String clauseVariableHides(String name, String noun, int line) {
        String meaning = switch (name) {
            case "i" -> "the query position";
            case "j" -> "the key position";
            case "h" -> "the head index";
            default -> "the score";
        };
        return "`" + name + "` in a clause is " + meaning + ", not " + noun + " `" + name + "` declared on line " + line
                + "; rename " + noun.replaceFirst("^the ", "that ") + " to read it here";
    }

    public static String unknownClause(String key, String suggestion) {
        return "unknown attention clause `" + key + "`" + didYouMean(suggestion)
                + " (clauses are scale, temperature, score, mask, softcap, sink and relative)";
    }

    public static String duplicateClause(String key, int line) {
        return "`" + key + "` is already given on line " + line;
    }

    public static String clauseNotConstant(String clause, String found) {
        return "`" + clause + "` must be a number known before running, found " + found;
    }

    public static String scoreInConstant(String clause) {
        return "`s` cannot be read in `" + clause + "`: it is a constant; change scores with `score`";
    }

    public static String positionInConstant(String name, String clause) {
        return "`" + clause + "` is one constant for all positions and heads, so it cannot read `" + name
                + "`; use `score` for per-position changes";
    }

    public static String maskNotCondition(String found) {
        return "`mask` must be a condition such as `j <= i`, found " + found;
    }

    public static String notInModifier(String clause) {
        return "this cannot appear in `" + clause + "`";
    }

    public static String notReadableInModifier(String name, String what) {
        return "`" + name + "` is " + what + "; attention clauses read constants, dims, inputs, tensor params and repeat indices";
    }

    public static String tensorInModifierNeedsIndex(String name, Object type) {
        return "`" + name + "` is a tensor " + type + "; index it, e.g. `" + name + "[...]`";
    }

    public static String notIndexable(String name, String what) {
        return "`" + name + "` is " + what + " and cannot be indexed";
    }

    public static String indexNotWhole(String found) {
        return "an index must be a whole number, found " + found;
    }

    public static String indexCount(String name, Object type, int found) {
        return "`" + name + "` is " + type + " and needs one index per dim, found " + found;
    }

    public static String unknownModifierFunction(String name, String suggestion) {
        return "unknown function `" + name + "` in an attention clause" + didYouMean(suggestion)
                + " (available: abs, min, max, clamp, exp, log, sqrt, tanh, sigmoid, floor, ceil, where, alibi_slope)";
    }

    public static String whereCondition(String found) {
        return "the first argument of `where` must be a condition, found " + found;
    }

    public static String modifierOperand(String op, String found) {
        return "`" + op + "` cannot take " + found;
    }

    public static String modifierMix(String op, String a, String b) {
        return "`" + op + "` cannot mix " + a + " and " + b;
    }

    // ---------------------------------------------------------------- tensor math outside clauses

    public static String reductionNeedsDim(String function) {
        return "`" + function + "` reduces over one dim: give it, as in `" + function + "(x, dim = 0)` or `" + function
                + "(x, dim = T)`" + (function.equals("min") || function.equals("max")
                        ? "; `" + function + "(a, b)` compares two values elementwise" : "");
    }

    public static String elementwiseTakesNoDim(String function, String option) {
        return "`" + function + "(a, b)` is elementwise and takes no `" + option + "`; `" + function
                + "(x, dim = 0)` reduces one tensor";
    }

    public static String intArithmeticOperator(String op) {
        return "int tensors support `+`, `-`, `*`, `min` and `max`, not `" + op + "`";
    }

    public static String whereNeedsTensorCondition(String found) {
        return "the condition of `where` must be a tensor, such as `x > 0` (1 where true, 0 where false), found " + found;
    }

    public static String reductionMask(String function, Object expected, String found) {
        return "the mask of `" + function + "` must be " + expected + " (along the reduced dim; 0 leaves a position out), found "
                + found;
    }

    public static String axisBySize(String size, Object type, int matches) {
        return matches == 0
                ? "no dim of " + type + " has size " + size
                : "several dims of " + type + " have size " + size + "; give the dim by its position: `dim = 0`";
    }

    public static String tooManyIndices(Object type, int rank, int found) {
        return "a tensor " + type + " takes at most " + rank + " indices, found " + found;
    }

    public static String indexNotConstant(String found) {
        return "an index outside attention clauses must be a whole constant, such as `x[0]`, found " + found;
    }

    public static String selectOutside(long index, int axis, Object type) {
        return "index " + index + " is outside dim " + axis + " of " + type;
    }

    public static String selectRunTimeAxis(long index, String dim) {
        return "index " + index + " may be outside a dim of run-time size " + dim + "; only index 0 is inside for every " + dim;
    }
}
