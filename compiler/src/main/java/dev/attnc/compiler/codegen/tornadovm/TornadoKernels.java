package dev.attnc.compiler.codegen.tornadovm;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.lang.model.element.Modifier;

/**
 * The kernels TornadoVM compiles: static methods over FloatArray and IntArray, with no objects,
 * allocation, exceptions or recursion; math through TornadoMath; local arrays of literal size.
 *
 * <p>Every kernel but the linear layer's is a KernelContext kernel launched over a 2-D grid
 * whose x runs along a row's features and y over the rows, so the 32 work-items of a warp read
 * and write 32 neighbouring floats (one 128-byte line) rather than 32 rows. Row-wise reductions
 * (layernorm, rmsnorm, softmax) give each row a work-group of {@link #ROW_GROUP} lanes along x
 * and reduce in local memory.
 *
 * <p>Sizes that change between calls arrive in an IntArray ({@code dims}), never as scalars,
 * because TornadoVM bakes scalar task arguments into the compiled kernel: a size given as
 * {@code rows < 0} means "dims[-rows - 1]" (see {@code rows}). The grids themselves follow each
 * call's sizes (the host resizes them before every execute), so a kernel only guards the
 * padding of its last work-group and a decoding step (T = 1) launches one row of work-items.
 * The position of the first row (for KV-cache decoding) is {@code dims[0]}.
 */
final class TornadoKernels {
    static final String API = "uk.ac.manchester.tornado.api";
    static final ClassName FLOAT_ARRAY = ClassName.get(API + ".types.arrays", "FloatArray");
    static final ClassName INT_ARRAY = ClassName.get(API + ".types.arrays", "IntArray");
    static final ClassName KERNEL_CONTEXT = ClassName.get(API, "KernelContext");
    static final ClassName TORNADO_MATH = ClassName.get(API + ".math", "TornadoMath");
    static final ClassName PARALLEL = ClassName.get(API + ".annotations", "Parallel");

    /** Work-items per row in the row-reduction kernels; also the local array size. */
    static final int ROW_GROUP = 128;
    /** Work-items per group along x (a row's features) in the elementwise, copy and position kernels: two warps. */
    static final int FEATURE_GROUP = 64;
    /** Work-items per group in the attention kernels. */
    static final int ATTENTION_GROUP = 64;

    /** Codes of the elementwise functions, shared by the host code and {@code apply}. */
    static final Map<String, Integer> FUNCTIONS = new LinkedHashMap<>();

    static {
        for (String name : List.of("none", "relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh", "exp", "log", "sqrt", "neg",
                "add_scalar", "sub_scalar", "scalar_sub", "mul_scalar", "div_scalar", "scalar_div", "softcap",
                "add", "sub", "mul", "div", "swiglu")) {
            FUNCTIONS.put(name, FUNCTIONS.size());
        }
    }

    /**
     * Codes of the tensor-math functions of {@code math} (abs, powers, min, max, comparisons), kept
     * apart from FUNCTIONS so that models without them compile to the same kernels as before.
     * A comparison with the number on the left uses the mirrored code ({@code 2 < x} is {@code x > 2}).
     */
    static final Map<String, Integer> MATH_FUNCTIONS = new LinkedHashMap<>();

    /** Codes of the whole-number functions of {@code mapInts} and {@code combineInts}. */
    static final Map<String, Integer> INT_FUNCTIONS = new LinkedHashMap<>();

    static {
        for (String name : List.of("abs", "pow", "scalar_pow", "min", "max", "<", "<=", ">", ">=", "==", "!=")) {
            MATH_FUNCTIONS.put(name, MATH_FUNCTIONS.size());
        }
        for (String name : List.of("add", "sub", "scalar_sub", "mul", "min", "max")) {
            INT_FUNCTIONS.put(name, INT_FUNCTIONS.size());
        }
    }

