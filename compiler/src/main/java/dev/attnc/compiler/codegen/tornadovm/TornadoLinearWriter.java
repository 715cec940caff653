package dev.attnc.compiler.codegen.tornadovm;

import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.FLOAT_ARRAY;
import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.INT_ARRAY;
import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.KERNEL_CONTEXT;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Param;
import dev.attnc.compiler.passes.BufferPlan;
import dev.attnc.compiler.passes.BufferPlan.Storage;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Modifier;

/**
 * The linear layers of the TornadoVM backend, {@code out[r][o] = f(bias[o] + sum_i in[r][i] * weight[o][i])}
 * with the weight stored [out][in]: their kernel, its task and its launch grid.
 *
 * <p>One KernelContext kernel, {@code linear}, one task per layer, taking the row count from
 * {@code dims} so that one compiled kernel serves every T (TornadoVM bakes scalar arguments
 * into the kernel). It works one of two ways, chosen by the call's row count, which is the same
 * for every item, so all items of a group reach the same barriers:
 * <ul>
 *   <li>more than {@link #FEW_ROWS} rows (prefill): a work-group of {@link #GROUP} items
 *       computes a {@link #TILE} x {@link #TILE} tile of the output, {@code groupIdx} its column
 *       of tiles and {@code groupIdy} its row. Per step of {@link #DEPTH} along the inputs it
 *       copies a tile of the input rows and a tile of the weight rows into local memory,
 *       neighbouring items reading neighbouring addresses (both are contiguous along the
 *       inputs), stored transposed with a pitch of {@link #PITCH} so that neither the stores nor
 *       the reads collide on a bank. Each item then accumulates {@link #BLOCK} x {@link #BLOCK}
 *       outputs in registers (rows {@code ty + 16 i}, outputs {@code tx + 16 j}), and at the end
 *       adds the bias and applies the fused activation; neighbouring items write neighbouring
 *       outputs.</li>
 *   <li>at most {@link #FEW_ROWS} rows (decoding): a warp of {@link #WARP} lanes per output,
 *       {@link #OUTPUTS_PER_GROUP} outputs per work-group ({@code groupIdx}); the lanes stride
 *       along the weight row (coalesced), each weight read serves {@link #ROWS_AT_ONCE} input
 *       rows at a time, and one lane per output and row adds up the warp's partial sums from
 *       local memory (one barrier, where a tree would take five: on the JVM launcher each
 *       barrier is a pass over the group's items).</li>
 * </ul>
 * One task, not one per way: TornadoVM keeps a task graph's own bytecode in a fixed buffer of
 * 8 KB (TornadoTaskGraph.addInner fails with a BufferOverflowException past it), which two
 * tasks per linear layer overflow for a 6-layer encoder. The host sizes the layer's grid to the
 * call and to the way it takes ({@code resizeLinear}): {@code ceil(out / 64) x ceil(rows / 64)}
 * groups above {@link #FEW_ROWS} rows, {@code ceil(out / 8) x 1} at or below.
 *
 * <p>FP16 weights: with {@code -D}{@value #FP16_PROPERTY}{@code =true} when the class is
 * generated, the weights of linear layers are stored as TornadoVM's {@code HalfFloatArray}
 * (rounded to nearest at load, half the bytes to read) and the kernel ({@code linearHalf})
 * widens each weight to float as it reads it; inputs, biases, sums and outputs stay float.
 */
final class TornadoLinearWriter {
    /** The system property that stores linear weights as FP16: "true" or "false" (the default). */
    static final String FP16_PROPERTY = "attnc.tornado.fp16";

    static final ClassName HALF_FLOAT_ARRAY = ClassName.get(TornadoKernels.API + ".types.arrays", "HalfFloatArray");
    static final ClassName HALF_FLOAT = ClassName.get(TornadoKernels.API + ".types", "HalfFloat");
    private static final ClassName WORKER_GRID_2D = ClassName.get(TornadoKernels.API, "WorkerGrid2D");

