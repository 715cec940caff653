package dev.attnc.compiler.codegen.tornadovm;

import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.FLOAT_ARRAY;
import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.INT_ARRAY;
import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.KERNEL_CONTEXT;

import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.JavaText;
import dev.attnc.compiler.codegen.jvm.MaskBounds;
import dev.attnc.compiler.codegen.jvm.ScalarWriter;
import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Loop;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Region;
import dev.attnc.compiler.ir.Scalar;
import dev.attnc.compiler.passes.BufferPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;

/**
 * The attention part of the TornadoVM backend: the tasks of each attention node and its
 * kernels, shaped for GPUs after FlashAttention-2 (Dao, 2023).
 *
 * <ul>
 *   <li><b>Prefill</b> ({@code attention_x}): a work-group per (head, tile of queries). The
 *       query tile and each tile of keys and values sit in local memory; every work-item owns a
 *       few columns of one query's output as private accumulators, with that query's running
 *       max and sum (online softmax), so the output is written once, at the end. Key tiles
 *       outside every query's range (causal, windows: the bounds {@link MaskBounds} reads off
 *       the mask, as in the JVM backend) are never loaded.
 *   <li><b>Decoding</b> (a KV cache, at most {@link #DECODE_ROWS} new rows): one query cannot
 *       fill a device, so the keys are split across work-groups (flash-decoding): {@code
 *       attention_x_split} writes each split's max, sum and unnormalised output, and {@code
 *       attention_x_combine} merges them.
 * </ul>
 *
 * Global loads and stores are cooperative: neighbouring work-items touch neighbouring floats
 * (a row of a head is contiguous). Local rows are padded by one float so that work-items reading
 * different rows of a tile hit different banks.
 *
 * <p>Masks and conditions are written as 0/1 ints combined with {@code &} and {@code |}, never
 * with {@code &&} or {@code ||}: TornadoVM's OpenCL code generator (5.2.0) turned
 * {@code (h == 0 && j <= i) || (h == 1 && j >= i)} into one wrong conditional (issue 13). Nor
 * with {@code >>>}, which it writes as an arithmetic shift (see {@link Conditions}).
 *
 * <p>What it needs of the rest of the class (array fields, offsets, sizes, tasks and grids) it
 * asks of the model writer through {@link Host}.
 */
final class TornadoAttentionWriter {
    /** Queries per work-group in the prefill kernel (fewer when a head is wide, to fit local memory). */
    static final int QUERY_TILE = 16;
    /** Keys per tile in the prefill kernel, at most. */
    static final int KEY_TILE = 32;
    /** Calls with at most this many new rows on a KV cache take the split-KV path. */
    static final int DECODE_ROWS = 4;
    /** Work-items per group of the split-KV kernel; also its most keys per tile. */
    static final int DECODE_GROUP = 64;
    /** How many work-groups the split-KV kernel aims at for one query (a device's worth). */
    static final int DECODE_TARGET_GROUPS = 256;
    /** Local memory a kernel may take, in floats (32 KB: within every OpenCL GPU's 48 KB and PoCL's). */
    static final int LOCAL_FLOATS = 8192;
    /** A score that no key can have: the mark of a masked key (finite: OpenCL's fast math assumes no infinities). */
    static final String MASKED = "-3.4028235E38f";

    private static final int MAX_CONDITIONS = 64;

    /**
     * The parameters and locals of the attention kernels. These are static methods that read no
     * field, so only names from the file that appear inside them (repeat indices, as kernel
     * parameters) must stay clear of these.
     */
    static final Set<String> KERNEL_NAMES = Stream.of(
            Stream.of("context", "q", "k", "v", "out", "dims", "slopes", "partial", "stats", "h", "t", "i", "j", "s", "d",
                    "lane", "group", "row", "col", "split", "n", "queries", "keys", "kvHead", "queryStart", "keyStart", "count", "e",
                    "key", "r", "first", "last", "lo", "hi", "span", "chunk", "qTile", "kTile", "vTile", "scores", "weights",
                    "rowFirst", "rowLast", "rowMax", "rowSum", "tileMax", "newMax", "rescale", "p", "norm", "visible", "base",
                    "part", "best", "total", "m", "o",
                    "sinkLogit", "relTile", "rowLo", "rowHi", "relRows"),
            IntStream.range(0, MAX_CONDITIONS).mapToObj(n -> "cond" + n),
            IntStream.range(0, 16).mapToObj(n -> "read" + n),
            IntStream.range(0, 64).mapToObj(n -> "acc" + n))
            .flatMap(x -> x).collect(Collectors.toUnmodifiableSet());

    /** What the attention writer asks of the model writer. */
    interface Host {
        /** The array field holding {@code value} (this layer's weight for a weight). */
        String array(Node value, Map<String, Long> layers);

        /** The offset of {@code value} in its array. */
        String at(Node value);

        /** The largest value of a size. */
        long max(Dim dim);

        /** A rows count: a constant, or -(index + 2) of a run-time dim in {@code dims}. */
        String rows(Dim dim);

        /** {@link #rows} and then the size's largest value. */
        String sized(Dim dim);

        /** Adds a task running {@code kernel} with {@code args}; returns the task's id. */
        String task(Node node, String kernel, Map<String, Long> layers, String base, String args);

        /** A 1-D grid of {@code global} work-items in groups of {@code local} for a task. */
        void grid(String taskId, long global, long local);

        /** The Java name of a name from the file. */
        String user(String name);

        /** A new field name, unique in the class, built from {@code base}. */
        String unique(String base);

        /** The run-time dims in the order of {@code dims} (after the first row's position). */
        List<String> runTimeDims();

        /** Adds the task that appends this call's rows of {@code from} to the KV cache {@code cache}. */
        void appendTask(Node node, Map<String, Long> layers, String base, Node from, String cache);
    }

    /**
     * The grid of one attention task, for sizing it per call. Today the plan is built with the
     * grid for the most rows; the kernels skip the groups past a call's rows, so a smaller grid
     * per call (a plan per size, or {@code WorkerGrid.setGlobalWork} before each execute) is
     * correct as long as it has at least {@link #global(long)} work-items.
     *
     * @param taskId       the task
     * @param local        work-items per group
     * @param perSlot      work-items per slot of {@code rowsPerSlot} query rows and one unit of {@code fixed}
     * @param rowsPerSlot  query rows one slot covers (a query tile for prefill, 1 for decoding)
     * @param fixed        the grid's factor that does not depend on the rows: heads (times splits)
     * @param maxRows      the most rows the task serves ({@link #DECODE_ROWS} for the decoding kernels)
     */
    record CallGrid(String taskId, long local, long perSlot, long rowsPerSlot, long fixed, long maxRows) {
        /** Work-items for a call of {@code rows} query rows (0 when the task has nothing to do). */
        long global(long rows) {
            long slots = (Math.min(rows, maxRows) + rowsPerSlot - 1) / rowsPerSlot;
            return slots * perSlot * fixed;
        }
    }

