package dev.attnc.compiler.check;

import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.TensorType;
import java.util.Map;
import java.util.Optional;

/**
 * Every size a {@code .attn} file can claim, bounded. A file comes from someone else: each
 * count it states (repeat counts, dims, constants used as sizes, the number of statements a
 * block expands to) is compared with these limits at check time, with a diagnostic at the
 * count, before anything proportional to it is built. Each limit says why it is what it is;
 * the real models in {@code samples/} stay far below all of them.
 *
 * <p>Three kinds of limit:
 * <ul>
 *   <li>what Java itself cannot hold: one array has at most {@link #MAX_ARRAY_LENGTH}
 *       elements, a generated method at most 64 KB of bytecode;</li>
 *   <li>what the generated class puts in one method today (the JVM generator writes the
 *       whole model into one {@code compute} method, every weight into one constructor,
 *       every input and output into one {@code run} method): calibrated by compiling the
 *       worst case of each with javac; they can grow once the generator splits those methods;</li>
 *   <li>sanity bounds far above any published model, which keep every product in a
 *       {@code long} and make the front end's time and memory linear in the file.</li>
 * </ul>
 */
public final class Limits {
    private Limits() {
    }

    /**
     * The most elements one Java array holds (the JDK's own soft maximum, {@code
     * Integer.MAX_VALUE - 8}): every weight tensor, every value and the activation arena are
     * float arrays, and dims are Java ints in the generated code.
     */
    public static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    /**
     * Dims of a tensor: the language's operations take at most 4, and the generator at most 3.
     * Keeps a type short enough to print in a message.
     */
    public static final int MAX_RANK = 8;

    /**
     * Layers of a repeat, counting enclosing repeats (a repeat of 4 inside a repeat of 8 runs
     * 32 layers). Every layer has its own weights; the deepest published models have a few
     * hundred layers, and a mixture of experts written as nested repeats tens of thousands.
     */
    public static final long MAX_LAYERS = 65_536;

    /**
     * Weight tensors over all layers (a param in a repeat of 32 counts 32 times per tensor):
     * each is one array loaded by name. The largest published checkpoints have under 100,000.
     */
    public static final long MAX_WEIGHT_ARRAYS = 1L << 20;

    /**
     * Floats of all weights over all layers: 2^42, about four times the largest published
     * model (about a trillion parameters). Keeps the total far inside a {@code long}.
     */
    public static final long MAX_PARAMETERS = 1L << 42;

    /**
     * Weight tensors a model declares (a param in a repeat counts once, a param in a block once
     * per call): the generated constructor loads each with one statement of about 50 bytes of
     * bytecode, and a Java method holds 64 KB.
     */
    public static final int MAX_DECLARED_WEIGHTS = 800;

    /**
     * Steps of a model: operations of its graph, inputs and outputs included (a block counts
     * once per call; a repeat body once, as it becomes a loop; {@code concat} one per part and
     * a value carried by a repeat two, as each is a copy). The generated {@code compute}
     * method spends up to about 100 bytes of bytecode on a step (a batched kernel call with
     * its loop, timed for {@code attnc bench}), and a Java method holds 64 KB. The sample
     * models have 17 to 40; a repeat keeps a deep model small.
     */
    public static final int MAX_STEPS = 600;

    /** Inputs, and outputs, of one model: the generated {@code run} method checks and copies each in about 60 bytes. */
    public static final int MAX_INPUTS = 256;

    /** See {@link #MAX_INPUTS}. */
    public static final int MAX_OUTPUTS = 256;

    /**
     * The width of one attention head: the generated attention kernels keep per-thread tiles
     * of a head's width times a few hundred queries in one array. Published models use 64 to 256.
     */
    public static final long MAX_HEAD_WIDTH = 65_536;

    /**
     * Expressions and statements the checker may look at again for one file: a block's body
     * at each call, a named attention's clauses at each use (the file's own text, checked
     * once, is not counted). Blocks calling blocks twice over would otherwise expand
     * exponentially; the sample models use well under a thousand, and 200,000 are checked
     * in a fraction of a second.
     */
    public static final long MAX_CHECK_WORK = 200_000;

    /**
     * Characters of a name. Java's class files hold names up to 65,535 bytes, and the
     * generated code adds prefixes and suffixes to names; no model needs more than a few dozen.
     */
    public static final int MAX_NAME_LENGTH = 256;

    /**
     * Characters of a string literal, and of a param's whole checkpoint name after block
     * prefixes: checkpoint names of published models are under 100 characters, and each
     * becomes a string constant of the generated class.
     */
    public static final int MAX_STRING_LENGTH = 1_024;

    /**
     * Operators in one statement (brackets, calls and an attention's clauses included):
     * formulas of published models have a few dozen. An expression's operators are nested
     * one inside the other, so this also bounds the depth the parser and checker recurse to.
     */
    public static final int MAX_EXPRESSION_OPERATORS = 1_000;

    /** {@code a * b} for counts (never negative), or {@link Long#MAX_VALUE} when it does not fit. */
    public static long saturatingTimes(long a, long b) {
        if (a == 0 || b == 0) {
            return 0;
        }
        return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    /** {@code a + b} for counts (never negative), or {@link Long#MAX_VALUE} when it does not fit. */
    public static long saturatingPlus(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /**
     * A dim at the run-time dims' declared bounds, saturating; a dim without a bound counts
     * as 1, its least value, so that the result never exceeds the real largest value (the
     * generator sizes unbounded dims from its own setting and checks them there). A term
     * with a negative coefficient, as in {@code T - 1}, is left out: an overestimate by the
     * size of a constant.
     */
    public static long largest(Dim dim, Map<String, Optional<Long>> bounds) {
        long value = 0;
        for (Map.Entry<String, Long> term : dim.terms().entrySet()) {
            long product = term.getValue();
            if (product < 0) {
                continue;
            }
            if (!term.getKey().isEmpty()) {
                for (String symbol : term.getKey().split("\\*")) {
                    product = saturatingTimes(product, bounds.getOrDefault(symbol, Optional.empty()).orElse(1L));
                }
            }
            value = saturatingPlus(value, product);
        }
        return value;
    }

    /** Elements of a tensor at the declared bounds, saturating; see {@link #largest}. */
    public static long elements(TensorType type, Map<String, Optional<Long>> bounds) {
        long count = 1;
        for (Dim dim : type.shape()) {
            count = saturatingTimes(count, largest(dim, bounds));
        }
        return count;
    }
}