    /** Rows up to which the kernel works as a matrix-vector product; above, on tiles. */
    static final int FEW_ROWS = 8;
    /** Input rows each weight read of the matrix-vector way serves. */
    static final int ROWS_AT_ONCE = 4;
    /** Lanes per output in the matrix-vector way: a warp, whose loads of one weight row make one 128-byte line. */
    static final int WARP = 32;
    /** Rows and outputs of an output tile of the tiled way. */
    static final int TILE = 64;
    /** Inputs per step along the input width. */
    static final int DEPTH = 32;
    /** Steps of the inner product loop written out one after another. */
    static final int UNROLL = 8;
    /** Outputs (and rows) per item, along each side: BLOCK x BLOCK accumulators. */
    static final int BLOCK = 4;
    /** Items along each side of a tile. */
    static final int SIDE = TILE / BLOCK;
    /** Items per work-group, either way. */
    static final int GROUP = SIDE * SIDE;
    /** Outputs per work-group of the matrix-vector way: a warp each. */
    static final int OUTPUTS_PER_GROUP = GROUP / WARP;
    /** Row pitch of the transposed local tiles: one more than a tile, so that no two lanes of a warp hit one bank. */
    static final int PITCH = TILE + 1;

    /** Every name this class puts into a generated class: kernels, host helpers and types. */
    static final Set<String> NAMES = Set.of("linear", "linearHalf", "toHalfFloats", "resizeLinear", "HalfFloatArray", "HalfFloat");

    /** The task of a linear layer: its kernel and arguments. */
    record Task(String kernel, String args) {
    }

    /**
     * A linear layer as the host code sees it. {@code rows} is a constant or, when negative,
     * {@code -(index + 1)} of a size in {@code dims}. {@code bias} is null when the layer has none.
     */
    record Call(String in, String inAt, String inStride, String weight, String bias, int function, String out, String outAt,
            String outStride, String rows, long inWidth, long outWidth, boolean halfWeight) {
    }

    private final Set<Integer> halfParams = new HashSet<>();

    /**
     * @param half whether linear weights are stored as FP16 (see {@link #halfRequested()}); only
     *             params of kind linear whose weight no other operation reads are
     */
    TornadoLinearWriter(Graph graph, BufferPlan plan, boolean half) {
        if (!half) {
            return;
        }
        Set<Integer> readElsewhere = new HashSet<>();
        for (Node node : graph.nodes()) {
            BufferPlan.Layout layout = plan.layouts().get(node.id());
            if (layout != null && layout.storage() == Storage.WEIGHT && node.op() != Op.LINEAR) {
                readElsewhere.add(layout.param());
            }
        }
        for (Param param : graph.params()) {
            if (param.kind().equals("linear") && !readElsewhere.contains(param.id())) {
                halfParams.add(param.id());
            }
        }
    }

    /** The FP16 switch, {@value #FP16_PROPERTY}: true, false, or unset (false). */
    static boolean halfRequested() {
        String value = System.getProperty(FP16_PROPERTY);
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new CodegenException("system property " + FP16_PROPERTY + " must be true or false, not `" + value + "`");
    }

    /** Whether this tensor of this param is stored as FP16. Biases stay float. */
    boolean half(Param param, String suffix) {
        return suffix.equals("weight") && halfParams.contains(param.id());
    }

    /** The array type of a weight field (an array of it when the param has one per layer). */
    TypeName fieldType(Param param, String suffix, boolean perLayer) {
        TypeName array = half(param, suffix) ? HALF_FLOAT_ARRAY : FLOAT_ARRAY;
        return perLayer ? ArrayTypeName.of(array) : array;
    }

    /** The element type of a weight field. */
    TypeName arrayType(Param param, String suffix) {
        return half(param, suffix) ? HALF_FLOAT_ARRAY : FLOAT_ARRAY;
    }

    /** The device array made from the floats {@code values} evaluates to. */
    CodeBlock fromFloats(Param param, String suffix, CodeBlock values) {
        return half(param, suffix) ? CodeBlock.of("toHalfFloats($L)", values) : CodeBlock.of("$T.fromArray($L)", FLOAT_ARRAY, values);
    }