    private static final Pattern TYPES = Pattern.compile("\\b(FloatArray|IntArray|KernelContext|TornadoMath|Parallel)\\b");

    private TornadoKernels() {
    }

    /** Source text with TornadoVM's simple names turned into imported types. */
    static CodeBlock code(String text) {
        Matcher matcher = TYPES.matcher(text.replace("$", "$$"));
        StringBuilder format = new StringBuilder();
        List<Object> args = new ArrayList<>();
        while (matcher.find()) {
            matcher.appendReplacement(format, "\\$T");
            args.add(switch (matcher.group(1)) {
                case "FloatArray" -> FLOAT_ARRAY;
                case "IntArray" -> INT_ARRAY;
                case "KernelContext" -> KERNEL_CONTEXT;
                case "TornadoMath" -> TORNADO_MATH;
                default -> PARALLEL;
            });
        }
        matcher.appendTail(format);
        return CodeBlock.of(format.toString(), args.toArray());
    }

    static MethodSpec kernel(String name, String doc, String parameters, String body) {
        MethodSpec.Builder method = MethodSpec.methodBuilder(name)
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .addJavadoc(doc + "\n");
        for (String parameter : parameters.split(",\\s*")) {
            String[] parts = parameter.trim().split("\\s+");
            method.addParameter(type(parts[0]), parts[1]);
        }
        return method.addCode(code(body)).build();
    }

    private static TypeName type(String simple) {
        return switch (simple) {
            case "int" -> TypeName.INT;
            case "float" -> TypeName.FLOAT;
            case "FloatArray" -> FLOAT_ARRAY;
            case "IntArray" -> INT_ARRAY;
            case "KernelContext" -> KERNEL_CONTEXT;
            default -> throw new IllegalArgumentException(simple);
        };
    }

    /** Every library kernel, by name. Only those a model uses are emitted. */
    /** The body of {@code rope} and {@code ropeAt}, which differ only in where a row's position comes from. */
    private static final String ROPE_BODY = """
            int slot = context.globalIdx;
            int r = context.globalIdy;
            int slots = (headDim + 1) / 2;
            int pairs = rotaryDim / 2;
            if (r < rows(dims, rows) && slot < heads * slots) {
                int h = slot / slots;
                int k = slot % slots;
                int x = inAt + r * inStride + h * headDim;
                int y = outAt + r * outStride + h * headDim;
                if (k < pairs) {
                    int angle = (dims.get(0) + r) * pairs + k;
                    float cos = cosines.get(angle);
                    float sin = sines.get(angle);
                    int first = interleaved == 1 ? 2 * k : k;
                    int second = interleaved == 1 ? 2 * k + 1 : k + pairs;
                    float a = in.get(x + first);
                    float b = in.get(x + second);
                    out.set(y + first, a * cos - b * sin);
                    out.set(y + second, a * sin + b * cos);
                } else {
                    int c = rotaryDim + 2 * (k - pairs);
                    out.set(y + c, in.get(x + c));
                    if (c + 1 < headDim) {
                        out.set(y + c + 1, in.get(x + c + 1));
                    }
                }
            }
            """;