    private final Graph graph;
    private final BufferPlan plan;
    private final Host host;
    private final Map<Integer, String> cacheFields;
    private final Map<Integer, String> slopeFields;
    private final Map<Integer, String> attentionKernels;
    private final Map<Integer, String[]> scratchFields = new HashMap<>();
    private final List<CallGrid> callGrids = new ArrayList<>();

    /** The maps are the model writer's, filled as it declares its fields. */
    TornadoAttentionWriter(Graph graph, BufferPlan plan, Host host, Map<Integer, String> cacheFields,
            Map<Integer, String> slopeFields, Map<Integer, String> attentionKernels) {
        this.graph = graph;
        this.plan = plan;
        this.host = host;
        this.cacheFields = cacheFields;
        this.slopeFields = slopeFields;
        this.attentionKernels = attentionKernels;
    }

    /** The grids of every attention task written so far, for sizing them per call. */
    List<CallGrid> callGrids() {
        return List.copyOf(callGrids);
    }

    // ---------------------------------------------------------------- shapes

    /** The sizes one attention node's kernels are built for. */
    private record Shape(long heads, long kvHeads, long headDim, long valueHead, long maxQueries, long maxKeys,
            int queryTile, int lanes, int columns, int keyTile, int decodeKeyTile, int decodeColumns, long splits, int combineGroup) {
        int group() {
            return queryTile * lanes;
        }

        long queryTiles() {
            return (maxQueries + queryTile - 1) / queryTile;
        }
    }

    private Shape shape(Node node) {
        Node q = node.input(0);
        Node k = node.input(1);
        Node v = node.input(2);
        long heads = Long.parseLong(node.attr("heads"));
        long kvHeads = Long.parseLong(node.attr("kv_heads"));
        long headDim = Long.parseLong(node.attr("head_dim"));
        long valueHead = v.type().last().constant().orElseThrow() / kvHeads;
        long maxQueries = host.max(q.type().dim(0));
        boolean cached = cacheFields.containsKey(node.id());
        long maxKeys = cached ? host.max(q.type().dim(0)) : host.max(k.type().dim(0));
        // Lanes per query: a power of two dividing the value width, so that each owns whole columns.
        int lanes = (int) Math.min(8, Long.lowestOneBit(valueHead));
        int columns = (int) (valueHead / lanes);
        if (columns > 64) {
            throw new CodegenException("attention heads of " + valueHead + " values are too wide for the TornadoVM backend's"
                    + " attention kernel (at most " + 64 * lanes + " for this width)");
        }
        int queryTile = QUERY_TILE;
        int keyTile = KEY_TILE;
        long relativeRows = node.attrs().containsKey("relative") ? 2 * Long.parseLong(node.attr("relative_clip")) + 1 : 0;
        while (prefillFloats(queryTile, keyTile, headDim, valueHead) + queryTile * Math.min(queryTile + keyTile - 1, relativeRows)
                > LOCAL_FLOATS && keyTile > 8) {
            keyTile /= 2;
            queryTile = Math.min(queryTile, keyTile);
        }
        int decodeKeyTile = DECODE_GROUP;
        while (headDim + headDim * (decodeKeyTile + 1) + decodeKeyTile * (valueHead + 2) + Math.min(decodeKeyTile, relativeRows)
                > LOCAL_FLOATS && decodeKeyTile > 8) {
            decodeKeyTile /= 2;
        }
        int decodeColumns = (int) ((valueHead + DECODE_GROUP - 1) / DECODE_GROUP);
        long splits = Math.max(1, Math.min((DECODE_TARGET_GROUPS + heads - 1) / heads, (maxKeys + decodeKeyTile - 1) / decodeKeyTile));
        int combineGroup = valueHead <= 32 ? 32 : 64;
        return new Shape(heads, kvHeads, headDim, valueHead, maxQueries, maxKeys, queryTile, lanes, columns, keyTile, decodeKeyTile,
                decodeColumns, splits, combineGroup);
    }

    private static long prefillFloats(int queryTile, int keyTile, long headDim, long valueHead) {
        return queryTile * (headDim + 1) + headDim * (keyTile + 1) + Math.max(keyTile, queryTile) * valueHead
                + 2L * queryTile * (keyTile + 1);
    }

    private boolean decodes(Node node) {
        return cacheFields.containsKey(node.id());
    }

    // ---------------------------------------------------------------- fields and tasks