    /** Host methods the class needs: the FP16 conversion, if any weight is FP16. */
    List<MethodSpec> hostMethods() {
        if (halfParams.isEmpty()) {
            return List.of();
        }
        // An instance method, not static: the kernel checks take every static method over API types for a kernel.
        return List.of(MethodSpec.methodBuilder("toHalfFloats")
                .addModifiers(Modifier.PRIVATE)
                .returns(HALF_FLOAT_ARRAY)
                .addJavadoc("Weights as FP16 (nearest even): half the bytes for the linear kernels to read.\n")
                .addParameter(float[].class, "values")
                .addStatement("$T halves = new $T(values.length)", HALF_FLOAT_ARRAY, HALF_FLOAT_ARRAY)
                .beginControlFlow("for (int index = 0; index < values.length; index++)")
                .addStatement("halves.set(index, new $T(values[index]))", HALF_FLOAT)
                .endControlFlow()
                .addStatement("return halves")
                .build());
    }

    /** The task of one linear layer; its grid is {@link #resizeMethod()}'s to set. */
    Task task(Call call) {
        String args = String.join(", ", "new " + KERNEL_CONTEXT.simpleName() + "()", call.in(), call.inAt(), call.inStride(),
                call.weight(), call.bias() == null ? call.in() : call.bias(), call.bias() == null ? "0" : "1",
                Integer.toString(call.function()), call.out(), call.outAt(), call.outStride(), "dims", call.rows(),
                Long.toString(call.inWidth()), Long.toString(call.outWidth()));
        return new Task(call.halfWeight() ? "linearHalf" : "linear", args);
    }

    /** Work-groups along x of a call of {@code rows} rows, for {@code outWidth} outputs (see {@link #resizeMethod()}). */
    static long groupsAcross(long rows, long outWidth) {
        return rows > FEW_ROWS ? ceil(outWidth, TILE) : ceil(outWidth, OUTPUTS_PER_GROUP);
    }

    /** Work-groups along y of a call of {@code rows} rows. */
    static long groupsDown(long rows) {
        return rows > FEW_ROWS ? ceil(rows, TILE) : 1;
    }

    /**
     * {@code resizeLinear(grid, rows, outWidth)}: a linear layer's grid for a call, as the kernel
     * expects it: work-groups of {@link #GROUP} items, one per output tile above
     * {@link #FEW_ROWS} rows, one per {@link #OUTPUTS_PER_GROUP} outputs at or below.
     */
    static MethodSpec resizeMethod() {
        return MethodSpec.methodBuilder("resizeLinear")
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .addJavadoc("Sets a linear layer's grid for a call of {@code rows} rows: a work-group of $L items per $L x $L output tile\n"
                        + "above $L rows, per $L outputs at or below (the kernel takes the same way for the same rows).\n",
                        GROUP, TILE, TILE, FEW_ROWS, OUTPUTS_PER_GROUP)
                .addParameter(WORKER_GRID_2D, "grid")
                .addParameter(TypeName.INT, "rows")
                .addParameter(TypeName.INT, "outWidth")
                .beginControlFlow("if (rows > $L)", FEW_ROWS)
                .addStatement("grid.setGlobalWork((outWidth + $L) / $L * $L, (rows + $L) / $L, 1)", TILE - 1, TILE, GROUP, TILE - 1, TILE)
                .nextControlFlow("else")
                .addStatement("grid.setGlobalWork((outWidth + $L) / $L * $L, 1, 1)", OUTPUTS_PER_GROUP - 1, OUTPUTS_PER_GROUP, GROUP)
                .endControlFlow()
                .addStatement("grid.setLocalWork($L, 1, 1)", GROUP)
                .build();
    }

    private static long ceil(long value, long step) {
        return (value + step - 1) / step;
    }