    static Map<String, MethodSpec> library() {
        Map<String, MethodSpec> kernels = new LinkedHashMap<>();
        kernels.put("rows", MethodSpec.methodBuilder("rows")
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .returns(TypeName.INT)
                .addJavadoc("A rows count: itself, or run-time dim {@code -rows - 1} from {@code dims}.\n")
                .addParameter(INT_ARRAY, "dims")
                .addParameter(TypeName.INT, "rows")
                .addCode(code("return rows >= 0 ? rows : dims.get(-rows - 1);\n"))
                .build());
        kernels.put("apply", MethodSpec.methodBuilder("apply")
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .returns(TypeName.FLOAT)
                .addJavadoc("Elementwise function {@code function} of {@code x} (and {@code y}): the codes of FUNCTIONS.\n")
                .addParameter(TypeName.INT, "function")
                .addParameter(TypeName.FLOAT, "x")
                .addParameter(TypeName.FLOAT, "y")
                .addCode(code(APPLY))
                .build());
        kernels.put("erf", MethodSpec.methodBuilder("erf")
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .returns(TypeName.FLOAT)
                .addJavadoc("The error function (TornadoMath has none): Numerical Recipes' erfc fit, fractional error below 1.2e-7.\n")
                .addParameter(TypeName.FLOAT, "x")
                .addCode(code(ERF))
                .build());
        kernels.put("arange", kernel("arange",
                "Positions {@code dims[0] + r} of the rows of this call: a work-item per row.",
                "KernelContext context, IntArray out, int outAt, IntArray dims, int rows",
                """
                int r = context.globalIdx;
                if (r < rows(dims, rows)) {
                    out.set(outAt + r, dims.get(0) + r);
                }
                """));
        kernels.put("embedding", kernel("embedding",
                "Rows of {@code table} ([count][width]) picked by id: a work-item per (feature, row), features along x.",
                "KernelContext context, IntArray ids, int idsAt, FloatArray table, int width, FloatArray out, int outAt, int outStride, "
                        + "IntArray dims, int rows",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < width) {
                    out.set(outAt + r * outStride + c, table.get(ids.get(idsAt + r) * width + c));
                }
                """));
        kernels.put("layerNorm", kernel("layerNorm",
                "Layer normalisation, one work-group per row (y indexes (outer, row) pairs, so [H, T, Dh] views work too): mean and variance by tree reduction in local memory.",
                "KernelContext context, FloatArray in, int inAt, int inOuterStride, int inStride, FloatArray weight, FloatArray bias, "
                        + "int hasBias, FloatArray out, int outAt, int outOuterStride, int outStride, IntArray dims, int outers, int rows, "
                        + "int width, float eps",
                """
                int lane = context.localIdx;
                int item = context.globalIdy;
                int count = rows(dims, rows);
                float[] partial = context.allocateFloatLocalArray(128);
                if (item < rows(dims, outers) * count) {
                    int outer = item / count;
                    int row = item % count;
                    int x = inAt + outer * inOuterStride + row * inStride;
                    int y = outAt + outer * outOuterStride + row * outStride;
                    float sum = 0;
                    for (int c = lane; c < width; c += 128) {
                        sum += in.get(x + c);
                    }
                    partial[lane] = sum;
                    context.localBarrier();
                    for (int stride = 64; stride > 0; stride /= 2) {
                        if (lane < stride) {
                            partial[lane] += partial[lane + stride];
                        }
                        context.localBarrier();
                    }
                    float mean = partial[0] / width;
                    context.localBarrier();
                    float squares = 0;
                    for (int c = lane; c < width; c += 128) {
                        float d = in.get(x + c) - mean;
                        squares += d * d;
                    }
                    partial[lane] = squares;
                    context.localBarrier();
                    for (int stride = 64; stride > 0; stride /= 2) {
                        if (lane < stride) {
                            partial[lane] += partial[lane + stride];
                        }
                        context.localBarrier();
                    }
                    float inverse = 1.0f / TornadoMath.sqrt(partial[0] / width + eps);
                    for (int c = lane; c < width; c += 128) {
                        float shift = hasBias == 1 ? bias.get(c) : 0;
                        out.set(y + c, (in.get(x + c) - mean) * inverse * weight.get(c) + shift);
                    }
                }
                """));
        kernels.put("rmsNorm", kernel("rmsNorm",
                "RMS normalisation, one work-group per row (y indexes (outer, row) pairs): {@code x / sqrt(mean(x^2) + eps) * (weight + weightOffset)}.",
                "KernelContext context, FloatArray in, int inAt, int inOuterStride, int inStride, FloatArray weight, float weightOffset, "
                        + "FloatArray out, int outAt, int outOuterStride, int outStride, IntArray dims, int outers, int rows, int width, float eps",
                """
                int lane = context.localIdx;
                int item = context.globalIdy;
                int count = rows(dims, rows);
                float[] partial = context.allocateFloatLocalArray(128);
                if (item < rows(dims, outers) * count) {
                    int outer = item / count;
                    int row = item % count;
                    int x = inAt + outer * inOuterStride + row * inStride;
                    int y = outAt + outer * outOuterStride + row * outStride;
                    float squares = 0;
                    for (int c = lane; c < width; c += 128) {
                        squares += in.get(x + c) * in.get(x + c);
                    }
                    partial[lane] = squares;
                    context.localBarrier();
                    for (int stride = 64; stride > 0; stride /= 2) {
                        if (lane < stride) {
                            partial[lane] += partial[lane + stride];
                        }
                        context.localBarrier();
                    }
                    float inverse = 1.0f / TornadoMath.sqrt(partial[0] / width + eps);
                    for (int c = lane; c < width; c += 128) {
                        out.set(y + c, in.get(x + c) * inverse * (weight.get(c) + weightOffset));
                    }
                }
                """));
        kernels.put("softmax", kernel("softmax",
                "Softmax of each row, one work-group per row (y): max, then sum of exponentials, by reductions in local memory.",
                "KernelContext context, FloatArray in, int inAt, int inRowStride, int inColStride, "
                        + "FloatArray out, int outAt, int outRowStride, int outColStride, IntArray dims, int rows, int cols",
                """
                int row = context.globalIdy;
                int lane = context.localIdx;
                float[] partial = context.allocateFloatLocalArray(128);
                if (row < rows(dims, rows)) {
                    int count = rows(dims, cols);
                    int x = inAt + row * inRowStride;
                    float max = -3.4028235E38f;
                    for (int c = lane; c < count; c += 128) {
                        max = TornadoMath.max(max, in.get(x + c * inColStride));
                    }
                    partial[lane] = max;
                    context.localBarrier();
                    for (int stride = 64; stride > 0; stride /= 2) {
                        if (lane < stride) {
                            partial[lane] = TornadoMath.max(partial[lane], partial[lane + stride]);
                        }
                        context.localBarrier();
                    }
                    float rowMax = partial[0];
                    context.localBarrier();
                    float sum = 0;
                    for (int c = lane; c < count; c += 128) {
                        sum += TornadoMath.exp(in.get(x + c * inColStride) - rowMax);
                    }
                    partial[lane] = sum;
                    context.localBarrier();
                    for (int stride = 64; stride > 0; stride /= 2) {
                        if (lane < stride) {
                            partial[lane] += partial[lane + stride];
                        }
                        context.localBarrier();
                    }
                    float inverse = 1.0f / partial[0];
                    for (int c = lane; c < count; c += 128) {
                        out.set(outAt + row * outRowStride + c * outColStride, TornadoMath.exp(in.get(x + c * inColStride) - rowMax) * inverse);
                    }
                }
                """));
        kernels.put("map", kernel("map",
                "{@code out = f(in, number)} elementwise over a rows x cols view: a work-item per (feature, row), features along x.",
                "KernelContext context, FloatArray in, int inAt, int inRowStride, int inColStride, int function, float number, "
                        + "FloatArray out, int outAt, int outRowStride, IntArray dims, int rows, int cols",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    out.set(outAt + r * outRowStride + c, apply(function, in.get(inAt + r * inRowStride + c * inColStride), number));
                }
                """));
        kernels.put("combine", kernel("combine",
                "{@code out = f(a, b)} elementwise, a work-item per (feature, row); a stride of 0 broadcasts an operand along that axis.",
                "KernelContext context, FloatArray a, int aAt, int aRowStride, int aColStride, FloatArray b, int bAt, int bRowStride, "
                        + "int bColStride, int function, FloatArray out, int outAt, int outRowStride, IntArray dims, int rows, int cols",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    float x = a.get(aAt + r * aRowStride + c * aColStride);
                    float y = b.get(bAt + r * bRowStride + c * bColStride);
                    out.set(outAt + r * outRowStride + c, apply(function, x, y));
                }
                """));
        kernels.put("math", MethodSpec.methodBuilder("math")
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .returns(TypeName.FLOAT)
                .addJavadoc("Tensor-math function {@code function} of {@code x} and {@code y}: the codes of MATH_FUNCTIONS.\n")
                .addParameter(TypeName.INT, "function")
                .addParameter(TypeName.FLOAT, "x")
                .addParameter(TypeName.FLOAT, "y")
                .addCode(code(MATH))
                .build());
        kernels.put("mathMap", kernel("mathMap",
                "{@code out = math(in, number)} elementwise over a rows x cols view: a work-item per (feature, row).",
                "KernelContext context, FloatArray in, int inAt, int inRowStride, int inColStride, int function, float number, "
                        + "FloatArray out, int outAt, int outRowStride, IntArray dims, int rows, int cols",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    out.set(outAt + r * outRowStride + c, math(function, in.get(inAt + r * inRowStride + c * inColStride), number));
                }
                """));
        kernels.put("mathCombine", kernel("mathCombine",
                "{@code out = math(a, b)} elementwise, a work-item per (feature, row); a stride of 0 broadcasts an operand.",
                "KernelContext context, FloatArray a, int aAt, int aRowStride, int aColStride, FloatArray b, int bAt, int bRowStride, "
                        + "int bColStride, int function, FloatArray out, int outAt, int outRowStride, IntArray dims, int rows, int cols",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    float x = a.get(aAt + r * aRowStride + c * aColStride);
                    float y = b.get(bAt + r * bRowStride + c * bColStride);
                    out.set(outAt + r * outRowStride + c, math(function, x, y));
                }
                """));
        // where: TaskGraph.task takes at most 20 arguments, so a number side has kernels of its own.
        kernels.put("where", kernel("where",
                "{@code out = cond != 0 ? a : b} elementwise, a work-item per (feature, row); a stride of 0 broadcasts an operand.",
                "KernelContext context, FloatArray cond, int cAt, int cRowStride, int cColStride, FloatArray a, int aAt, "
                        + "int aRowStride, int aColStride, FloatArray b, int bAt, int bRowStride, int bColStride, "
                        + "FloatArray out, int outAt, int outRowStride, IntArray dims, int rows, int cols",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    float value = b.get(bAt + r * bRowStride + c * bColStride);
                    if (cond.get(cAt + r * cRowStride + c * cColStride) != 0.0f) {
                        value = a.get(aAt + r * aRowStride + c * aColStride);
                    }
                    out.set(outAt + r * outRowStride + c, value);
                }
                """));
        kernels.put("whereNumber", kernel("whereNumber",
                "{@code where} with one side a number: {@code cond != 0 ? x : number} when {@code numberFirst} is 0, "
                        + "{@code cond != 0 ? number : x} when it is 1.",
                "KernelContext context, FloatArray cond, int cAt, int cRowStride, int cColStride, FloatArray x, int xAt, "
                        + "int xRowStride, int xColStride, float number, int numberFirst, "
                        + "FloatArray out, int outAt, int outRowStride, IntArray dims, int rows, int cols",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    boolean pick = cond.get(cAt + r * cRowStride + c * cColStride) != 0.0f;
                    float value = number;
                    if (pick == (numberFirst == 0)) {
                        value = x.get(xAt + r * xRowStride + c * xColStride);
                    }
                    out.set(outAt + r * outRowStride + c, value);
                }
                """));
        kernels.put("whereNumbers", kernel("whereNumbers",
                "{@code where} with two numbers: {@code cond != 0 ? a : b}.",
                "KernelContext context, FloatArray cond, int cAt, int cRowStride, int cColStride, float a, float b, "
                        + "FloatArray out, int outAt, int outRowStride, IntArray dims, int rows, int cols",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    float value = b;
                    if (cond.get(cAt + r * cRowStride + c * cColStride) != 0.0f) {
                        value = a;
                    }
                    out.set(outAt + r * outRowStride + c, value);
                }
                """));
        String reduceBody = """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    int x = inAt + r * inRowStride + c * inColStride;
                    int n = rows(dims, count);
                    float sum = 0.0f;
                    float best = op == 2 ? -3.4028235E38f : 3.4028235E38f;
                    int seen = 0;
                    for (int k = 0; k < n; k++) {
                        if (KEEP) {
                            float value = in.get(x + k * step);
                            sum += value;
                            best = op == 2 ? TornadoMath.max(best, value) : TornadoMath.min(best, value);
                            seen++;
                        }
                    }
                    float result = sum;
                    if (op == 1) {
                        result = seen == 0 ? 0.0f : sum / seen;
                    } else if (op >= 2) {
                        result = seen == 0 ? 0.0f : best;
                    }
                    out.set(outAt + r * outRowStride + c * outColStride, result);
                }
                """;
        String reduceParameters = "KernelContext context, FloatArray in, int inAt, int inRowStride, int inColStride, int step, %s"
                + "FloatArray out, int outAt, int outRowStride, int outColStride, IntArray dims, int rows, int cols, int count, int op";
        kernels.put("reduce", kernel("reduce",
                "Sum (op 0), mean (1), max (2) or min (3) of {@code count} values {@code step} apart, for each element of a rows x "
                        + "cols view of the result: a work-item per element. A reduction over no value gives 0.",
                reduceParameters.formatted(""), reduceBody.replace("KEEP", "k >= 0")));
        kernels.put("reduceMasked", kernel("reduceMasked",
                "As {@code reduce}, leaving out the positions k where {@code mask[maskAt + k * maskStep]} is 0 (padding).",
                reduceParameters.formatted("IntArray mask, int maskAt, int maskStep, "),
                reduceBody.replace("KEEP", "mask.get(maskAt + k * maskStep) != 0")));
        kernels.put("mapInts", kernel("mapInts",
                "{@code out = f(in, number)} on whole numbers ({@code arange(T) + 2}): a work-item per (column, row); codes of INT_FUNCTIONS.",
                "KernelContext context, IntArray in, int inAt, int inRowStride, int inColStride, int function, int number, "
                        + "IntArray out, int outAt, int outRowStride, IntArray dims, int rows, int cols",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    out.set(outAt + r * outRowStride + c, whole(function, in.get(inAt + r * inRowStride + c * inColStride), number));
                }
                """));
        kernels.put("combineInts", kernel("combineInts",
                "{@code out = f(a, b)} on whole numbers, a work-item per (column, row); a stride of 0 broadcasts an operand.",
                "KernelContext context, IntArray a, int aAt, int aRowStride, int aColStride, IntArray b, int bAt, int bRowStride, "
                        + "int bColStride, int function, IntArray out, int outAt, int outRowStride, IntArray dims, int rows, int cols",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    int x = a.get(aAt + r * aRowStride + c * aColStride);
                    int y = b.get(bAt + r * bRowStride + c * bColStride);
                    out.set(outAt + r * outRowStride + c, whole(function, x, y));
                }
                """));
        kernels.put("whole", MethodSpec.methodBuilder("whole")
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .returns(TypeName.INT)
                .addJavadoc("Whole-number function {@code function} of {@code x} and {@code y}: the codes of INT_FUNCTIONS.\n")
                .addParameter(TypeName.INT, "function")
                .addParameter(TypeName.INT, "x")
                .addParameter(TypeName.INT, "y")
                .addCode(code("""
                        int result = x + y;
                        if (function == 1) {
                            result = x - y;
                        } else if (function == 2) {
                            result = y - x;
                        } else if (function == 3) {
                            result = x * y;
                        } else if (function == 4) {
                            result = TornadoMath.min(x, y);
                        } else if (function == 5) {
                            result = TornadoMath.max(x, y);
                        }
                        return result;
                        """))
                .build());
        kernels.put("copy", kernel("copy",
                "Copies a rows x cols view, a work-item per (feature, row), to {@code outAt + rows(shift) * shiftStride}: a concat "
                        + "part whose offset is a run-time size gives it as {@code shift}.",
                "KernelContext context, FloatArray in, int inAt, int inRowStride, int inColStride, FloatArray out, int outAt, "
                        + "int outRowStride, int outColStride, IntArray dims, int rows, int cols, int shift, int shiftStride",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    int target = outAt + rows(dims, shift) * shiftStride + r * outRowStride + c * outColStride;
                    out.set(target, in.get(inAt + r * inRowStride + c * inColStride));
                }
                """));
        kernels.put("matmul", kernel("matmul",
                "{@code out[n][m] = sum_k a[n][k] * b[k][m]} over strided views: a work-item per (column, row), columns along x.",
                "KernelContext context, FloatArray a, int aAt, int aRowStride, int aColStride, FloatArray b, int bAt, int bRowStride, "
                        + "int bColStride, FloatArray out, int outAt, int outRowStride, IntArray dims, int rows, int inner, int cols",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < rows(dims, cols)) {
                    int k = rows(dims, inner);
                    float sum = 0;
                    for (int i = 0; i < k; i++) {
                        sum += a.get(aAt + r * aRowStride + i * aColStride) * b.get(bAt + i * bRowStride + c * bColStride);
                    }
                    out.set(outAt + r * outRowStride + c, sum);
                }
                """));
        kernels.put("sinusoidal", kernel("sinusoidal",
                "The sinusoidal encoding for positions {@code dims[0] + r}, read from a table computed on the host in double "
                        + "precision ({@code PositionTables.sinusoidal}): a work-item per (feature, row).",
                "KernelContext context, FloatArray table, FloatArray out, int outAt, int outStride, IntArray dims, int rows, int width",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < width) {
                    out.set(outAt + r * outStride + c, table.get((dims.get(0) + r) * width + c));
                }
                """));
        kernels.put("rope", kernel("rope",
                "Rotary position embedding for positions {@code dims[0] + r}, interleaved or half-split pairs, with cos and sin "
                        + "read from [position][pair] tables computed on the host in double precision ({@code PositionTables}). "
                        + "A work-item per (pair slot of a head, row): slot k of head h turns pair k, or, past the rotary pairs, "
                        + "copies two of the features that are not rotated.",
                "KernelContext context, FloatArray in, int inAt, int inStride, FloatArray out, int outAt, int outStride, "
                        + "FloatArray cosines, FloatArray sines, IntArray dims, int rows, int heads, int headDim, int rotaryDim, int interleaved",
                ROPE_BODY));
        // rope(..., positions = ids): the same rotation, each row at the position its int input holds
        // (checked against the tables' rows on the host, or proven inside them when compiled).
        kernels.put("ropeAt", kernel("ropeAt",
                "Rotary position embedding as {@code rope}, row r at position {@code positions[positionsAt + r * positionsStride]}, "
                        + "which lies within the tables' rows.",
                "KernelContext context, FloatArray in, int inAt, int inStride, FloatArray out, int outAt, int outStride, "
                        + "FloatArray cosines, FloatArray sines, IntArray positions, int positionsAt, int positionsStride, "
                        + "IntArray dims, int rows, int heads, int headDim, int rotaryDim, int interleaved",
                ROPE_BODY.replace("int angle = (dims.get(0) + r) * pairs + k;",
                        "int angle = positions.get(positionsAt + r * positionsStride) * pairs + k;")));
        kernels.put("mergeHeads", kernel("mergeHeads",
                "[H, T, Dh] laid out with strides (headStride, rowStride, 1) into [T, H * Dh]: a work-item per (feature, row).",
                "KernelContext context, FloatArray in, int inAt, int headStride, int rowStride, FloatArray out, int outAt, int outStride, "
                        + "IntArray dims, int rows, int heads, int headWidth",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < heads * headWidth) {
                    int h = c / headWidth;
                    int d = c % headWidth;
                    out.set(outAt + r * outStride + c, in.get(inAt + h * headStride + r * rowStride + d));
                }
                """));
        kernels.put("append", kernel("append",
                "Appends this call's rows of keys or values to a KV cache at position {@code dims[0]}: a work-item per (feature, row).",
                "KernelContext context, FloatArray in, int inAt, int inStride, FloatArray cache, int cacheAt, int width, IntArray dims, int rows",
                """
                int c = context.globalIdx;
                int r = context.globalIdy;
                if (r < rows(dims, rows) && c < width) {
                    cache.set(cacheAt + (dims.get(0) + r) * width + c, in.get(inAt + r * inStride + c));
                }
                """));
        return kernels;
    }

    private static final String APPLY = """
            float result = x;
            if (function == 1) {
                result = TornadoMath.max(x, 0.0f);
            } else if (function == 2) {
                result = 0.5f * x * (1.0f + erf(x * 0.70710678f));
            } else if (function == 3) {
                result = 0.5f * x * (1.0f + TornadoMath.tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
            } else if (function == 4) {
                result = x / (1.0f + TornadoMath.exp(-x));
            } else if (function == 5) {
                result = 1.0f / (1.0f + TornadoMath.exp(-x));
            } else if (function == 6) {
                result = TornadoMath.tanh(x);
            } else if (function == 7) {
                result = TornadoMath.exp(x);
            } else if (function == 8) {
                result = TornadoMath.log(x);
            } else if (function == 9) {
                result = TornadoMath.sqrt(x);
            } else if (function == 10) {
                result = -x;
            } else if (function == 11 || function == 18) {
                result = x + y;
            } else if (function == 12 || function == 19) {
                result = x - y;
            } else if (function == 13) {
                result = y - x;
            } else if (function == 14 || function == 20) {
                result = x * y;
            } else if (function == 15 || function == 21) {
                result = x / y;
            } else if (function == 16) {
                result = y / x;
            } else if (function == 17) {
                result = y * TornadoMath.tanh(x / y);
            } else if (function == 22) {
                result = x / (1.0f + TornadoMath.exp(-x)) * y;
            }
            return result;
            """;

    private static final String MATH = """
            float result = TornadoMath.abs(x);
            if (function == 1) {
                result = y == 2.0f ? x * x : TornadoMath.pow(x, y);
            } else if (function == 2) {
                result = x == 2.0f ? y * y : TornadoMath.pow(y, x);
            } else if (function == 3) {
                result = TornadoMath.min(x, y);
            } else if (function == 4) {
                result = TornadoMath.max(x, y);
            } else if (function == 5) {
                result = x < y ? 1.0f : 0.0f;
            } else if (function == 6) {
                result = x <= y ? 1.0f : 0.0f;
            } else if (function == 7) {
                result = x > y ? 1.0f : 0.0f;
            } else if (function == 8) {
                result = x >= y ? 1.0f : 0.0f;
            } else if (function == 9) {
                result = x == y ? 1.0f : 0.0f;
            } else if (function == 10) {
                result = x != y ? 1.0f : 0.0f;
            }
            return result;
            """;

    private static final String ERF = """
            float z = TornadoMath.abs(x);
            float t = 1.0f / (1.0f + 0.5f * z);
            float polynomial = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f
                    + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f
                    + t * (-0.82215223f + t * 0.17087277f))))))));
            float erfc = t * TornadoMath.exp(-z * z + polynomial);
            return x >= 0 ? 1.0f - erfc : erfc - 1.0f;
            """;
}