    /** Scratch of the split-KV kernels: each split's output, max and sum. Shared by the layers, which run in order. */
    void fields(TypeSpec.Builder type) {
        for (Node node : graph.nodes()) {
            if (node.op() != Op.ATTENTION || !decodes(node)) {
                continue;
            }
            Shape shape = shape(node);
            String base = node.name().isEmpty() ? "attention_" + node.id() : node.name();
            String partial = host.unique(base + "_partial");
            String stats = host.unique(base + "_stats");
            long slots = shape.heads() * DECODE_ROWS * shape.splits();
            type.addField(FieldSpec.builder(FLOAT_ARRAY, partial, Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Unnormalised output of each of $L's $L key splits per head and decoded row.\n", base, shape.splits())
                    .initializer("new $T($L)", FLOAT_ARRAY, slots * shape.valueHead()).build());
            type.addField(FieldSpec.builder(FLOAT_ARRAY, stats, Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Running max and sum of each of $L's key splits, in pairs.\n", base)
                    .initializer("new $T($L)", FLOAT_ARRAY, 2 * slots).build());
            scratchFields.put(node.id(), new String[] {partial, stats});
        }
    }

    /** The tasks of one attention node in one layer. */
    void tasks(Node node, Map<String, Long> layers) {
        Node k = node.input(1);
        Node v = node.input(2);
        Shape shape = shape(node);
        String base = node.name().isEmpty() ? "attention" : node.name();
        List<String> inputs = new ArrayList<>();
        inputs.add(host.array(node.input(0), layers));
        if (decodes(node)) {
            long layer = flatLayer(node, layers);
            String keys = cacheFields.get(node.id()) + "[" + 2 * layer + "]";
            String values = cacheFields.get(node.id()) + "[" + (2 * layer + 1) + "]";
            host.appendTask(node, layers, base + "_keys", k, keys);
            host.appendTask(node, layers, base + "_values", v, values);
            inputs.add(keys);
            inputs.add(values);
        } else {
            inputs.add(host.array(k, layers));
            inputs.add(host.array(v, layers));
        }
        List<String> extras = new ArrayList<>();
        extras.add("dims");
        for (int input = 3; input < node.inputs().size(); input++) {
            extras.add(host.array(node.input(input), layers));
        }
        if (slopeFields.containsKey(node.id())) {
            extras.add(slopeFields.get(node.id()));
        }
        for (String loop : loopNames(node)) {
            extras.add(Long.toString(layers.get(loop)));
        }
        String context = "new " + KERNEL_CONTEXT.simpleName() + "()";
        String output = host.array(node, layers);
        String kernel = attentionKernels.get(node.id());
        List<String> prefill = new ArrayList<>(List.of(context));
        prefill.addAll(inputs);
        prefill.add(output);
        prefill.addAll(extras);
        checkArity(base, prefill);
        String id = host.task(node, kernel, layers, base, String.join(", ", prefill));
        host.grid(id, shape.heads() * shape.queryTiles() * shape.group(), shape.group());
        callGrids.add(new CallGrid(id, shape.group(), shape.group(), shape.queryTile(), shape.heads(), shape.maxQueries()));
        if (decodes(node)) {
            String[] scratch = scratchFields.get(node.id());
            List<String> split = new ArrayList<>(List.of(context));
            split.addAll(inputs);
            split.add(scratch[0]);
            split.add(scratch[1]);
            split.addAll(extras);
            checkArity(base, split);
            String splitId = host.task(node, kernel + "_split", layers, base + "_split", String.join(", ", split));
            host.grid(splitId, shape.heads() * DECODE_ROWS * shape.splits() * DECODE_GROUP, DECODE_GROUP);
            callGrids.add(new CallGrid(splitId, DECODE_GROUP, DECODE_GROUP, 1, shape.heads() * shape.splits(), DECODE_ROWS));
            String combineId = host.task(node, kernel + "_combine", layers, base + "_combine",
                    String.join(", ", context, scratch[0], scratch[1], output, "dims"));
            host.grid(combineId, shape.heads() * DECODE_ROWS * shape.combineGroup(), shape.combineGroup());
            callGrids.add(new CallGrid(combineId, shape.combineGroup(), shape.combineGroup(), 1, shape.heads(), DECODE_ROWS));
        }
    }

    private static void checkArity(String base, List<String> args) {
        if (args.size() > 16) {
            throw new CodegenException("attention " + base + " reads too many tensors for one TornadoVM task");
        }
    }

    private String stride(Node value, int axis) {
        return Long.toString(plan.layout(value).stride(axis));
    }

    private long flatLayer(Node node, Map<String, Long> layers) {
        long index = 0;
        for (Region region : node.regions()) {
            if (region.kind() == Region.Kind.REPEAT) {
                Loop loop = graph.loop(region.id());
                index = index * loop.count() + layers.get(loop.index());
            }
        }
        return index;
    }

    private List<String> loopNames(Node node) {
        List<String> loops = new ArrayList<>();
        for (Region region : node.regions()) {
            if (region.kind() == Region.Kind.REPEAT) {
                loops.add(graph.loop(region.id()).index());
            }
        }
        return loops;
    }

    // ---------------------------------------------------------------- kernels

    /** The kernels of one attention node: the prefill kernel, and for a KV cache the split-KV pair. */
    List<MethodSpec> kernels(Node node) {
        Shape shape = shape(node);
        List<MethodSpec> kernels = new ArrayList<>();
        kernels.add(prefill(node, shape));
        if (decodes(node)) {
            kernels.add(split(node, shape));
            kernels.add(combine(node, shape));
        }
        return kernels;
    }

    /** What the clauses of one attention node become in its kernels. */
    private final class Clauses {
        final Node node;
        final boolean cached;
        final ScalarWriter writer;
        final List<String> readNames = new ArrayList<>();
        final MaskBounds bounds;
        /** Conditions declared so far in this kernel: their names stay unique across its scopes. */
        final int[] declared = {0};
        /** The relative table's input, or null without a {@code relative} clause. */
        final Node relative;

        Clauses(Node node) {
            this.node = node;
            this.cached = decodes(node);
            for (int input = 3; input < node.inputs().size(); input++) {
                readNames.add("read" + (input - 3));
            }
            this.writer = new ScalarWriter(TornadoAttentionWriter.this::variable, read -> {
                Node tensor = node.input(read.input());
                StringBuilder index = new StringBuilder(host.at(tensor));
                for (int axis = 0; axis < read.indices().size(); axis++) {
                    // Only indices proved inside their axis: a kernel cannot throw (ScalarWriter.index refuses the rest).
                    String value = new ScalarWriter(TornadoAttentionWriter.this::variable, r -> {
                        throw new CodegenException("an index that reads a tensor is not supported yet");
                    }, "slopes.get(#)", true).index(read, axis, tensor.type().dim(axis).toString(), cached);
                    index.append(" + ").append(ScalarWriter.paren(value)).append(" * ").append(plan.layout(tensor).stride(axis));
                }
                return readNames.get(read.input() - 3) + ".get(" + index + ")";
            }, "slopes.get(#)", true);
            this.bounds = MaskBounds.of(node.exprs().get("mask"));
            this.relative = node.attrs().containsKey("relative") ? node.input(Integer.parseInt(node.attr("relative_input"))) : null;
        }

        boolean hasSink() {
            return node.exprs().containsKey("sink");
        }

        /** Declares {@code sinkLogit}, the head's sink, where the clause gives one. */
        String sink(String indent) {
            if (!hasSink()) {
                return "";
            }
            Conditions conditions = new Conditions(writer, declared);
            String value = conditions.floatValue(node.exprs().get("sink"));
            return indent + "// sink " + JavaText.lineComment(node.attr("sink")) + ": a logit with no value row\n"
                    + conditions.statements(indent) + indent + "float sinkLogit = " + value + ";\n";
        }

        long clip() {
            return Long.parseLong(node.attr("relative_clip"));
        }

        /** Products a tile of {@code queries} queries by {@code keys} keys keeps per query: a row per distance it meets. */
        int relativeSlots(int queries, int keys) {
            return relative == null ? 0 : (int) Math.min(queries + keys - 1, 2 * clip() + 1);
        }

        private String clamped(String distance) {
            return "TornadoMath.min(" + clip() + ", TornadoMath.max(" + -clip() + ", " + distance + ")) + " + clip();
        }

        /**
         * Fills {@code relTile} with the tile's queries (rows of {@code qTile}) times the table
         * rows of the distances from its first query {@code firstQuery} to its last
         * {@code lastQuery} against the keys loaded: each product once per tile, {@code slots}
         * per query. Before the barrier that follows the tile loads.
         */
        String relativeProducts(String firstQuery, String lastQuery, int queries, int slots, String queryOpen, String queryClose,
                int group) {
            if (relative == null) {
                return "";
            }
            boolean perHead = Boolean.parseBoolean(node.attr("relative_per_head"));
            long dk = Long.parseLong(node.attr("head_dim"));
            String table = readNames.get(Integer.parseInt(node.attr("relative_input")) - 3);
            StringBuilder b = new StringBuilder();
            b.append("// relative ").append(node.attr("relative")).append(": the tile's queries times the rows of the distances it meets, once per tile\n");
            b.append("int rowLo = ").append(clamped(firstQuery + " - (keyStart + count - 1)")).append(";\n");
            b.append("int rowHi = ").append(clamped(lastQuery + " - keyStart")).append(";\n");
            b.append("int relRows = rowHi - rowLo + 1;\n");
            b.append("for (int e = lane; e < ").append(queries).append(" * relRows; e += ").append(group).append(") {\n");
            b.append("int r = e / relRows;\n");
            b.append("float p = 0.0f;\n");
            b.append("for (int d = 0; d < ").append(dk).append("; d++) {\n");
            b.append("p += ").append(queryOpen).append("d").append(queryClose).append(" * ").append(table).append(".get(")
                    .append(plus(host.at(relative))).append("(rowLo + e % relRows) * ").append(plan.layout(relative).stride(0))
                    .append(perHead ? " + h * " + dk : "").append(" + d);\n");
            b.append("}\n");
            b.append("relTile[r * ").append(slots).append(" + e % relRows] = p;\n");
            b.append("}\n");
            return b.toString();
        }

        /** Adds the gathered product of query i and key j's distance to the raw score s. */
        String relativeTerm(String indent, String rowBase) {
            if (relative == null) {
                return "";
            }
            return indent + "s += relTile[" + (rowBase.equals("0") ? "" : rowBase + " + ") + clamped("i - j") + " - rowLo];\n";
        }

        void parameters(MethodSpec.Builder method) {
            for (int input = 3; input < node.inputs().size(); input++) {
                method.addParameter(node.input(input).type().dtype() == DType.INT ? INT_ARRAY : FLOAT_ARRAY, readNames.get(input - 3));
            }
            if (slopeFields.containsKey(node.id())) {
                method.addParameter(FLOAT_ARRAY, "slopes");
            }
            for (String loop : loopNames(node)) {
                method.addParameter(TypeName.INT, host.user(loop));
            }
        }

        String queries() {
            return rowsExpression(node.input(0).type().dim(0));
        }

        String keys() {
            return cached ? "dims.get(0) + queries" : rowsExpression(node.input(1).type().dim(0));
        }

        /** Sets (or with {@code declare} "int ", declares) {@code first} and {@code last}: the keys query i may see, as the JVM backend bounds them. */
        String range(String declare) {
            String indent = "";
            Conditions conditions = new Conditions(writer, declared);
            String first = bounds.firsts().stream().map(b -> conditions.value(b)).reduce("0", (x, y) -> "TornadoMath.max(" + x + ", " + y + ")");
            String last = bounds.ends().stream().map(b -> conditions.value(b)).reduce("keys", (x, y) -> "TornadoMath.min(" + x + ", " + y + ")");
            return conditions.statements(indent) + declare + "first = " + first + ";\n" + declare + "last = " + last + ";\n";
        }

        /** Declares {@code visible}: 1 if key j passes the part of the mask the range does not capture. */
        String rest(String indent, String rangeFlag) {
            Scalar rest = bounds.rest();
            if (rest == null) {
                return indent + "int visible = " + rangeFlag + ";\n";
            }
            Conditions conditions = new Conditions(writer, declared);
            String flag = conditions.flag(rest);
            String mask = JavaText.lineComment(node.attrs().getOrDefault("mask", ""));
            return conditions.statements(indent) + (mask.isEmpty() ? "" : indent + "// mask " + mask + "\n")
                    + indent + "int visible = " + (rangeFlag.equals("1") ? flag : rangeFlag + " & " + flag) + ";\n";
        }

        /** Scales s and applies the score clause, softcap and temperature, as the JVM backend does. */
        String score(String indent) {
            StringBuilder code = new StringBuilder();
            code.append(indent).append("s *= ").append(floatLiteral(node.attr("scale"))).append(";\n");
            if (node.exprs().containsKey("score")) {
                Conditions conditions = new Conditions(writer, declared);
                String value = conditions.floatValue(node.exprs().get("score"));
                code.append(indent).append("// score ").append(JavaText.lineComment(node.attr("score"))).append('\n');
                code.append(conditions.statements(indent)).append(indent).append("s = ").append(value).append(";\n");
            }
            if (node.attrs().containsKey("softcap")) {
                String cap = floatLiteral(node.attr("softcap"));
                code.append(indent).append("s = ").append(cap).append(" * TornadoMath.tanh(s / ").append(cap).append(");\n");
            }
            if (node.attrs().containsKey("temperature")) {
                code.append(indent).append("s /= ").append(floatLiteral(node.attr("temperature"))).append(";\n");
            }
            return code.toString();
        }
    }

    /** The prefill kernel: FlashAttention-2 over tiles of queries and keys. */
    private MethodSpec prefill(Node node, Shape shape) {
        Clauses clauses = new Clauses(node);
        Node q = node.input(0);
        long dk = shape.headDim();
        long dv = shape.valueHead();
        int bq = shape.queryTile();
        int bk = shape.keyTile();
        int lanes = shape.lanes();
        int group = shape.group();
        MethodSpec.Builder method = kernelHeader(attentionKernels.get(node.id()), node,
                "One work-group per head and tile of " + bq + " queries, " + lanes + " work-items per query, each owning "
                        + shape.columns() + " of its " + dv + " output columns;\nqueries, keys and values in local memory, tile by "
                        + "tile of " + bk + " keys (FlashAttention-2).");
        method.addParameter(FLOAT_ARRAY, "q").addParameter(FLOAT_ARRAY, "k").addParameter(FLOAT_ARRAY, "v")
                .addParameter(FLOAT_ARRAY, "out").addParameter(INT_ARRAY, "dims");
        clauses.parameters(method);
        long qRow = dk + 1;
        long sRow = bk + 1;
        StringBuilder b = new StringBuilder();
        b.append("int lane = context.localIdx;\n");
        b.append("int group = context.groupIdx;\n");
        b.append("// Heads vary fastest, so that a grid cut to a call's rows still covers every head.\n");
        b.append("int h = group % ").append(shape.heads()).append(";\n");
        b.append("int queryStart = group / ").append(shape.heads()).append(" * ").append(bq).append(";\n");
        b.append("int row = lane / ").append(lanes).append(";\n");
        b.append("int col = lane % ").append(lanes).append(";\n");
        b.append("// Keys transposed ([d][key]), so that neighbouring work-items read neighbouring keys; rows padded by one\n");
        b.append("// float, so that work-items on different rows hit different banks.\n");
        b.append("float[] qTile = context.allocateFloatLocalArray(").append(bq * qRow).append(");\n");
        b.append("float[] kTile = context.allocateFloatLocalArray(").append(dk * (bk + 1)).append(");\n");
        b.append("float[] vTile = context.allocateFloatLocalArray(").append(Math.max(bk, bq) * dv).append(");\n");
        b.append("float[] scores = context.allocateFloatLocalArray(").append(bq * sRow).append(");\n");
        b.append("float[] weights = context.allocateFloatLocalArray(").append(bq * sRow).append(");\n");
        b.append("int[] rowFirst = context.allocateIntLocalArray(").append(bq).append(");\n");
        if (clauses.relative != null) {
            b.append("float[] relTile = context.allocateFloatLocalArray(").append(bq * clauses.relativeSlots(bq, bk)).append(");\n");
        }
        b.append("int[] rowLast = context.allocateIntLocalArray(").append(bq).append(");\n");
        b.append("int queries = ").append(clauses.queries()).append(";\n");
        if (decodes(node)) {
            b.append("// Calls of at most ").append(DECODE_ROWS).append(" rows take the split-KV kernels.\n");
            b.append("if (queries > ").append(DECODE_ROWS).append(") {\n");
        }
        b.append("if (queryStart < queries) {\n");
        b.append("int keys = ").append(clauses.keys()).append(";\n");
        b.append("int kvHead = h / ").append(shape.heads() / shape.kvHeads()).append(";\n");
        b.append("int t = queryStart + row;\n");
        b.append("int i = dims.get(0) + t;\n");
        b.append("for (int e = lane; e < ").append(bq * dk).append("; e += ").append(group).append(") {\n");
        b.append("qTile[e / ").append(dk).append(" * ").append(qRow).append(" + e % ").append(dk).append("] = queryStart + e / ")
                .append(dk).append(" < queries ? q.get(").append(plus(host.at(q))).append("(queryStart + e / ").append(dk).append(") * ")
                .append(stride(q, 0)).append(" + h * ").append(dk).append(" + e % ").append(dk).append(") : 0.0f;\n");
        b.append("}\n");
        b.append("int first = 0;\n");
        b.append("int last = 0;\n");
        b.append("if (t < queries) {\n");
        b.append(clauses.range(""));
        b.append("}\n");
        b.append("if (col == 0) {\n");
        b.append("rowFirst[row] = first;\n");
        b.append("rowLast[row] = last;\n");
        b.append("}\n");
        b.append("context.localBarrier();\n");
        b.append("// The keys some query of the tile may see: tiles outside are never loaded.\n");
        b.append("int lo = keys;\n");
        b.append("int hi = 0;\n");
        b.append("for (int r = 0; r < ").append(bq).append("; r++) {\n");
        b.append("if (rowFirst[r] < rowLast[r]) {\n");
        b.append("lo = TornadoMath.min(lo, rowFirst[r]);\n");
        b.append("hi = TornadoMath.max(hi, rowLast[r]);\n");
        b.append("}\n");
        b.append("}\n");
        b.append(clauses.sink(""));
        b.append("float rowMax = ").append(clauses.hasSink() ? "sinkLogit" : MASKED).append(";\n");
        b.append("float rowSum = ").append(clauses.hasSink() ? "1.0f" : "0.0f").append(";\n");
        for (int m = 0; m < shape.columns(); m++) {
            b.append("float acc").append(m).append(" = 0.0f;\n");
        }
        b.append("for (int keyStart = lo; keyStart < hi; keyStart += ").append(bk).append(") {\n");
        b.append("int count = TornadoMath.min(").append(bk).append(", hi - keyStart);\n");
        tileLoads(b, node, shape, group, bk, "kvHead");
        b.append(clauses.relativeProducts("dims.get(0) + queryStart", "dims.get(0) + TornadoMath.min(queryStart + " + bq + ", queries) - 1",
                bq, clauses.relativeSlots(bq, bk), "qTile[r * " + qRow + " + ", "]", group));
        b.append("context.localBarrier();\n");
        b.append("// The same trip count on every work-item (vectorisable across them), keys past the tile skipped.\n");
        b.append("for (int n = 0; n < ").append(bk / lanes).append("; n++) {\n");
        b.append("int key = col + n * ").append(lanes).append(";\n");
        b.append("if (key < count) {\n");
        b.append("int j = keyStart + key;\n");
        b.append("float s = ").append(MASKED).append(";\n");
        b.append("// j in [first, last), as 0/1 ints (see Conditions)\n");
        b.append(clauses.rest("", "TornadoMath.min(1, TornadoMath.max(0, j - first + 1)) & TornadoMath.min(1, TornadoMath.max(0, last - j))"));
        b.append("if (visible != 0) {\n");
        b.append("s = 0.0f;\n");
        b.append("for (int d = 0; d < ").append(dk).append("; d++) {\n");
        b.append("s += qTile[row * ").append(qRow).append(" + d] * kTile[d * ").append(bk + 1).append(" + key];\n");
        b.append("}\n");
        b.append(clauses.relativeTerm("", "row * " + clauses.relativeSlots(bq, bk)));
        b.append(clauses.score(""));
        b.append("}\n");
        b.append("scores[row * ").append(sRow).append(" + key] = s;\n");
        b.append("}\n");
        b.append("}\n");
        b.append("context.localBarrier();\n");
        b.append("float tileMax = ").append(MASKED).append(";\n");
        b.append("for (int key = 0; key < count; key++) {\n");
        b.append("tileMax = TornadoMath.max(tileMax, scores[row * ").append(sRow).append(" + key]);\n");
        b.append("}\n");
        b.append("float newMax = TornadoMath.max(rowMax, tileMax);\n");
        b.append("for (int n = 0; n < ").append(bk / lanes).append("; n++) {\n");
        b.append("int key = col + n * ").append(lanes).append(";\n");
        b.append("if (key < count) {\n");
        b.append("float s = scores[row * ").append(sRow).append(" + key];\n");
        b.append("weights[row * ").append(sRow).append(" + key] = s > ").append(MASKED).append(" ? TornadoMath.exp(s - newMax) : 0.0f;\n");
        b.append("}\n");
        b.append("}\n");
        b.append("context.localBarrier();\n");
        b.append("float rescale = rowMax > ").append(MASKED).append(" ? TornadoMath.exp(rowMax - newMax) : 1.0f;\n");
        b.append("rowSum *= rescale;\n");
        for (int m = 0; m < shape.columns(); m++) {
            b.append("acc").append(m).append(" *= rescale;\n");
        }
        b.append("for (int key = 0; key < count; key++) {\n");
        b.append("float p = weights[row * ").append(sRow).append(" + key];\n");
        b.append("rowSum += p;\n");
        for (int m = 0; m < shape.columns(); m++) {
            b.append("acc").append(m).append(" += p * vTile[key * ").append(dv).append(" + col").append(m == 0 ? "" : " + " + m * lanes)
                    .append("];\n");
        }
        b.append("}\n");
        b.append("rowMax = newMax;\n");
        b.append("context.localBarrier();\n");
        b.append("}\n");
        b.append("// The tile's output goes through local memory, so that its store is contiguous.\n");
        b.append("// A query that sees no key at all gets zeros.\n");
        b.append("float norm = rowSum > 0.0f ? 1.0f / rowSum : 0.0f;\n");
        for (int m = 0; m < shape.columns(); m++) {
            b.append("vTile[row * ").append(dv).append(" + col").append(m == 0 ? "" : " + " + m * lanes).append("] = acc").append(m)
                    .append(" * norm;\n");
        }
        b.append("context.localBarrier();\n");
        b.append("for (int e = lane; e < ").append(bq * dv).append("; e += ").append(group).append(") {\n");
        b.append("if (queryStart + e / ").append(dv).append(" < queries) {\n");
        b.append("out.set(").append(plus(host.at(node))).append("(queryStart + e / ").append(dv).append(") * ").append(stride(node, 0))
                .append(" + h * ").append(dv).append(" + e % ").append(dv).append(", vTile[e]);\n");
        b.append("}\n");
        b.append("}\n");
        b.append("}\n");
        if (decodes(node)) {
            b.append("}\n");
        }
        return method.addCode(TornadoKernels.code(indented(b.toString()))).build();
    }

    /** Loads {@code count} keys and values from {@code keyStart} into the local tiles, neighbouring items reading neighbouring floats. */
    private void tileLoads(StringBuilder b, Node node, Shape shape, int group, int tileRows, String kvHead) {
        boolean cached = decodes(node);
        Node k = node.input(1);
        Node v = node.input(2);
        long dk = shape.headDim();
        long dv = shape.valueHead();
        long keyRow = cached ? k.type().last().constant().orElseThrow() : plan.layout(k).stride(0);
        long valueRow = cached ? v.type().last().constant().orElseThrow() : plan.layout(v).stride(0);
        String keyAt = cached ? "" : plus(host.at(k));
        String valueAt = cached ? "" : plus(host.at(v));
        b.append("for (int e = lane; e < count * ").append(dk).append("; e += ").append(group).append(") {\n");
        b.append("kTile[e % ").append(dk).append(" * ").append(tileRows + 1).append(" + e / ").append(dk).append("] = k.get(").append(keyAt)
                .append("(keyStart + e / ").append(dk).append(") * ").append(keyRow).append(" + ").append(kvHead).append(" * ")
                .append(dk).append(" + e % ").append(dk).append(");\n");
        b.append("}\n");
        b.append("for (int e = lane; e < count * ").append(dv).append("; e += ").append(group).append(") {\n");
        b.append("vTile[e] = v.get(").append(valueAt).append("(keyStart + e / ").append(dv).append(") * ").append(valueRow)
                .append(" + ").append(kvHead).append(" * ").append(dv).append(" + e % ").append(dv).append(");\n");
        b.append("}\n");
    }

    /** The split-KV kernel for decoding: a work-group per (head, row, split of the keys), writing partial results. */
    private MethodSpec split(Node node, Shape shape) {
        Clauses clauses = new Clauses(node);
        Node q = node.input(0);
        long dk = shape.headDim();
        long dv = shape.valueHead();
        int bk = shape.decodeKeyTile();
        long splits = shape.splits();
        MethodSpec.Builder method = kernelHeader(attentionKernels.get(node.id()) + "_split", node,
                "Decoding (at most " + DECODE_ROWS + " new rows): one work-group per head, row and split of the keys into "
                        + splits + " ranges (flash-decoding);\neach writes its range's max, sum and unnormalised output for "
                        + "{@code " + attentionKernels.get(node.id()) + "_combine}.");
        method.addParameter(FLOAT_ARRAY, "q").addParameter(FLOAT_ARRAY, "k").addParameter(FLOAT_ARRAY, "v")
                .addParameter(FLOAT_ARRAY, "partial").addParameter(FLOAT_ARRAY, "stats").addParameter(INT_ARRAY, "dims");
        clauses.parameters(method);
        StringBuilder b = new StringBuilder();
        b.append("int lane = context.localIdx;\n");
        b.append("int group = context.groupIdx;\n");
        b.append("// Splits, then heads, vary fastest, so that a grid cut to a call's rows still covers every head.\n");
        b.append("int split = group % ").append(splits).append(";\n");
        b.append("int h = group / ").append(splits).append(" % ").append(shape.heads()).append(";\n");
        b.append("int t = group / ").append(splits * shape.heads()).append(";\n");
        b.append("float[] qTile = context.allocateFloatLocalArray(").append(dk).append(");\n");
        b.append("float[] kTile = context.allocateFloatLocalArray(").append(dk * (bk + 1)).append(");\n");
        b.append("float[] vTile = context.allocateFloatLocalArray(").append(bk * dv).append(");\n");
        b.append("float[] scores = context.allocateFloatLocalArray(").append(bk).append(");\n");
        b.append("float[] weights = context.allocateFloatLocalArray(").append(bk).append(");\n");
        if (clauses.relative != null) {
            b.append("float[] relTile = context.allocateFloatLocalArray(").append(clauses.relativeSlots(1, bk)).append(");\n");
        }
        b.append("int queries = ").append(clauses.queries()).append(";\n");
        b.append("if (queries <= ").append(DECODE_ROWS).append(") {\n");
        b.append("if (t < queries) {\n");
        b.append("int keys = ").append(clauses.keys()).append(";\n");
        b.append("int kvHead = h / ").append(shape.heads() / shape.kvHeads()).append(";\n");
        b.append("int i = dims.get(0) + t;\n");
        b.append(clauses.range("int "));
        b.append("// This group's share of [first, last), whole tiles of ").append(bk).append(" keys.\n");
        b.append("int span = TornadoMath.max(0, last - first);\n");
        b.append("int chunk = ((span + ").append(splits - 1).append(") / ").append(splits).append(" + ").append(bk - 1).append(") / ")
                .append(bk).append(" * ").append(bk).append(";\n");
        b.append("int lo = first + split * chunk;\n");
        b.append("int hi = TornadoMath.min(last, lo + chunk);\n");
        b.append("for (int e = lane; e < ").append(dk).append("; e += ").append(DECODE_GROUP).append(") {\n");
        b.append("qTile[e] = q.get(").append(plus(host.at(q))).append("t * ").append(stride(q, 0)).append(" + h * ").append(dk)
                .append(" + e);\n");
        b.append("}\n");
        b.append("context.localBarrier();\n");
        b.append(clauses.sink(""));
        b.append(clauses.hasSink() ? "// The sink joins the softmax once, in the first split.\n" : "");
        b.append("float rowMax = ").append(clauses.hasSink() ? "split == 0 ? sinkLogit : " + MASKED : MASKED).append(";\n");
        b.append("float rowSum = ").append(clauses.hasSink() ? "split == 0 ? 1.0f : 0.0f" : "0.0f").append(";\n");
        for (int m = 0; m < shape.decodeColumns(); m++) {
            b.append("float acc").append(m).append(" = 0.0f;\n");
        }
        b.append("for (int keyStart = lo; keyStart < hi; keyStart += ").append(bk).append(") {\n");
        b.append("int count = TornadoMath.min(").append(bk).append(", hi - keyStart);\n");
        tileLoads(b, node, shape, DECODE_GROUP, bk, "kvHead");
        b.append(clauses.relativeProducts("i", "i", 1, clauses.relativeSlots(1, bk), "qTile[", "]", DECODE_GROUP));
        b.append("context.localBarrier();\n");
        b.append("if (lane < count) {\n");
        b.append("int key = lane;\n");
        b.append("int j = keyStart + key;\n");
        b.append("float s = ").append(MASKED).append(";\n");
        b.append(clauses.rest("", "1"));
        b.append("if (visible != 0) {\n");
        b.append("s = 0.0f;\n");
        b.append("for (int d = 0; d < ").append(dk).append("; d++) {\n");
        b.append("s += qTile[d] * kTile[d * ").append(bk + 1).append(" + key];\n");
        b.append("}\n");
        b.append(clauses.relativeTerm("", "0"));
        b.append(clauses.score(""));
        b.append("}\n");
        b.append("scores[key] = s;\n");
        b.append("}\n");
        b.append("context.localBarrier();\n");
        b.append("float tileMax = ").append(MASKED).append(";\n");
        b.append("for (int key = 0; key < count; key++) {\n");
        b.append("tileMax = TornadoMath.max(tileMax, scores[key]);\n");
        b.append("}\n");
        b.append("float newMax = TornadoMath.max(rowMax, tileMax);\n");
        b.append("if (lane < count) {\n");
        b.append("weights[lane] = scores[lane] > ").append(MASKED).append(" ? TornadoMath.exp(scores[lane] - newMax) : 0.0f;\n");
        b.append("}\n");
        b.append("context.localBarrier();\n");
        b.append("float rescale = rowMax > ").append(MASKED).append(" ? TornadoMath.exp(rowMax - newMax) : 1.0f;\n");
        b.append("rowSum *= rescale;\n");
        for (int m = 0; m < shape.decodeColumns(); m++) {
            b.append("acc").append(m).append(" *= rescale;\n");
        }
        b.append("for (int key = 0; key < count; key++) {\n");
        b.append("float p = weights[key];\n");
        b.append("rowSum += p;\n");
        for (int m = 0; m < shape.decodeColumns(); m++) {
            String column = "lane" + (m == 0 ? "" : " + " + (long) m * DECODE_GROUP);
            boolean partialColumn = (long) (m + 1) * DECODE_GROUP > dv;
            if (partialColumn) {
                b.append("if (").append(column).append(" < ").append(dv).append(") {\n");
            }
            b.append("acc").append(m).append(" += p * vTile[key * ").append(dv).append(" + ").append(column).append("];\n");
            if (partialColumn) {
                b.append("}\n");
            }
        }
        b.append("}\n");
        b.append("rowMax = newMax;\n");
        b.append("context.localBarrier();\n");
        b.append("}\n");
        for (int m = 0; m < shape.decodeColumns(); m++) {
            String column = "lane" + (m == 0 ? "" : " + " + (long) m * DECODE_GROUP);
            boolean partialColumn = (long) (m + 1) * DECODE_GROUP > dv;
            if (partialColumn) {
                b.append("if (").append(column).append(" < ").append(dv).append(") {\n");
            }
            b.append("partial.set(group * ").append(dv).append(" + ").append(column).append(", acc").append(m).append(");\n");
            if (partialColumn) {
                b.append("}\n");
            }
        }
        b.append("if (lane == 0) {\n");
        b.append("stats.set(2 * group, rowMax);\n");
        b.append("stats.set(2 * group + 1, rowSum);\n");
        b.append("}\n");
        b.append("}\n");
        b.append("}\n");
        return method.addCode(TornadoKernels.code(indented(b.toString()))).build();
    }

    /** Merges the splits of {@link #split}: rescales each to the common max and normalises. */
    private MethodSpec combine(Node node, Shape shape) {
        Clauses clauses = new Clauses(node);
        long dv = shape.valueHead();
        long splits = shape.splits();
        int group = shape.combineGroup();
        MethodSpec.Builder method = kernelHeader(attentionKernels.get(node.id()) + "_combine", node,
                "Decoding: merges the " + splits + " key splits of {@code " + attentionKernels.get(node.id())
                        + "_split}, one work-group per head and row, work-items along the output columns.");
        method.addParameter(FLOAT_ARRAY, "partial").addParameter(FLOAT_ARRAY, "stats").addParameter(FLOAT_ARRAY, "out")
                .addParameter(INT_ARRAY, "dims");
        StringBuilder b = new StringBuilder();
        b.append("int lane = context.localIdx;\n");
        b.append("int group = context.groupIdx;\n");
        b.append("int h = group % ").append(shape.heads()).append(";\n");
        b.append("int t = group / ").append(shape.heads()).append(";\n");
        b.append("int queries = ").append(clauses.queries()).append(";\n");
        b.append("if (queries <= ").append(DECODE_ROWS).append(") {\n");
        b.append("if (t < queries) {\n");
        b.append("int base = group * ").append(splits).append(";\n");
        b.append("float best = ").append(MASKED).append(";\n");
        b.append("for (int part = 0; part < ").append(splits).append("; part++) {\n");
        b.append("best = TornadoMath.max(best, stats.get(2 * (base + part)));\n");
        b.append("}\n");
        b.append("float total = 0.0f;\n");
        b.append("for (int part = 0; part < ").append(splits).append("; part++) {\n");
        b.append("float m = stats.get(2 * (base + part));\n");
        b.append("total += m > ").append(MASKED).append(" ? stats.get(2 * (base + part) + 1) * TornadoMath.exp(m - best) : 0.0f;\n");
        b.append("}\n");
        b.append("// A query that sees no key at all gets zeros.\n");
        b.append("float norm = total > 0.0f ? 1.0f / total : 0.0f;\n");
        b.append("for (int col = lane; col < ").append(dv).append("; col += ").append(group).append(") {\n");
        b.append("float o = 0.0f;\n");
        b.append("for (int part = 0; part < ").append(splits).append("; part++) {\n");
        b.append("float m = stats.get(2 * (base + part));\n");
        b.append("o += m > ").append(MASKED).append(" ? partial.get((base + part) * ").append(dv)
                .append(" + col) * TornadoMath.exp(m - best) : 0.0f;\n");
        b.append("}\n");
        b.append("out.set(").append(plus(host.at(node))).append("t * ").append(stride(node, 0)).append(" + h * ").append(dv)
                .append(" + col, o * norm);\n");
        b.append("}\n");
        b.append("}\n");
        b.append("}\n");
        return method.addCode(TornadoKernels.code(indented(b.toString()))).build();
    }

    /** Indents kernel text written flat, four spaces per open brace. */
    static String indented(String text) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("}")) {
                depth--;
            }
            out.append("    ".repeat(Math.max(0, depth))).append(line).append('\n');
            if (line.endsWith("{")) {
                depth++;
            }
        }
        return out.toString();
    }

    private MethodSpec.Builder kernelHeader(String name, Node node, String description) {
        return MethodSpec.methodBuilder(name)
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .addJavadoc("$L\n\n<p>$L\n", sourceText(node), description)
                .addParameter(KERNEL_CONTEXT, "context");
    }

    // ---------------------------------------------------------------- clauses as 0/1 ints

    /**
     * Writes clause expressions for a TornadoVM kernel with no {@code &&}, {@code ||} or
     * {@code !}: each boolean becomes an int 0 or 1. Integer comparisons are a difference taken
     * in 64 bits (exact for every pair of ints) clamped to [0, 1] by TornadoMath's min and max,
     * conjunction and disjunction are {@code &} and {@code |}, so the kernel has no branch to
     * merge and no shift (see {@link #below}). TornadoVM 5.2.0's OpenCL
     * code generator miscompiled the short-circuit form: for
     * {@code (h == 0 && j <= i) || (h == 1 && j >= i)} it emitted {@code (h != 1 && j < i) ? 0 : 1}.
     * A {@code where} keeps a conditional, on one {@code condN != 0} test computed just before;
     * a comparison of floats is one conditional {@code a < b ? 1 : 0}.
     */
    final class Conditions {
        private final ScalarWriter writer;
        private final List<String> statements = new ArrayList<>();
        private final int[] counter;

        Conditions(ScalarWriter writer, int[] counter) {
            this.writer = writer;
            this.counter = counter;
        }

        /** An int or float value, its conditions computed first (see {@link #statements}). */
        String value(Scalar scalar) {
            return writer.write(lower(scalar)).text();
        }

        String floatValue(Scalar scalar) {
            return writer.asFloat(lower(scalar));
        }

        /** The statements that declare the conditions the values and flags written so far use. */
        String statements(String indent) {
            return statements.stream().map(s -> indent + s + "\n").collect(Collectors.joining());
        }

        /** The scalar with every boolean in it (the condition of a where) replaced by {@code condN != 0}. */
        private Scalar lower(Scalar scalar) {
            if (scalar.type() == Scalar.Type.BOOL) {
                String name = condition(flag(scalar));
                return new Scalar.Binary("!=", new Scalar.Var(CONDITION + name, Scalar.Type.INT),
                        new Scalar.Const(0, Scalar.Type.INT), Scalar.Type.BOOL);
            }
            return switch (scalar) {
                case Scalar.Const c -> c;
                case Scalar.Var v -> v;
                case Scalar.Read r -> new Scalar.Read(r.input(), r.indices().stream().map(this::lower).toList(), r.type(), r.bounds(),
                        r.site());
                case Scalar.Unary u -> new Scalar.Unary(u.op(), lower(u.operand()), u.type());
                case Scalar.Binary bin -> new Scalar.Binary(bin.op(), lower(bin.left()), lower(bin.right()), bin.type());
                case Scalar.Call c -> new Scalar.Call(c.function(), c.args().stream().map(this::lower).toList(), c.type());
            };
        }

        private String condition(String flag) {
            if (counter[0] >= MAX_CONDITIONS) {
                throw new CodegenException("an attention clause with more than " + MAX_CONDITIONS
                        + " conditions is too long for the TornadoVM backend");
            }
            String name = "cond" + counter[0]++;
            statements.add("int " + name + " = " + flag + ";");
            return name;
        }

        /** A boolean as Java for an int that is 0 or 1. */
        String flag(Scalar scalar) {
            return switch (scalar) {
                case Scalar.Const c -> c.value() != 0 ? "1" : "0";
                case Scalar.Unary u when u.op().equals("!") -> "(1 - " + flag(u.operand()) + ")";
                case Scalar.Binary bin when bin.op().equals("&&") -> "(" + flag(bin.left()) + " & " + flag(bin.right()) + ")";
                case Scalar.Binary bin when bin.op().equals("||") -> "(" + flag(bin.left()) + " | " + flag(bin.right()) + ")";
                case Scalar.Binary bin when bin.left().type() == Scalar.Type.BOOL -> switch (bin.op()) {
                    case "==" -> "(1 - (" + flag(bin.left()) + " ^ " + flag(bin.right()) + "))";
                    case "!=" -> "(" + flag(bin.left()) + " ^ " + flag(bin.right()) + ")";
                    default -> throw new CodegenException("operator " + bin.op() + " between conditions in an attention clause");
                };
                case Scalar.Binary bin -> comparison(bin);
                case Scalar.Call c when c.function().equals("where") -> {
                    String condition = flag(c.args().get(0));
                    yield "(" + condition + " * " + flag(c.args().get(1)) + " + (1 - " + condition + ") * " + flag(c.args().get(2)) + ")";
                }
                default -> "(" + ScalarWriter.paren(writer.write(lower(scalar)).text()) + " ? 1 : 0)";
            };
        }

        private String comparison(Scalar.Binary bin) {
            ScalarWriter.Code left = writer.write(lower(bin.left()));
            ScalarWriter.Code right = writer.write(lower(bin.right()));
            if (!left.type().equals("int") || !right.type().equals("int")) {
                return "(" + ScalarWriter.paren(left.text()) + " " + bin.op() + " " + ScalarWriter.paren(right.text()) + " ? 1 : 0)";
            }
            String l = ScalarWriter.paren(left.text());
            String r = ScalarWriter.paren(right.text());
            return switch (bin.op()) {
                case "<" -> below(l, r);
                case ">" -> below(r, l);
                case "<=" -> "(1 - " + below(r, l) + ")";
                case ">=" -> "(1 - " + below(l, r) + ")";
                case "==" -> "(1 - (" + below(l, r) + " | " + below(r, l) + "))";
                case "!=" -> "(" + below(l, r) + " | " + below(r, l) + ")";
                default -> throw new CodegenException("operator " + bin.op() + " in an attention condition");
            };
        }

        /**
         * 1 if a < b, else 0, in int arithmetic only and without overflow: with a = 2p + x and
         * b = 2q + y (x, y the low bits), b - a = 2(q - p) + (y - x), and q - p cannot overflow;
         * clamping it to [-1, 1] keeps the sign of the whole, which is then clamped to [0, 1].
         * <p>Not in 64 bits: when Graal proves an int non-negative (h % 2, a clamp), TornadoVM 5.2.0
         * turns its widening to long into a zero extension that its OpenCL code generator types
         * {@code ulong} ({@code x & 4294967295UL}), so {@code max(0L, that - 1)} has no OpenCL
         * overload and PoCL rejects the kernel ("call to '_cl_max' is ambiguous"); on a compiler
         * that accepted it, comparisons of that ulong would be unsigned. Not the sign bit by
         * {@code >>>} either: TornadoVM writes Java's {@code >>>} as C's {@code >>}, an arithmetic
         * shift on a signed value (-1 where Java gives 1, seen on PoCL). {@code >> 1} is right as
         * either shift for the non-negative values Graal may rewrite it for.
         */
        static String below(String a, String b) {
            String high = "TornadoMath.max(-1, TornadoMath.min(1, (" + b + " >> 1) - (" + a + " >> 1)))";
            String low = "((" + b + " & 1) - (" + a + " & 1))";
            return "TornadoMath.min(1, TornadoMath.max(0, 2 * " + high + " + " + low + "))";
        }
    }

    /** Marks a condition's placeholder in a lowered scalar; no name from a file starts with it. */
    private static final String CONDITION = "#";

    /** A variable of a clause: run-time dims from {@code dims}, i, j, h and s as they are, repeat indices by their Java names. */
    private String variable(String name) {
        if (name.startsWith(CONDITION)) {
            return name.substring(CONDITION.length());
        }
        int dim = host.runTimeDims().indexOf(name);
        return dim >= 0 ? "dims.get(" + (dim + 1) + ")" : ScalarWriter.LOOP_VARIABLES.contains(name) ? name : host.user(name);
    }

    private String rowsExpression(Dim dim) {
        String rows = host.rows(dim);
        int value = Integer.parseInt(rows);
        return value >= 0 ? rows : "dims.get(" + (-value - 1) + ")";
    }

    /** An offset followed by " + ", or nothing for offset 0. */
    private static String plus(String offset) {
        return offset.equals("0") ? "" : offset + " + ";
    }

    private static String floatLiteral(String number) {
        String text = Float.toString(Float.parseFloat(number));
        return (text.endsWith(".0") ? text.substring(0, text.length() - 2) : text) + "f";
    }

    private static String sourceText(Node node) {
        if (node.span() == null) {
            return node.op().spelling();
        }
        String first = node.span().file().text().substring(node.span().start(), node.span().end()).split("\n")[0].strip();
        String path = node.span().file().name();
        String file = path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
        return "<code>" + JavaText.javadoc(first) + "</code>    [" + JavaText.javadoc(file) + ":" + node.span().line() + "]";
    }
}