    /** The kernels, by name; the writer emits those its tasks use. */
    static Map<String, MethodSpec> kernels() {
        Map<String, MethodSpec> kernels = new LinkedHashMap<>();
        for (boolean half : new boolean[] {false, true}) {
            String name = half ? "linearHalf" : "linear";
            String weights = half ? "FP16 weights ({@code HalfFloatArray}), widened to float as they are read" : "float weights";
            kernels.put(name, kernel(name, "{@code out[r][o] = f(bias[o] + sum_i in[r][i] * weight[o][i])}, " + weights + ".\n\n"
                    + "<p>Work-groups of " + GROUP + " items. More than " + FEW_ROWS + " rows: one group per " + TILE + " x "
                    + TILE + " output tile (column of tiles {@code groupIdx}, row of tiles {@code groupIdy}), input and"
                    + " weight tiles of depth " + DEPTH + " in local memory, " + BLOCK + " x " + BLOCK + " outputs per item. At"
                    + " most " + FEW_ROWS + ": a warp of " + WARP + " lanes per output striding along its weight row, "
                    + OUTPUTS_PER_GROUP + " outputs per group ({@code groupIdx = o / " + OUTPUTS_PER_GROUP + "}), " + ROWS_AT_ONCE
                    + " rows per pass, partial sums added up in local memory.",
                    parameters(half), body(half)));
        }
        return kernels;
    }

    private static String parameters(boolean half) {
        return "KernelContext context, FloatArray in, int inAt, int inStride, " + (half ? "HalfFloatArray" : "FloatArray")
                + " weight, FloatArray bias, int hasBias, int function, FloatArray out, int outAt, int outStride, IntArray dims, "
                + "int rows, int inWidth, int outWidth";
    }

    /** A weight read: FP16 weights are widened to float. */
    private static String weight(boolean half, String index) {
        return "weight.get(" + index + ")" + (half ? ".getFloat32()" : "");
    }

    /**
     * The kernel: both ways in one method, chosen by the call's row count. The local arrays are
     * allocated once at the top (TornadoVM sizes local memory per kernel); the matrix-vector way
     * keeps its partial sums in the input tile.
     */
    private static String body(boolean half) {
        int outputPitch = WARP + 1;
        int rowPitch = OUTPUTS_PER_GROUP * outputPitch;
        StringBuilder body = new StringBuilder();
        line(body, 0, "int count = rows(dims, rows);");
        line(body, 0, "int lane = context.localIdx;");
        line(body, 0, "// Both tiles transposed, [input][row] and [input][output], with a pitch of " + PITCH + ": bank-conflict free.");
        line(body, 0, "float[] inTile = context.allocateFloatLocalArray(" + DEPTH * PITCH + ");");
        line(body, 0, "float[] weightTile = context.allocateFloatLocalArray(" + DEPTH * PITCH + ");");
        line(body, 0, "// The same for every item of a group, so that all of them reach the same barriers.");
        line(body, 0, "if (count > " + FEW_ROWS + ") {");
        tiled(body, half);
        line(body, 0, "} else {");
        rows(body, half, outputPitch, rowPitch);
        line(body, 0, "}");
        return body.toString();
    }

    /** More than FEW_ROWS rows: a group per output tile. */
    private static void tiled(StringBuilder body, boolean half) {
        line(body, 1, "int row0 = context.groupIdy * " + TILE + ";");
        line(body, 1, "int col0 = context.groupIdx * " + TILE + ";");
        line(body, 1, "int tx = lane % " + SIDE + ";");
        line(body, 1, "int ty = lane / " + SIDE + ";");
        line(body, 1, "if (row0 < count && col0 < outWidth) {");
        for (int i = 0; i < BLOCK; i++) {
            for (int j = 0; j < BLOCK; j++) {
                line(body, 2, "float sum" + i + j + " = 0.0f;");
            }
        }
        line(body, 2, "for (int k0 = 0; k0 < inWidth; k0 += " + DEPTH + ") {");
        line(body, 3, "// Neighbouring items copy neighbouring inputs of one row: coalesced. Zeros past the edges.");
        line(body, 3, "for (int e = lane; e < " + TILE * DEPTH + "; e += " + GROUP + ") {");
        line(body, 4, "int r = e / " + DEPTH + ";");
        line(body, 4, "int kk = e % " + DEPTH + ";");
        line(body, 4, "int k = k0 + kk;");
        line(body, 4, "float x = 0.0f;");
        line(body, 4, "float w = 0.0f;");
        line(body, 4, "if (k < inWidth) {");
        line(body, 5, "if (row0 + r < count) {");
        line(body, 6, "x = in.get(inAt + (row0 + r) * inStride + k);");
        line(body, 5, "}");
        line(body, 5, "if (col0 + r < outWidth) {");
        line(body, 6, "w = " + weight(half, "(col0 + r) * inWidth + k") + ";");
        line(body, 5, "}");
        line(body, 4, "}");
        line(body, 4, "inTile[kk * " + PITCH + " + r] = x;");
        line(body, 4, "weightTile[kk * " + PITCH + " + r] = w;");
        line(body, 3, "}");
        line(body, 3, "context.localBarrier();");
        line(body, 3, "// Unrolled by " + UNROLL + ": straight-line code a CPU OpenCL compiler can vectorize across work-items.");
        line(body, 3, "for (int kk = 0; kk < " + DEPTH + "; kk += " + UNROLL + ") {");
        for (int u = 0; u < UNROLL; u++) {
            line(body, 4, (u == 0 ? "int " : "") + "at = " + (u == 0 ? "kk * " + PITCH : "at + " + PITCH) + ";");
            for (int i = 0; i < BLOCK; i++) {
                line(body, 4, (u == 0 ? "float " : "") + "a" + i + " = inTile[at + ty" + (i == 0 ? "" : " + " + i * SIDE) + "];");
            }
            for (int j = 0; j < BLOCK; j++) {
                line(body, 4, (u == 0 ? "float " : "") + "b" + j + " = weightTile[at + tx" + (j == 0 ? "" : " + " + j * SIDE) + "];");
            }
            for (int i = 0; i < BLOCK; i++) {
                for (int j = 0; j < BLOCK; j++) {
                    line(body, 4, "sum" + i + j + " += a" + i + " * b" + j + ";");
                }
            }
        }
        line(body, 3, "}");
        line(body, 3, "context.localBarrier();");
        line(body, 2, "}");
        line(body, 2, "// Bias and activation, then neighbouring items write neighbouring outputs.");
        for (int j = 0; j < BLOCK; j++) {
            String o = "col0 + tx" + (j == 0 ? "" : " + " + j * SIDE);
            line(body, 2, "float shift" + j + " = 0.0f;");
            line(body, 2, "if (hasBias == 1) {");
            line(body, 3, "if (" + o + " < outWidth) {");
            line(body, 4, "shift" + j + " = bias.get(" + o + ");");
            line(body, 3, "}");
            line(body, 2, "}");
        }
        for (int i = 0; i < BLOCK; i++) {
            String r = "row0 + ty" + (i == 0 ? "" : " + " + i * SIDE);
            line(body, 2, "if (" + r + " < count) {");
            line(body, 3, "int y" + i + " = outAt + (" + r + ") * outStride + col0 + tx;");
            for (int j = 0; j < BLOCK; j++) {
                line(body, 3, "if (col0 + tx" + (j == 0 ? "" : " + " + j * SIDE) + " < outWidth) {");
                line(body, 4, "out.set(y" + i + (j == 0 ? "" : " + " + j * SIDE) + ", apply(function, sum" + i + j + " + shift" + j
                        + ", 0.0f));");
                line(body, 3, "}");
            }
            line(body, 2, "}");
        }
        line(body, 1, "}");
    }

    /** At most FEW_ROWS rows: a warp per output, the partial sums in {@code inTile}. */
    private static void rows(StringBuilder body, boolean half, int outputPitch, int rowPitch) {
        line(body, 1, "int first = context.groupIdx * " + OUTPUTS_PER_GROUP + ";");
        line(body, 1, "int slot = lane / " + WARP + ";");
        line(body, 1, "int sub = lane % " + WARP + ";");
        line(body, 1, "// Partial sums [row][output][" + outputPitch + "] in the input tile: the pitch of " + outputPitch
                + " keeps the final reads on distinct banks.");
        line(body, 1, "if (first < outWidth && context.groupIdy == 0) {");
        line(body, 2, "// Lanes past the last output read the last weight row again, and write nothing.");
        line(body, 2, "int w = TornadoMath.min(first + slot, outWidth - 1) * inWidth;");
        line(body, 2, "for (int r0 = 0; r0 < count; r0 += " + ROWS_AT_ONCE + ") {");
        line(body, 3, "// Rows past the end read the last row again, and are not written.");
        for (int n = 0; n < ROWS_AT_ONCE; n++) {
            String row = n == 0 ? "r0" : "TornadoMath.min(r0 + " + n + ", count - 1)";
            line(body, 3, "int x" + n + " = inAt + " + row + " * inStride;");
        }
        line(body, 3, "// " + WARP + " neighbouring lanes read " + WARP + " neighbouring weights of their row. A last row alone"
                + " (a decoding step) reads its inputs once, not " + ROWS_AT_ONCE + " times.");
        line(body, 3, "// Each branch stores its own sums: TornadoVM 5.2's OpenCL code merges float values computed by loops in both"
                + " branches of an if wrongly (the phi copies of one branch overwrite the other's).");
        line(body, 3, "if (count - r0 == 1) {");
        line(body, 4, "float part = 0.0f;");
        line(body, 4, "for (int k = sub; k < inWidth; k += " + WARP + ") {");
        line(body, 5, "part += " + weight(half, "w + k") + " * in.get(x0 + k);");
        line(body, 4, "}");
        line(body, 4, "inTile[slot * " + outputPitch + " + sub] = part;");
        line(body, 3, "} else {");
        for (int n = 0; n < ROWS_AT_ONCE; n++) {
            line(body, 4, "float part" + n + " = 0.0f;");
        }
        line(body, 4, "for (int k = sub; k < inWidth; k += " + WARP + ") {");
        line(body, 5, "float wk = " + weight(half, "w + k") + ";");
        for (int n = 0; n < ROWS_AT_ONCE; n++) {
            line(body, 5, "part" + n + " += wk * in.get(x" + n + " + k);");
        }
        line(body, 4, "}");
        for (int n = 0; n < ROWS_AT_ONCE; n++) {
            line(body, 4, "inTile[" + (n == 0 ? "" : n * rowPitch + " + ") + "slot * " + outputPitch + " + sub] = part" + n + ";");
        }
        line(body, 3, "}");
        line(body, 3, "context.localBarrier();");
        line(body, 3, "// One lane per (output, row) adds up its " + WARP + " partial sums.");
        line(body, 3, "if (lane < " + OUTPUTS_PER_GROUP * ROWS_AT_ONCE + ") {");
        line(body, 4, "int o = first + lane / " + ROWS_AT_ONCE + ";");
        line(body, 4, "int q = lane % " + ROWS_AT_ONCE + ";");
        line(body, 4, "if (o < outWidth) {");
        line(body, 5, "if (r0 + q < count) {");
        line(body, 6, "float total = 0.0f;");
        line(body, 6, "if (hasBias == 1) {");
        line(body, 7, "total = bias.get(o);");
        line(body, 6, "}");
        line(body, 6, "int from = q * " + rowPitch + " + lane / " + ROWS_AT_ONCE + " * " + outputPitch + ";");
        line(body, 6, "for (int m = 0; m < " + WARP + "; m++) {");
        line(body, 7, "total += inTile[from + m];");
        line(body, 6, "}");
        line(body, 6, "out.set(outAt + (r0 + q) * outStride + o, apply(function, total, 0.0f));");
        line(body, 5, "}");
        line(body, 4, "}");
        line(body, 3, "}");
        line(body, 3, "// Before the next pass overwrites the partial sums.");
        line(body, 3, "context.localBarrier();");
        line(body, 2, "}");
        line(body, 1, "}");
    }

    private static void line(StringBuilder body, int depth, String text) {
        body.append("    ".repeat(depth)).append(text).append('\n');
    }

    private static MethodSpec kernel(String name, String doc, String parameters, String body) {
        MethodSpec.Builder method = MethodSpec.methodBuilder(name)
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .addJavadoc(doc + "\n");
        for (String parameter : parameters.split(",\\s*")) {
            String[] parts = parameter.trim().split("\\s+");
            method.addParameter(switch (parts[0]) {
                case "int" -> TypeName.INT;
                case "FloatArray" -> FLOAT_ARRAY;
                case "HalfFloatArray" -> HALF_FLOAT_ARRAY;
                case "IntArray" -> INT_ARRAY;
                case "KernelContext" -> KERNEL_CONTEXT;
                default -> throw new IllegalArgumentException(parts[0]);
            }, parts[1]);
        }
        return method.addCode(TornadoKernels.code(body)).build();
    }
}
