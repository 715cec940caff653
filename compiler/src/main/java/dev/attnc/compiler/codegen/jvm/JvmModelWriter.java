package dev.attnc.compiler.codegen.jvm;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.IdRanges;
import dev.attnc.compiler.codegen.JavaNames;
import dev.attnc.compiler.codegen.JavaText;
import dev.attnc.compiler.codegen.RunTimeNumbers;
import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Loop;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Param;
import dev.attnc.compiler.ir.Region;
import dev.attnc.compiler.ir.Scalar;
import dev.attnc.compiler.ir.TensorType;
import dev.attnc.compiler.passes.BufferPlan;
import dev.attnc.compiler.passes.BufferPlan.Layout;
import dev.attnc.compiler.passes.BufferPlan.Storage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * Writes one Java class per model for the JVM backend. The class reads like the .attn file:
 * the model's constants, one field per weight named as the param, a {@code compute} method
 * with one commented step per .attn statement calling the runtime's kernels, and one method
 * per attention with its mask and score modifiers inlined into an online-softmax loop.
 *
 * <p>The writer only writes: the graph has been checked, passed and planned before.
 */
public final class JvmModelWriter {
    private static final ClassName TENSOR = ClassName.get("dev.attnc.runtime", "Tensor");
    private static final ClassName RUNTIME_DTYPE = ClassName.get("dev.attnc.runtime", "DType");
    private static final ClassName MODEL = ClassName.get("dev.attnc.runtime", "Model");
    private static final ClassName DECODER = ClassName.get("dev.attnc.runtime", "Decoder");
    private static final ClassName INPUTS = ClassName.get("dev.attnc.runtime", "Inputs");
    private static final ClassName MAPS = ClassName.get("dev.attnc.runtime", "AttentionMaps");
    private static final ClassName KERNELS = ClassName.get("dev.attnc.runtime.kernels", "Kernels");
    private static final ClassName MATRIX = KERNELS.nestedClass("Matrix");
    private static final ClassName ROWS = ClassName.get("dev.attnc.runtime.kernels", "Rows");
    private static final ClassName INT_ROWS = ClassName.get("dev.attnc.runtime.kernels", "IntRows");
    private static final ClassName ACTIVATION = ClassName.get("dev.attnc.runtime.kernels", "Activation");
    private static final ClassName BINARY = ClassName.get("dev.attnc.runtime.kernels", "BinaryOp");
    private static final ClassName REDUCE_OP = ClassName.get("dev.attnc.runtime.kernels", "ReduceOp");
    private static final ClassName TABLE_INDEX_EXCEPTION = ClassName.get("dev.attnc.runtime", "TableIndexException");
    private static final ClassName POSITIONS = ClassName.get("dev.attnc.runtime.kernels", "Positions");
    private static final ClassName THREADS = ClassName.get("dev.attnc.runtime.kernels", "Threads");
    private static final ClassName ATTENTION_KERNELS = ClassName.get("dev.attnc.runtime.kernels", "AttentionKernels");
    private static final ClassName HEAD_COPY = ClassName.get("dev.attnc.runtime.kernels", "HeadCopy");
    private static final ClassName SEQUENCES = ClassName.get("dev.attnc.runtime", "Sequences");
    private static final ClassName BATCHES = ClassName.get("dev.attnc.runtime", "Batches");
    private static final ClassName ARRAY_LIST = ClassName.get("java.util", "ArrayList");
    private static final ClassName WEIGHT_SOURCE = ClassName.get("dev.attnc.runtime.weights", "WeightSource");
    private static final ClassName INIT = ClassName.get("dev.attnc.runtime.weights", "Init");
    private static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
    private static final ClassName ARRAYS = ClassName.get("java.util", "Arrays");
    private static final ClassName LIST = ClassName.get("java.util", "List");
    private static final ClassName MAP = ClassName.get("java.util", "Map");
    private static final ClassName LINKED_HASH_MAP = ClassName.get("java.util", "LinkedHashMap");
    private static final TypeName TENSOR_MAP = ParameterizedTypeName.get(MAP, ClassName.get(String.class), TENSOR);
    private static final TypeName TENSOR_MAPS = ParameterizedTypeName.get(LIST, TENSOR_MAP);
    private static final TypeName FLOATS = ArrayTypeName.of(TypeName.FLOAT);
    private static final TypeName FLOATS_PER_LAYER = ArrayTypeName.of(FLOATS);

    /**
     * Every name this writer puts into a class that does not come from the .attn file: fields,
     * methods, parameters, locals, and the types it calls by their simple name. Names from the
     * file never take one of these (see JavaNames); GeneratedNamesTest checks that the list is
     * complete by parsing what the writer produces.
     */
    public static final Set<String> GENERATED_NAMES = Set.of(
            // types called by simple name
            "Math", "Float", "Integer", "String", "Object", "System", "Override", "Arrays", "List", "Map",
            "LinkedHashMap", "Generated", "Tensor", "DType", "Model", "Inputs", "AttentionMaps", "Kernels", "Activation",
            "BinaryOp", "ReduceOp", "Rows", "IntRows", "TableIndexException", "Positions", "Threads", "AttentionKernels", "HeadCopy", "WeightSource",
            "Init", "Sequences", "Batches", "ArrayList",
            // fields and constants
            "arena", "ints", "maps", "cached", "queryTiles", "scoreTiles", "accumulators", "maxima", "sums", "ranges",
            "headCopies", "profileNanos", "QUERY_TILE", "ARENA_FLOATS", "ARENA_INTS", "relativeTiles",
            // methods
            "load", "inputNames", "outputNames", "recordAttention", "forward", "step", "reset", "cachedPositions", "run", "firstHeld", "ifHeld", "maxPositions",
            "compute", "close", "forwardBatch", "packsBatches", "sequenceLength", "copyIn", "copyOut", "pool",
            // parameters and locals
            "weights", "inputs", "outputs", "position", "keys", "tiles", "from", "to", "worker", "item", "queriesT",
            "scores", "acc", "max", "sum", "range", "copy", "t0", "rows", "kvHead", "tileFirst", "tileLast", "copied",
            "keyRows", "keyAt", "keyStride", "valueRows", "valueAt", "valueStride", "block", "n", "norm", "outAt", "at",
            "map", "first", "last", "p", "qAt", "kAt", "head", "batch", "b", "r", "t", "x", "d", "i", "j", "h", "s",
            "sequences", "sequence", "start", "length", "lengths", "results", "tile", "row",
            "sinkLogit", "relativeProducts", "relativeFirst", "relativeRows", "distance");

    /**
     * The locals that only the attention, maps and score methods declare: a value of the .attn
     * file may still be named so ({@code x}), since those methods call every view {@code this.x}.
     * compute, run, copyIn and copyOut declare none of them.
     */
    private static final Set<String> ATTENTION_LOCALS = Set.of("keys", "tiles", "from", "to", "worker", "item", "queriesT",
            "scores", "acc", "max", "sum", "range", "t0", "rows", "kvHead", "tileFirst", "tileLast", "copied", "keyRows",
            "keyAt", "keyStride", "valueRows", "valueAt", "valueStride", "block", "n", "norm", "outAt", "map", "first", "last",
            "p", "qAt", "kAt", "r", "t", "x", "d", "i", "j", "h", "sequence", "start", "length", "tile", "sinkLogit",
            "relativeProducts", "relativeFirst", "relativeRows", "distance");


    /** What the writer needs beyond the graph. */
    public record Options(String packageName, String sourceName, String description, boolean profile) {
        public Options(String packageName, String sourceName, String description) {
            this(packageName, sourceName, description, false);
        }
    }

    private final CheckedModel model;
    private final Graph graph;
    private final BufferPlan plan;
    private final Options options;
    private final JavaNames names;
    private final Map<Integer, String> viewNames = new HashMap<>(); // stored value to the field naming its rows
    /** Whether the code being written declares the attention loops' locals, which may hide a view's field. */
    private boolean inAttention;
    private final Map<String, String> weightFields = new HashMap<>(); // "paramId/suffix" to field
    private final Map<Integer, String> attentionMethods = new HashMap<>();
    private final Map<Integer, String> mapsMethodNames = new HashMap<>();
    private final Map<Integer, String> scoreMethodNames = new HashMap<>();
    private final Map<Integer, String> cacheFields = new HashMap<>();
    private final Map<Integer, String> slopeFields = new HashMap<>();
    private final Map<Integer, String> ropeFrequencies = new HashMap<>(); // rope node id to its frequency table
    private final Map<String, String> maxFields = new HashMap<>(); // run-time dim to MAX_ constant
    private final List<String> runTimeDims;
    private final boolean stepping;
    /** Whether forwardBatch packs sequences row after row (see {@link #canPack}). */
    private final boolean packable;
    /** The steps after a pooling, run once per sequence in a packed call (null without one run-time dim). */
    private final PackedReductions pooled;
    private final String className;
    private int longestValueHead;

    private JvmModelWriter(CheckedModel model, Graph graph, BufferPlan plan, Options options) {
        this.model = model;
        this.graph = graph;
        this.plan = plan;
        this.options = options;
        this.className = JavaNames.className(model.name());
        this.runTimeDims = List.copyOf(model.dims().keySet());
        Set<String> generated = new java.util.HashSet<>(GENERATED_NAMES);
        generated.add(className);
        this.names = new JavaNames(generated);
        // The file's own names first, so that they keep their spelling wherever they can.
        model.constants().keySet().forEach(names::user);
        runTimeDims.forEach(names::user);
        graph.loops().forEach(loop -> names.user(loop.index()));
        graph.params().forEach(param -> param.repeats().forEach(index -> names.user(index.name())));
        runTimeDims.forEach(dim -> maxFields.put(dim, names.unique("MAX_" + dim)));
        this.stepping = canStep();
        this.pooled = runTimeDims.size() == 1 ? PackedReductions.of(graph, plan, runTimeDims.get(0)) : null;
        this.packable = canPack();
    }

    /** The source of the model's class. */
    public static JavaFile write(CheckedModel model, Graph graph, BufferPlan plan, Options options) {
        return new JvmModelWriter(model, graph, plan, options).file();
    }

    /** A model can decode token by token when every attention keeps a cache and nothing else mixes positions. */
    private boolean canStep() {
        List<Node> attentions = graph.nodes().stream().filter(n -> n.op() == Op.ATTENTION).toList();
        if (attentions.isEmpty() || runTimeDims.size() != 1) {
            return false;
        }
        for (Node node : graph.nodes()) {
            switch (node.op()) {
                case ATTENTION -> {
                    if (!node.attr("cache").equals("true")) {
                        return false;
                    }
                }
                case MATMUL, TRANSPOSE, CONCAT, SOFTMAX -> {
                    boolean lastAxis = node.op() == Op.SOFTMAX || node.op() == Op.CONCAT
                            ? Integer.parseInt(node.attr("dim")) == node.type().rank() - 1 : false;
                    if (!lastAxis) {
                        return false;
                    }
                }
                default -> {
                }
            }
        }
        return true;
    }

    /**
     * A model can run sequences packed row after row (varlen) when it has one run-time dim,
     * every input and output has it as its first axis and only there (per-position values, which
     * come back per sequence), and nothing but attention, positions and position tables, which
     * run per sequence, mixes rows: no matrix product, transpose, softmax or concat across
     * positions, and no per-call input such as a scalar length.
     */
    private boolean canPack() {
        if (runTimeDims.size() != 1) {
            return false;
        }
        Dim rows = Dim.symbol(runTimeDims.get(0));
        for (Node value : graph.inputs()) {
            if (!perRow(value.type(), rows)) {
                return false;
            }
        }
        for (Node value : graph.outputs()) {
            if (!perRow(value.type(), rows) && !pooled.pooled(value)) {
                return false;
            }
        }
        if (pooled.refusal() != null) {
            return false; // a pooling (a reduction over T, `h[0]`) the packed call cannot run per sequence
        }
        for (Node node : graph.nodes()) {
            switch (node.op()) {
                case MATMUL, TRANSPOSE -> {
                    return false;
                }
                case CONCAT, SOFTMAX -> {
                    if (Integer.parseInt(node.attr("dim")) != node.type().rank() - 1) {
                        return false;
                    }
                }
                case ROPE, SINUSOIDAL, ARANGE -> {
                    if (!node.type().dim(0).equals(rows) || node.op() == Op.ROPE && node.type().rank() != 2) {
                        return false;
                    }
                }
                case ATTENTION -> {
                    if (!node.input(0).type().dim(0).equals(rows) || !node.input(1).type().dim(0).equals(rows)) {
                        return false;
                    }
                }
                default -> {
                }
            }
        }
        return true;
    }

    /** A shape whose first axis is {@code rows} and no other axis mentions it. */
    private static boolean perRow(TensorType type, Dim rows) {
        if (type.rank() == 0 || !type.dim(0).equals(rows)) {
            return false;
        }
        for (int axis = 1; axis < type.rank(); axis++) {
            if (type.dim(axis).symbols().contains(rows.toString())) {
                return false;
            }
        }
        return true;
    }

    private JavaFile file() {
        TypeSpec.Builder type = TypeSpec.classBuilder(className)
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .addSuperinterface(stepping ? DECODER : MODEL)
                .addAnnotation(AnnotationSpec.builder(GENERATED)
                        .addMember("value", "$S", "dev.attnc.compiler")
                        .addMember("comments", "$L", JavaText.stringLiteral("from " + options.sourceName()))
                        .build())
                .addJavadoc(classJavadoc());
        constants(type);
        viewNames(type);
        weights(type);
        state(type);
        type.addMethod(constructor());
        type.addMethod(MethodSpec.methodBuilder("load")
                .addJavadoc("Loads every weight from {@code weights}, checking names and shapes before anything runs.\n")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(ClassName.get(options.packageName(), className))
                .addParameter(WEIGHT_SOURCE, "weights")
                .addStatement("return new $L(weights)", className)
                .build());
        if (hasAlternatives()) {
            type.addMethod(firstHeld());
        }
        if (graph.params().stream().anyMatch(p -> "optional".equals(p.attrs().get("bias")))) {
            type.addMethod(MethodSpec.methodBuilder("ifHeld")
                    .addJavadoc("The tensor {@code name}, or null when the checkpoint has none ({@code bias = optional}).\n")
                    .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                    .returns(FLOATS)
                    .addParameter(WEIGHT_SOURCE, "weights")
                    .addParameter(String.class, "name")
                    .addParameter(ArrayTypeName.of(TypeName.INT), "shape")
                    .addParameter(INIT, "init")
                    .addStatement("return weights.contains(name) ? weights.floats(name, shape, init) : null")
                    .build());
        }
        interfaceMethods(type);
        if (packable) {
            packedRun().forEach(type::addMethod);
        } else {
            type.addMethod(run());
        }
        type.addMethod(compute());
        inAttention = true;
        for (Node node : graph.nodes()) {
            if (node.op() == Op.ATTENTION) {
                type.addMethod(attention(node));
                type.addMethod(mapsMethods.get(mapsMethods.size() - 1));
                type.addMethod(score(node));
            }
        }
        inAttention = false;
        return JavaFile.builder(options.packageName(), type.build())
                .skipJavaLangImports(true)
                .indent("    ")
                .build();
    }

    // ---------------------------------------------------------------- class header and fields

    private CodeBlock classJavadoc() {
        CodeBlock.Builder doc = CodeBlock.builder();
        if (!options.description().isBlank()) {
            doc.add("$L\n\n", JavaText.javadoc(options.description().strip()));
        }
        doc.add("<p>Generated by attnc from <code>$L</code>; edit the .attn file, not this one.\n", JavaText.javadoc(options.sourceName()));
        doc.add("Inputs: $L. Outputs: $L.\n", signature(graph.inputs()), signature(graph.outputs()));
        if (!runTimeDims.isEmpty()) {
            doc.add("Run-time dims: $L.\n", runTimeDims.stream()
                    .map(d -> d + " from 1 to " + plan.maxDims().get(d)).collect(Collectors.joining(", ")));
        }
        doc.add("\n<p>One instance holds one activation arena");
        doc.add(stepping ? " and one KV cache" : "");
        doc.add(", so its public methods are synchronized: calls from several threads are safe and run one after\n");
        doc.add("another. For calls in parallel, load one instance per thread.\n");
        return doc.build();
    }

    private static String signature(List<Node> nodes) {
        return nodes.stream().map(n -> "{@code " + n.attr("name") + " " + n.type() + "}").collect(Collectors.joining(", "));
    }

    /** The declared bound of a run-time dim as a last argument of Inputs' range checks, so its message names it; empty without one. */
    private CodeBlock boundArgument(String dim) {
        String origin = model.boundOrigin(dim, options.sourceName());
        return origin == null ? CodeBlock.of("") : CodeBlock.of(", $L", JavaText.stringLiteral(origin));
    }

    private void constants(TypeSpec.Builder type) {
        for (Map.Entry<String, Number> constant : model.constants().entrySet()) {
            Number value = constant.getValue();
            boolean whole = value instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE;
            type.addField(FieldSpec.builder(whole ? TypeName.INT : TypeName.DOUBLE, names.user(constant.getKey()),
                            Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                    .initializer("$L", whole ? value.toString() : Double.toString(value.doubleValue()))
                    .build());
        }
        for (String dim : runTimeDims) {
            String bound = model.dims().get(dim).map(b -> "{@code dim " + dim + " <= " + b + "}")
                    .orElse("the compiler's --max-seq, since the model sets no bound");
            type.addField(FieldSpec.builder(TypeName.INT, maxFields.get(dim), Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                    .addJavadoc("The largest $L this class accepts: $L.\n", dim, bound)
                    .initializer("$L", plan.maxDims().get(dim))
                    .build());
        }
    }

    /**
     * Names a view per stored value, as in the .attn file ({@code x}, {@code wte_out}, {@code x_2} for
     * the second {@code x}); the fields come after the arena they view ({@link #views}). Sizes are for
     * the largest run-time dims.
     */
    private void viewNames(TypeSpec.Builder type) {
        for (Node node : graph.nodes()) {
            Layout layout = plan.layouts().get(node.id());
            if (layout == null || layout.storage() == Storage.WEIGHT || node.op() == Op.OUTPUT) {
                continue;
            }
            String base = node.name().isEmpty() ? temporaryName(node) : node.name();
            viewNames.put(node.id(), names.field(base, ATTENTION_LOCALS));
        }
        type.addField(FieldSpec.builder(TypeName.INT, "ARENA_FLOATS", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer("$L", Math.max(1, plan.floats())).build());
        type.addField(FieldSpec.builder(TypeName.INT, "ARENA_INTS", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer("$L", Math.max(1, plan.ints())).build());
    }

    /**
     * One final view per stored value: where its rows are in the arena, made once. Values that
     * share memory (a split's parts, a value written over one no longer needed) are views of the
     * same region; a part of another value says so.
     */
    private void views(TypeSpec.Builder type) {
        for (Node node : graph.nodes()) {
            String name = viewNames.get(node.id());
            if (name == null) {
                continue;
            }
            Layout layout = plan.layout(node);
            boolean ints = layout.storage() == Storage.INTS;
            String root = viewNames.get(layout.root());
            long shift = layout.offset() - plan.layouts().get(layout.root()).offset();
            CodeBlock at = !layout.isView(node) ? CodeBlock.of("$L", layout.offset())
                    : shift == 0 ? CodeBlock.of("$L.at()", root) : CodeBlock.of("$L.at() + $L", root, shift);
            String base = node.name().isEmpty() ? temporaryName(node) : node.name();
            String described = (layout.isView(node) ? ", part of {@code " + root + "}" : "")
                    + (node.span() == null ? "" : ", from " + JavaText.javadoc(fileName(node.span().file().name())) + ":" + node.span().line());
            CodeBlock initializer = ints
                    ? CodeBlock.of("new $T(ints, $L, $L)", INT_ROWS, at, viewStride(node))
                    : CodeBlock.of("new $T(arena, $L, $L, $L)", ROWS, at, viewStride(node), viewWidth(node));
            type.addField(FieldSpec.builder(ints ? INT_ROWS : ROWS, name, Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("$L: $L$L.\n", base, node.type(), described)
                    .initializer(initializer)
                    .build());
        }
    }

    /** A view's row stride: that of the value's second-last dim (its rows), 0 for a number. */
    private long viewStride(Node node) {
        int rank = node.type().rank();
        return rank == 0 ? 0 : plan.layout(node).stride(Math.max(0, rank - 2));
    }

    /** A view's width: the value's last dim, 1 for a number, 0 where it is a run-time size. */
    private long viewWidth(Node node) {
        int rank = node.type().rank();
        if (rank == 0) {
            return 1;
        }
        return node.type().last().constant().orElse(0L);
    }

    private String temporaryName(Node node) {
        if (node.attrs().containsKey("param")) {
            return node.attr("param") + "_out";
        }
        return node.op().spelling() + "_" + node.id();
    }

    private void weights(TypeSpec.Builder type) {
        for (Param param : graph.params()) {
            boolean perLayer = !param.repeats().isEmpty();
            for (Map.Entry<String, TensorType> tensor : param.tensorsInOrder()) {
                String suffix = tensor.getKey();
                String field = names.unique(suffix.isEmpty() ? param.name() : param.name() + "_" + suffix);
                weightFields.put(param.id() + "/" + suffix, field);
                String stored = param.attrs().getOrDefault("transposed", "false").equals("true") && suffix.equals("weight")
                        ? ", stored [in, out] in the checkpoint and repacked to [out, in]" : "";
                TypeName held = isMatrix(param, suffix) ? MATRIX : FLOATS;
                type.addField(FieldSpec.builder(perLayer ? ArrayTypeName.of(held) : held, field, Modifier.PRIVATE, Modifier.FINAL)
                        .addJavadoc("$L: $L $L from $L$L$L.\n", param.name(), param.kind(), tensor.getValue(),
                                param.templates().stream().map(t -> "<code>\"" + JavaText.javadoc(Param.tensorName(t, suffix)) + "\"</code>")
                                        .collect(Collectors.joining(" or ")), perLayer ? ", one per layer" : "", stored)
                        .build());
            }
        }
    }


    private void state(TypeSpec.Builder type) {
        type.addField(FieldSpec.builder(FLOATS, "arena", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Every float value of a call, at the offsets of the views below; allocated once.\n")
                .initializer("new float[ARENA_FLOATS]").build());
        type.addField(FieldSpec.builder(ArrayTypeName.of(TypeName.INT), "ints", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Every int value of a call (token ids, positions).\n")
                .initializer("new int[ARENA_INTS]").build());
        views(type);
        for (Node node : graph.nodes()) {
            if (node.op() != Op.ATTENTION) {
                continue;
            }
            String base = node.name().isEmpty() ? "attention_" + node.id() : node.name();
            String method = names.unique("attention_" + base);
            attentionMethods.put(node.id(), method);
            mapsMethodNames.put(node.id(), names.unique(method + "_maps"));
            scoreMethodNames.put(node.id(), names.unique(method + "_score"));
            long valueHead = node.type().last().constant().orElseThrow() / Long.parseLong(node.attr("heads"));
            longestValueHead = (int) Math.max(longestValueHead, valueHead);
            if (node.attrs().containsKey("score") && node.exprs().containsKey("score") && usesAlibi(node.exprs().get("score"))
                    || node.exprs().containsKey("mask") && usesAlibi(node.exprs().get("mask"))) {
                String field = names.unique(JavaNames.constantCase(base) + "_ALIBI_SLOPES");
                slopeFields.put(node.id(), field);
                type.addField(FieldSpec.builder(FLOATS, field, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                        .addJavadoc("ALiBi slopes of $L's $L heads (Press et al.).\n", base, node.attr("heads"))
                        .initializer("$T.alibiSlopes($L)", POSITIONS, node.attr("heads")).build());
            }
            if (node.attr("cache").equals("true")) {
                String field = names.unique(base + "_cache");
                cacheFields.put(node.id(), field);
                long keyWidth = kvWidth(node);
                long valueWidth = node.input(2).type().last().constant().orElseThrow();
                String layers = layerCount(node) == 1 ? "" : layerCount(node) + " layers x ";
                type.addField(FieldSpec.builder(ArrayTypeName.of(FLOATS), field, Modifier.PRIVATE, Modifier.FINAL)
                        .addJavadoc("Keys ([0], $L[$L, $L]) and values ([1], $L[$L, $L]) of $L for every position so far.\n",
                                layers, maxFields.get(runTimeDims.get(0)), keyWidth, layers, maxFields.get(runTimeDims.get(0)), valueWidth, base)
                        .initializer("{new float[$L * $L * $L], new float[$L * $L * $L]}", layerCount(node),
                                maxFields.get(runTimeDims.get(0)), keyWidth, layerCount(node), maxFields.get(runTimeDims.get(0)), valueWidth).build());
            }
        }
        ropeFrequencyFields(type);
        long longestHead = graph.nodes().stream().filter(n -> n.op() == Op.ATTENTION)
                .mapToLong(n -> Long.parseLong(n.attr("head_dim"))).max().orElse(1);
        type.addField(FieldSpec.builder(TypeName.INT, "QUERY_TILE", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc("Queries an attention tile holds: four SIMD vectors of them.\n")
                .initializer("$T.QUERIES", ATTENTION_KERNELS).build());
        type.addField(FieldSpec.builder(FLOATS_PER_LAYER, "queryTiles", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Per kernel thread, for the attention loops: a tile of queries, transposed.\n")
                .initializer("new float[$T.count()][$L * QUERY_TILE]", THREADS, longestHead).build());
        type.addField(FieldSpec.builder(FLOATS_PER_LAYER, "scoreTiles", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Per kernel thread: the scores of the tile against one block of keys.\n")
                .initializer("new float[$T.count()][$L * QUERY_TILE]", THREADS, KEY_BLOCK).build());
        type.addField(FieldSpec.builder(FLOATS_PER_LAYER, "accumulators", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Per kernel thread: the tile's running weighted sums of values, [query][value feature].\n")
                .initializer("new float[$T.count()][$L * QUERY_TILE]", THREADS, Math.max(1, longestValueHead)).build());
        type.addField(FieldSpec.builder(FLOATS_PER_LAYER, "maxima", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Per kernel thread: the tile's running maxima of the scores.\n")
                .initializer("new float[$T.count()][QUERY_TILE]", THREADS).build());
        type.addField(FieldSpec.builder(FLOATS_PER_LAYER, "sums", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Per kernel thread: the tile's running sums of exp(score - max).\n")
                .initializer("new float[$T.count()][QUERY_TILE]", THREADS).build());
        long relativeRows = graph.nodes().stream().filter(n -> n.op() == Op.ATTENTION && n.attrs().containsKey("relative"))
                .mapToLong(n -> 2 * Long.parseLong(n.attr("relative_clip")) + 1).max().orElse(0);
        if (relativeRows > 0) {
            type.addField(FieldSpec.builder(FLOATS_PER_LAYER, "relativeTiles", Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Per kernel thread: the tile's queries times the rows of a relative table, computed once per tile.\n")
                    .initializer("new float[$T.count()][$L * QUERY_TILE]", THREADS, relativeRows).build());
        }
        type.addField(FieldSpec.builder(ArrayTypeName.of(ArrayTypeName.of(TypeName.INT)), "ranges", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Per kernel thread: the first key each query r of the tile may see ([r]) and the end of its keys ([QUERY_TILE + r]).\n")
                .initializer("new int[$T.count()][2 * QUERY_TILE]", THREADS).build());
        type.addField(FieldSpec.builder(ArrayTypeName.of(HEAD_COPY), "headCopies", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Per kernel thread: the keys and values of the head its tiles read, rows next to each other.\n")
                .initializer("$T.forEachWorker()", HEAD_COPY).build());
        if (options.profile()) {
            type.addField(FieldSpec.builder(ArrayTypeName.of(TypeName.LONG), "profileNanos", Modifier.PUBLIC, Modifier.FINAL)
                    .addJavadoc("Nanoseconds spent in each step, by graph node id (profiling build for attnc bench).\n")
                    .initializer("new long[$L]", graph.nodes().size()).build());
        }
        type.addField(FieldSpec.builder(MAPS, "maps", Modifier.PRIVATE)
                .addJavadoc("Where attention weights are recorded, or null.\n").build());
        if (stepping) {
            type.addField(FieldSpec.builder(TypeName.INT, "cached", Modifier.PRIVATE)
                    .addJavadoc("Positions in the KV caches: where the next call's first row goes.\n").build());
        }
    }

    /** One table of RoPE frequencies per distinct rotation (width, base, scaling), shared by the rope calls that use it. */
    private void ropeFrequencyFields(TypeSpec.Builder type) {
        Map<String, String> byInitializer = new LinkedHashMap<>();
        for (Node node : graph.nodes()) {
            if (node.op() != Op.ROPE) {
                continue;
            }
            Map<String, String> a = node.attrs();
            String base = doubleLiteral(a.get("base"));
            String scaling = a.getOrDefault("scaling", "none");
            CodeBlock initializer = switch (scaling) {
                case "llama3" -> CodeBlock.of("$T.ropeFrequenciesLlama3($L, $L, $L, $L, $L, $L)", POSITIONS, a.get("rotary_dim"), base,
                        doubleLiteral(a.get("factor")), doubleLiteral(a.get("low_freq_factor")), doubleLiteral(a.get("high_freq_factor")),
                        doubleLiteral(a.get("original_context")));
                case "linear" -> CodeBlock.of("$T.ropeFrequenciesLinear($L, $L, $L)", POSITIONS, a.get("rotary_dim"), base,
                        doubleLiteral(a.get("factor")));
                case "divided" -> CodeBlock.of("$T.ropeFrequenciesDivided($L, $L, new double[] {$L})", POSITIONS,
                        a.get("rotary_dim"), base, a.get("divisors").replace(",", ", "));
                default -> CodeBlock.of("$T.ropeFrequencies($L, $L)", POSITIONS, a.get("rotary_dim"), base);
            };
            String existing = byInitializer.get(initializer.toString());
            if (existing != null) {
                ropeFrequencies.put(node.id(), existing);
                continue;
            }
            String field = names.unique("ROPE_FREQUENCIES" + (byInitializer.isEmpty() ? "" : "_" + (byInitializer.size() + 1)));
            byInitializer.put(initializer.toString(), field);
            ropeFrequencies.put(node.id(), field);
            String scaled = switch (scaling) {
                case "none" -> "";
                case "divided" -> ", divided by the checkpoint's rope_freqs";
                default -> ", " + scaling + " scaling by " + a.get("factor");
            };
            type.addField(FieldSpec.builder(ArrayTypeName.of(TypeName.DOUBLE), field, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                    .addJavadoc("RoPE: the angle per position of each of the $L rotated pairs (base $L$L).\n",
                            Long.parseLong(a.get("rotary_dim")) / 2, a.get("base"), scaled)
                    .initializer(initializer).build());
        }
    }

    private static String doubleLiteral(String number) {
        return number.contains(".") || number.contains("e") || number.contains("E") ? number : number + ".0";
    }

    private static boolean usesAlibi(Scalar scalar) {
        return switch (scalar) {
            case Scalar.Call c -> c.function().equals("alibi_slope") || c.args().stream().anyMatch(JvmModelWriter::usesAlibi);
            case Scalar.Unary u -> usesAlibi(u.operand());
            case Scalar.Binary b -> usesAlibi(b.left()) || usesAlibi(b.right());
            case Scalar.Read r -> r.indices().stream().anyMatch(JvmModelWriter::usesAlibi);
            default -> false;
        };
    }

    private long kvWidth(Node attention) {
        return attention.input(1).type().last().constant().orElseThrow();
    }

    private long layerCount(Node node) {
        long count = 1;
        for (Region region : node.regions()) {
            if (region.kind() == Region.Kind.REPEAT) {
                count *= graph.loop(region.id()).count();
            }
        }
        return count;
    }

    // ---------------------------------------------------------------- loading

    private MethodSpec constructor() {
        MethodSpec.Builder method = MethodSpec.constructorBuilder()
                .addModifiers(Modifier.PRIVATE)
                .addParameter(WEIGHT_SOURCE, "weights");
        for (Param param : graph.params()) {
            List<Param.LoopIndex> layers = param.repeats();
            for (Map.Entry<String, TensorType> tensor : param.tensorsInOrder()) {
                String field = weightFields.get(param.id() + "/" + tensor.getKey());
                CodeBlock load = load(param, tensor.getKey(), tensor.getValue());
                if (layers.isEmpty()) {
                    method.addStatement("$L = $L", field, load);
                    continue;
                }
                if (isMatrix(param, tensor.getKey())) {
                    method.addStatement("$L = new $T[$L]", field, MATRIX, param.copies());
                } else {
                    method.addStatement("$L = new float[$L][]", field, param.copies());
                }
                for (Param.LoopIndex index : layers) {
                    String variable = names.user(index.name());
                    method.beginControlFlow("for (int $L = 0; $L < $L; $L++)", variable, variable, index.count(), variable);
                }
                method.addStatement("$L[$L] = $L", field, flatIndex(layers), load);
                for (int n = 0; n < layers.size(); n++) {
                    method.endControlFlow();
                }
            }
        }
        return method.build();
    }

    private CodeBlock load(Param param, String suffix, TensorType type) {
        String init = switch (param.kind()) {
            case "linear" -> suffix.equals("bias") ? "BIAS" : "LINEAR";
            case "layernorm", "rmsnorm" -> suffix.equals("bias") ? "BIAS" : "NORM_SCALE";
            case "embedding" -> "EMBEDDING";
            default -> "TENSOR";
        };
        String dims = type.shape().stream().map(Dim::toString).collect(Collectors.joining(", "));
        String name = checkpointName(param.tensorName(suffix));
        if (!param.alternatives().isEmpty()) {
            // from "a" | "b": the first name the checkpoint holds (the first when it holds none, for its error)
            name = "firstHeld(weights, " + param.templates().stream().map(t -> checkpointName(Param.tensorName(t, suffix)))
                    .collect(Collectors.joining(", ")) + ")";
        }
        CodeBlock read = CodeBlock.of("weights.floats($L, new int[] {$L}, $T.$L)", name, dims, INIT, init);
        if (suffix.equals("bias") && "optional".equals(param.attrs().get("bias"))) {
            // bias = optional: none (null, which the kernels read as zeros) when the checkpoint has no such tensor
            read = CodeBlock.of("ifHeld(weights, $L, new int[] {$L}, $T.$L)", name, dims, INIT, init);
        }
        if (param.attrs().getOrDefault("transposed", "false").equals("true") && suffix.equals("weight")) {
            return CodeBlock.of("$T.dense($T.transpose($L, $L, $L), $L, $L)", KERNELS, INPUTS, read, type.dim(0), type.dim(1),
                    type.dim(1), type.dim(0));
        }
        if (isMatrix(param, suffix)) {
            // The weight's kind (dense floats, or a quantized matrix the checkpoint keeps) is decided here, at load.
            return CodeBlock.of("$T.matrix(weights, $L, new int[] {$L}, $T.$L)", KERNELS, name, dims, INIT, init);
        }
        return read;
    }

    /** A linear layer's weight, held as a {@code Kernels.Matrix}: dense or quantized, as loaded. */
    private static boolean isMatrix(Param param, String suffix) {
        return param.kind().equals("linear") && suffix.equals("weight");
    }

    /** Whether some param lists alternative checkpoint names, which need {@link #firstHeld}. */
    private boolean hasAlternatives() {
        return graph.params().stream().anyMatch(p -> !p.alternatives().isEmpty());
    }

    /** {@code firstHeld(weights, names...)}: the first name the weights hold, or the first name (the TornadoVM writer's too). */
    public static MethodSpec firstHeld() {
        return MethodSpec.methodBuilder("firstHeld")
                .addJavadoc("The first of {@code names} the checkpoint holds ({@code from \"a\" | \"b\"}); the first when it holds\n"
                        + "none, so that the error names what was asked first.\n")
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .returns(String.class)
                .addParameter(WEIGHT_SOURCE, "weights")
                .addParameter(ArrayTypeName.of(String.class), "names")
                .varargs()
                .beginControlFlow("for (String name : names)")
                .beginControlFlow("if (weights.contains(name))")
                .addStatement("return name")
                .endControlFlow()
                .endControlFlow()
                .addStatement("return names[0]")
                .build();
    }

    /** The checkpoint name as Java: "h." + layer + ".ln_1.weight". */
    private String checkpointName(String template) {
        StringBuilder java = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        int at = 0;
        while (at < template.length()) {
            int open = template.indexOf('{', at);
            if (open < 0) {
                literal.append(template, at, template.length());
                break;
            }
            literal.append(template, at, open);
            int close = template.indexOf('}', open);
            if (literal.length() > 0) {
                java.append(java.length() > 0 ? " + " : "").append(quote(literal.toString()));
                literal.setLength(0);
            }
            java.append(java.length() > 0 ? " + " : "").append(names.user(template.substring(open + 1, close)));
            at = close + 1;
        }
        if (literal.length() > 0 || java.length() == 0) {
            java.append(java.length() > 0 ? " + " : "").append(quote(literal.toString()));
        }
        return java.toString();
    }

    private static String quote(String text) {
        return JavaText.stringLiteral(text);
    }

    // ---------------------------------------------------------------- the public surface

    private void interfaceMethods(TypeSpec.Builder type) {
        type.addMethod(MethodSpec.methodBuilder("inputNames")
                .addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(ParameterizedTypeName.get(LIST, ClassName.get(String.class)))
                .addStatement("return $T.of($L)", LIST, graph.inputs().stream().map(n -> quote(n.attr("name"))).collect(Collectors.joining(", ")))
                .build());
        type.addMethod(MethodSpec.methodBuilder("outputNames")
                .addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(ParameterizedTypeName.get(LIST, ClassName.get(String.class)))
                .addStatement("return $T.of($L)", LIST, graph.outputs().stream().map(n -> quote(n.attr("name"))).collect(Collectors.joining(", ")))
                .build());
        type.addMethod(MethodSpec.methodBuilder("recordAttention")
                .addAnnotation(Override.class).addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                .addParameter(MAPS, "maps")
                .addStatement("this.maps = maps")
                .build());
        MethodSpec.Builder forward = MethodSpec.methodBuilder("forward")
                .addAnnotation(Override.class).addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                .returns(TENSOR_MAP)
                .addParameter(TENSOR_MAP, "inputs");
        if (stepping) {
            forward.addJavadoc("Runs the whole sequence from position 0; the KV caches then hold it, for {@link #step}.\n");
            forward.addStatement("cached = 0");
        }
        type.addMethod(forward.addStatement("return run(inputs)").build());
        if (packable) {
            type.addMethod(forwardBatch());
            type.addMethod(MethodSpec.methodBuilder("packsBatches")
                    .addJavadoc("True: {@link #forwardBatch} packs its sequences row after row.\n")
                    .addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                    .returns(TypeName.BOOLEAN)
                    .addStatement("return true")
                    .build());
        }
        if (!stepping) {
            return;
        }
        String dim = runTimeDims.get(0);
        type.addMethod(MethodSpec.methodBuilder("step")
                .addJavadoc("Decodes the next positions: the inputs hold only the new rows ($L = 1 for one token),\n"
                        + "which attend to everything cached before them and are cached in turn. The result equals\n"
                        + "the matching rows of {@link #forward} on the whole sequence.\n", dim)
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                .returns(TENSOR_MAP)
                .addParameter(TENSOR_MAP, "inputs")
                .addStatement("return run(inputs)")
                .build());
        type.addMethod(MethodSpec.methodBuilder("reset")
                .addJavadoc("Empties the KV caches: the next {@link #step} starts a new sequence.\n")
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                .addStatement("cached = 0")
                .build());
        type.addMethod(MethodSpec.methodBuilder("cachedPositions")
                .addJavadoc("How many positions the KV caches hold.\n")
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                .returns(TypeName.INT)
                .addStatement("return cached")
                .build());
        type.addMethod(MethodSpec.methodBuilder("maxPositions")
                .addJavadoc("The most positions the KV caches hold: {@link #$L}.\n", maxFields.get(dim))
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC)
                .returns(TypeName.INT)
                .addStatement("return $L", maxFields.get(dim))
                .build());
    }

    /**
     * Runs sequences packed row after row, as many at a time as the arena's rows hold: linear
     * layers, norms and elementwise steps over all their rows at once, attention and positions
     * per sequence.
     */
    private MethodSpec forwardBatch() {
        String dim = names.user(runTimeDims.get(0));
        MethodSpec.Builder method = MethodSpec.methodBuilder("forwardBatch")
                .addAnnotation(Override.class).addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                .returns(TENSOR_MAPS)
                .addParameter(TENSOR_MAPS, "batch");
        method.addJavadoc("Runs the sequences packed row after row, up to {@link #$L} rows at a time: each linear layer reads its\n"
                + "weights once for all of them, attention and positions run per sequence. Each sequence's outputs are\n"
                + "those {@link #forward} gives it alone.$L\n", maxFields.get(runTimeDims.get(0)),
                stepping ? " The KV caches do not keep a batch: they are empty afterwards." : "");
        if (stepping) {
            method.addStatement("cached = 0");
        }
        method.beginControlFlow("if (maps != null)");
        method.addCode("// Attention maps are recorded per call: one sequence at a time.\n");
        method.addStatement("return $T.oneByOne(this, batch)", BATCHES);
        method.endControlFlow();
        method.addStatement("int[] lengths = $T.lengths(batch, this::sequenceLength)", BATCHES);
        method.addStatement("$T results = new $T<>(batch.size())", TENSOR_MAPS, ARRAY_LIST);
        method.beginControlFlow("for ($T sequences : $T.chunks(lengths, $L))", SEQUENCES, SEQUENCES, maxFields.get(runTimeDims.get(0)));
        method.beginControlFlow("for (int s = 0; s < sequences.count(); s++)");
        method.addStatement("copyIn(batch.get(sequences.first() + s), sequences.start(s))");
        method.endControlFlow();
        method.addStatement("compute(sequences.rows()$L, sequences)", stepping ? ", 0" : "");
        method.beginControlFlow("for (int s = 0; s < sequences.count(); s++)");
        method.addStatement("results.add(copyOut(sequences.start(s), sequences.length(s)))");
        method.endControlFlow();
        method.endControlFlow();
        method.addStatement("return results");
        return method.build();
    }

    /** The packed model's call: one sequence, checked, copied in at row 0, computed and copied out. */
    private List<MethodSpec> packedRun() {
        String dim = names.user(runTimeDims.get(0));
        MethodSpec.Builder run = MethodSpec.methodBuilder("run")
                .addModifiers(Modifier.PRIVATE)
                .returns(TENSOR_MAP)
                .addParameter(TENSOR_MAP, "inputs");
        run.addStatement("int $L = sequenceLength(inputs)", dim);
        if (stepping) {
            run.addStatement("$T.checkCache($S, $L, cached, $L$L)", INPUTS, runTimeDims.get(0), dim, maxFields.get(runTimeDims.get(0)),
                    boundArgument(runTimeDims.get(0)));
        }
        run.addStatement("copyIn(inputs, 0)");
        run.addStatement("compute($L$L, $T.one($L))", dim, stepping ? ", cached" : "", SEQUENCES, dim);
        if (stepping) {
            run.addStatement("cached += $L", dim);
        }
        run.addStatement("return copyOut(0, $L)", dim);

        MethodSpec.Builder length = MethodSpec.methodBuilder("sequenceLength")
                .addJavadoc("Checks one sequence's inputs (tensors, shapes, token ids) and returns its length.\n")
                .addModifiers(Modifier.PRIVATE)
                .returns(TypeName.INT)
                .addParameter(TENSOR_MAP, "inputs");
        Map<Node, String> locals = inputLocals(length);
        length.addStatement("int $L = -1", dim);
        bindDims(length, locals);
        length.addStatement("$T.checkRange($S, $L, $L$L)", INPUTS, runTimeDims.get(0), dim, maxFields.get(runTimeDims.get(0)),
                boundArgument(runTimeDims.get(0)));
        for (Node node : graph.nodes()) {
            if (node.op() == Op.EMBEDDING && node.input(0).op() == Op.INPUT && node.input(0).type().rank() == 1) {
                Param param = graph.param(Integer.parseInt(node.attr("param_id")));
                length.addStatement("$T.checkIds($S, $L.intData(), 0, $L, $L)", INPUTS, node.input(0).attr("name"),
                        locals.get(node.input(0)), dim, param.attrs().get("count"));
            }
        }
        checkPositionTables();
        length.addStatement("return $L", dim);

        MethodSpec.Builder copyIn = MethodSpec.methodBuilder("copyIn")
                .addJavadoc("Copies one sequence's inputs (checked) into the arena from row {@code row} on.\n")
                .addModifiers(Modifier.PRIVATE)
                .addParameter(TENSOR_MAP, "inputs")
                .addParameter(TypeName.INT, "row");
        for (Node node : graph.inputs()) {
            Layout layout = plan.layout(node);
            String array = layout.storage() == Storage.INTS ? "ints" : "arena";
            String strides = layout.strides().stream().map(String::valueOf).collect(Collectors.joining(", "));
            copyIn.addStatement("$T.copy(inputs.get($S), $L, $L, $L)", INPUTS, node.attr("name"), array,
                    rowAt(node, "row", layout.stride(0)), strides);
        }

        MethodSpec.Builder copyOut = MethodSpec.methodBuilder("copyOut")
                .addJavadoc("The outputs of the sequence at rows {@code row} to {@code row + $L - 1}.\n", dim)
                .addModifiers(Modifier.PRIVATE)
                .returns(TENSOR_MAP)
                .addParameter(TypeName.INT, "row")
                .addParameter(TypeName.INT, dim);
        copyOut.addStatement("$T outputs = new $T<>()", TENSOR_MAP, LINKED_HASH_MAP);
        pooled.copyOut(copyOut, dim, this::at, (output, row) -> {
            Layout layout = plan.layout(output);
            String shape = output.type().shape().stream().map(this::java).collect(Collectors.joining(", "));
            String strides = layout.strides().stream().map(String::valueOf).collect(Collectors.joining(", "));
            String from = row == null ? at(output) : rowAt(output.input(0), row, layout.stride(0));
            copyOut.addStatement("outputs.put($S, $T.output($L, $L, new int[] {$L}$L))", output.attr("name"), INPUTS,
                    layout.storage() == Storage.INTS ? "ints" : "arena", from, strides, shape.isEmpty() ? "" : ", " + shape);
        });
        copyOut.addStatement("return outputs");
        List<MethodSpec> methods = new ArrayList<>(List.of(run.build(), length.build(), copyIn.build(), copyOut.build()));
        if (!pooled.isEmpty()) {
            methods.add(pooled.poolMethod(dim, this::emit));
        }
        return methods;
    }

    /** {@code Tensor x_input = Inputs.get(...)} for every input; the locals by input. */
    private Map<Node, String> inputLocals(MethodSpec.Builder method) {
        Map<Node, String> locals = new LinkedHashMap<>();
        for (Node input : graph.inputs()) {
            String name = names.unique(input.attr("name") + "_input");
            locals.put(input, name);
            boolean isInt = input.type().dtype() == DType.INT;
            method.addStatement("$T $L = $T.get(inputs, $S, $T.$L, $L, $S)", TENSOR, name, INPUTS, input.attr("name"),
                    RUNTIME_DTYPE, isInt ? "I32" : "F32", input.type().rank(), input.type().toString());
        }
        return locals;
    }

    /** Checks the inputs' fixed dims and binds the run-time dims from them; the dims it bound. */
    private Set<String> bindDims(MethodSpec.Builder method, Map<Node, String> locals) {
        Set<String> bound = new java.util.HashSet<>();
        for (Map.Entry<Node, String> input : locals.entrySet()) {
            TensorType type = input.getKey().type();
            for (int axis = 0; axis < type.rank(); axis++) {
                Dim dim = type.shape().get(axis);
                if (dim.constant().isPresent()) {
                    method.addStatement("$T.expectDim($S, $S, $L, $L, $L)", INPUTS, input.getKey().attr("name"), type.toString(),
                            input.getValue(), axis, dim.constant().get());
                } else if (dim.symbols().size() == 1 && dim.equals(Dim.symbol(dim.symbols().get(0)))) {
                    method.addStatement("$L = $T.bind($S, $L, $S, $L, $L)", names.dim(dim), INPUTS, dim.toString(), names.dim(dim),
                            input.getKey().attr("name"), input.getValue(), axis);
                    bound.add(dim.toString());
                } else {
                    throw new CodegenException("input `" + input.getKey().attr("name") + "` has a computed dim (" + dim
                            + "); inputs must have plain dims");
                }
            }
        }
        for (String dim : runTimeDims) {
            if (!bound.contains(dim)) {
                throw new CodegenException("run-time dim " + dim + " is not the size of any input, so a call cannot set it");
            }
        }
        return bound;
    }

    /** A learned position table must have a row for every position the dim may reach. */
    private void checkPositionTables() {
        for (Node node : graph.nodes()) {
            if (node.op() == Op.EMBEDDING && node.input(0).op() == Op.ARANGE) {
                Param param = graph.param(Integer.parseInt(node.attr("param_id")));
                long rows = Long.parseLong(param.attrs().get("count"));
                long largest = plan.maxDims().getOrDefault(node.input(0).type().dim(0).toString(), Long.MAX_VALUE);
                if (largest > rows) {
                    throw new CodegenException("embedding `" + param.name() + "` has " + rows + " rows but "
                            + node.input(0).type().dim(0) + " may reach " + largest + "; bound the dim: dim "
                            + node.input(0).type().dim(0) + " <= " + rows);
                }
            } else if (node.op() == Op.EMBEDDING && node.input(0).op() != Op.INPUT) {
                computedIdsOutside(node); // arange(T) + 2 and other computed ids
            }
        }
    }

    /** Checks and copies the inputs, binds the run-time dims, computes, copies the outputs out. */
    private MethodSpec run() {
        MethodSpec.Builder method = MethodSpec.methodBuilder("run")
                .addModifiers(Modifier.PRIVATE)
                .returns(TENSOR_MAP)
                .addParameter(TENSOR_MAP, "inputs");
        Map<Node, String> locals = inputLocals(method);
        for (String dim : runTimeDims) {
            method.addStatement("int $L = -1", names.user(dim));
        }
        bindDims(method, locals);
        for (String dim : runTimeDims) {
            if (stepping) {
                method.addStatement("$T.checkCache($S, $L, cached, $L$L)", INPUTS, dim, names.user(dim), maxFields.get(dim),
                        boundArgument(dim));
            } else {
                method.addStatement("$T.checkRange($S, $L, $L$L)", INPUTS, dim, names.user(dim), maxFields.get(dim),
                        boundArgument(dim));
            }
        }
        for (Map.Entry<Node, String> input : locals.entrySet()) {
            Node node = input.getKey();
            Layout layout = plan.layout(node);
            String array = layout.storage() == Storage.INTS ? "ints" : "arena";
            String strides = layout.strides().stream().map(String::valueOf).collect(Collectors.joining(", "));
            method.addStatement("$T.copy($L, $L, $L$L)", INPUTS, input.getValue(), array, at(node),
                    strides.isEmpty() ? "" : ", " + strides);
        }
        // Token ids are checked against the table they index before any kernel reads them.
        for (Node node : graph.nodes()) {
            if (node.op() == Op.EMBEDDING && node.input(0).op() == Op.INPUT && node.input(0).type().rank() == 1) {
                Param param = graph.param(Integer.parseInt(node.attr("param_id")));
                method.addStatement("$T.checkIds($S, ints, $L, $L, $L)", INPUTS, node.input(0).attr("name"),
                        at(node.input(0)), java(node.input(0).type().dim(0)), param.attrs().get("count"));
            }
        }
        checkPositionTables();
        method.addStatement("compute($L)", computeArguments());
        if (stepping) {
            method.addStatement("cached += $L", names.user(runTimeDims.get(0)));
        }
        method.addStatement("$T outputs = new $T<>()", TENSOR_MAP, LINKED_HASH_MAP);
        for (Node output : graph.outputs()) {
            Layout layout = plan.layout(output);
            String shape = output.type().shape().stream().map(this::java).collect(Collectors.joining(", "));
            String strides = layout.strides().stream().map(String::valueOf).collect(Collectors.joining(", "));
            method.addStatement("outputs.put($S, $T.output($L, $L, new int[] {$L}$L))", output.attr("name"), INPUTS,
                    layout.storage() == Storage.INTS ? "ints" : "arena", at(output.input(0)), strides,
                    shape.isEmpty() ? "" : ", " + shape);
        }
        method.addStatement("return outputs");
        return method.build();
    }

    private String computeArguments() {
        List<String> args = new ArrayList<>(runTimeDims.stream().map(names::user).toList());
        if (stepping) {
            args.add("cached");
        }
        return String.join(", ", args);
    }

    // ---------------------------------------------------------------- compute

    private MethodSpec compute() {
        MethodSpec.Builder method = MethodSpec.methodBuilder("compute").addModifiers(Modifier.PRIVATE);
        method.addJavadoc("The model, statement by statement$L$L.\n", stepping ? "; rows are positions {@code position} onwards" : "",
                packable ? "; the rows hold {@code sequences} one after another, each from its own position 0" : "");
        for (String dim : runTimeDims) {
            method.addParameter(TypeName.INT, names.user(dim));
        }
        if (stepping) {
            method.addParameter(TypeName.INT, "position");
        }
        if (packable) {
            method.addParameter(SEQUENCES, "sequences");
        }
        CodeBlock.Builder body = CodeBlock.builder();
        List<Region> open = new ArrayList<>();
        int lastLine = -1;
        String lastFile = "";
        for (Node node : graph.nodes()) {
            List<Region> regions = node.regions();
            int common = 0;
            while (common < open.size() && common < regions.size() && open.get(common).equals(regions.get(common))) {
                common++;
            }
            while (open.size() > common) {
                closeRegion(body, open.remove(open.size() - 1));
                lastLine = -1;
            }
            for (int index = common; index < regions.size(); index++) {
                openRegion(body, regions.get(index));
                open.add(regions.get(index));
                lastLine = -1;
            }
            if (emitsNothing(node) || packable && pooled.pooled(node)) {
                continue; // pooled steps run per sequence, in pool()
            }
            if (node.span() != null && (node.span().line() != lastLine || !node.span().file().name().equals(lastFile))) {
                lastLine = node.span().line();
                lastFile = node.span().file().name();
                body.add("// $L    [$L:$L]\n", JavaText.lineComment(node.span().file().lineText(lastLine).strip()),
                        JavaText.lineComment(fileName(lastFile)), lastLine);
            }
            String started = null;
            if (options.profile()) {
                started = names.unique("started" + node.id()); // one per step, so that steps in one scope do not clash
                body.addStatement("long $L = System.nanoTime()", started);
            }
            emit(body, node);
            if (options.profile()) {
                body.addStatement("profileNanos[$L] += System.nanoTime() - $L", node.id(), started);
            }
        }
        while (!open.isEmpty()) {
            closeRegion(body, open.remove(open.size() - 1));
        }
        return method.addCode(body.build()).build();
    }

    private static boolean emitsNothing(Node node) {
        return switch (node.op()) {
            case INPUT, PARAM, OUTPUT, CARRY, SLICE, SELECT, HEADS -> true;
            case MERGE_HEADS -> node.input(0).op() == Op.HEADS;
            default -> false;
        };
    }

    private static String fileName(String path) {
        return path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
    }

    private void openRegion(CodeBlock.Builder body, Region region) {
        if (region.kind() == Region.Kind.BLOCK) {
            body.add("// $L\n", JavaText.lineComment(region.label()));
            return;
        }
        Loop loop = graph.loop(region.id());
        for (Loop.Carry carry : loop.carries()) {
            Node entry = graph.node(carry.entry());
            body.add("// $L enters the first layer\n", JavaText.lineComment(carry.name()));
            copy(body, entry.input(0), entry);
        }
        String variable = names.user(loop.index());
        body.beginControlFlow("for (int $L = 0; $L < $L; $L++)", variable, variable, loop.count(), variable);
    }

    private void closeRegion(CodeBlock.Builder body, Region region) {
        if (region.kind() == Region.Kind.BLOCK) {
            return;
        }
        Loop loop = graph.loop(region.id());
        for (Loop.Carry carry : loop.carries()) {
            if (carry.entry() == carry.exit()) {
                continue;
            }
            body.add("// $L goes on to the next layer\n", JavaText.lineComment(carry.name()));
            copy(body, graph.node(carry.exit()), graph.node(carry.entry()));
        }
        body.endControlFlow();
    }

    /** One node's kernel call(s). */
    private void emit(CodeBlock.Builder body, Node node) {
        Map<String, String> a = node.attrs();
        if (node.type().dtype() == DType.INT && Set.of(Op.ADD, Op.SUB, Op.MUL, Op.MINIMUM, Op.MAXIMUM).contains(node.op())) {
            intArithmetic(body, node); // arange(T) + 2
            return;
        }
        switch (node.op()) {
            case ARANGE -> {
                if (packable) {
                    perSequence(body, "arange");
                    body.addStatement("$T.arange(sequences.length(s), $L, $L.from(sequences.start(s)))", KERNELS,
                            stepping ? "position" : "0", view(node));
                    body.endControlFlow();
                } else {
                    body.addStatement("$T.arange($L, $L, $L)", KERNELS, rows(node), stepping ? "position" : "0", view(node));
                }
            }
            case SINUSOIDAL -> {
                String base = a.get("base") + (a.get("base").contains(".") ? "" : ".0");
                long stride = plan.layout(node).stride(0);
                boolean plain = named(node);
                if (packable) {
                    perSequence(body, "sinusoidal");
                    if (plain) {
                        body.addStatement("$T.sinusoidal(sequences.length(s), $L, $L, $L.from(sequences.start(s)))", KERNELS,
                                stepping ? "position" : "0", base, view(node));
                    } else {
                        body.addStatement("$T.sinusoidal(sequences.length(s), $L, $L, $L, arena, $L + sequences.start(s) * $L, $L)",
                                KERNELS, node.type().dim(1), stepping ? "position" : "0", base, at(node), stride, stride);
                    }
                    body.endControlFlow();
                } else if (plain) {
                    body.addStatement("$T.sinusoidal($L, $L, $L, $L)", KERNELS, java(node.type().dim(0)),
                            stepping ? "position" : "0", base, view(node));
                } else {
                    body.addStatement("$T.sinusoidal($L, $L, $L, $L, arena, $L, $L)", KERNELS, java(node.type().dim(0)),
                            node.type().dim(1), stepping ? "position" : "0", base, at(node), stride);
                }
            }
            case EMBEDDING -> {
                Param param = graph.param(Integer.parseInt(a.get("param_id")));
                Node ids = node.input(0);
                if (ids.type().rank() != 1) {
                    throw new CodegenException("embedding of a rank-" + ids.type().rank() + " id tensor is not supported yet");
                }
                if (ids.op() != Op.INPUT && ids.op() != Op.ARANGE && IdRanges.of(ids, this::largest) == null) {
                    // Ids computed from an input: checked against the table where they are read.
                    body.addStatement("$T.checkIds(ints, $L, $L, $L, $L, $L, $L)", TABLE_INDEX_EXCEPTION, at(ids),
                            plan.layout(ids).stride(0), java(ids.type().dim(0)), param.attrs().get("count"),
                            JavaText.stringLiteral(attnText(node)), JavaText.stringLiteral("embedding at " + position(node)));
                }
                if (named(node) && plan.layout(ids).storage() == Storage.INTS) {
                    body.addStatement("$T.embedding($L, $L, $L, $L)", KERNELS, java(ids.type().dim(0)), view(ids),
                            weight(param, "weight", node), view(node));
                } else {
                    body.addStatement("$T.embedding($L, ints, $L, $L, $L, $L, arena, $L, $L)", KERNELS, java(ids.type().dim(0)),
                            at(ids), plan.layout(ids).stride(0), weight(param, "weight", node), param.attrs().get("dim"),
                            at(node), plan.layout(node).stride(0));
                }
            }
            case LINEAR -> rowOp(body, node, (b, in, out, rows) -> {
                Param param = graph.param(Integer.parseInt(a.get("param_id")));
                String bias = param.tensors().containsKey("bias") ? weight(param, "bias", node) : "null";
                if (named(in, out)) {
                    b.addStatement("$T.linear($L, $L, $L, $L, $T.$L, $L)", KERNELS, rows, in.view(), weight(param, "weight", node), bias,
                            ACTIVATION, activation(a.getOrDefault("activation", "none")), out.view());
                    return;
                }
                b.addStatement("$T.linear($L, $L, $L, $L, $L, $L, $L, $L, $T.$L, $L, $L, $L)", KERNELS, rows,
                        param.attrs().get("in"), param.attrs().get("out"), in.array(), in.at(), in.rowStride(),
                        weight(param, "weight", node), bias, ACTIVATION, activation(a.getOrDefault("activation", "none")),
                        out.array(), out.at(), out.rowStride());
            });
            case LAYERNORM -> rowOp(body, node, (b, in, out, rows) -> {
                Param param = graph.param(Integer.parseInt(a.get("param_id")));
                String bias = param.tensors().containsKey("bias") ? weight(param, "bias", node) : "null";
                if (named(in, out)) {
                    b.addStatement("$T.layerNorm($L, $L, $L, $L, $Lf, $L)", KERNELS, rows, in.view(), weight(param, "weight", node), bias,
                            floatLiteral(param.attrs().get("eps")), out.view());
                    return;
                }
                b.addStatement("$T.layerNorm($L, $L, $L, $L, $L, $L, $L, $Lf, $L, $L, $L)", KERNELS, rows, param.attrs().get("dim"),
                        in.array(), in.at(), in.rowStride(), weight(param, "weight", node), bias, floatLiteral(param.attrs().get("eps")),
                        out.array(), out.at(), out.rowStride());
            });
            case RMSNORM -> rowOp(body, node, (b, in, out, rows) -> {
                Param param = graph.param(Integer.parseInt(a.get("param_id")));
                if (named(in, out)) {
                    b.addStatement("$T.rmsNorm($L, $L, $L, $Lf, $Lf, $L)", KERNELS, rows, in.view(), weight(param, "weight", node),
                            floatLiteral(param.attrs().getOrDefault("weight_offset", "0")), floatLiteral(param.attrs().get("eps")),
                            out.view());
                    return;
                }
                b.addStatement("$T.rmsNorm($L, $L, $L, $L, $L, $L, $Lf, $Lf, $L, $L, $L)", KERNELS, rows, param.attrs().get("dim"),
                        in.array(), in.at(), in.rowStride(), weight(param, "weight", node),
                        floatLiteral(param.attrs().getOrDefault("weight_offset", "0")), floatLiteral(param.attrs().get("eps")),
                        out.array(), out.at(), out.rowStride());
            });
            case NUMBER -> body.addStatement("arena[$L] = (float) $L", at(node),
                    RunTimeNumbers.java(node.exprs().get("value"), name -> names.user(name), false));
            case POW, MINIMUM, MAXIMUM, COMPARE -> {
                String op = switch (node.op()) {
                    case POW -> "POW";
                    case MINIMUM -> "MIN";
                    case MAXIMUM -> "MAX";
                    default -> comparison(a.get("cmp"));
                };
                binaryKernel(body, node, op);
            }
            case WHERE -> where(body, node);
            case REDUCE -> reduce(body, node);
            case RELU, GELU, GELU_TANH, SILU, SIGMOID, TANH, EXP, LOG, SQRT, NEG, ABS -> {
                List<String> views = views(node, List.of(node.input(0)));
                if (views != null) {
                    body.addStatement("$T.unary($T.$L, $L, $L, $L)", KERNELS, ACTIVATION, activation(node.op().spelling()), viewRows(node),
                            views.get(0), view(node));
                    return;
                }
                elementwise(body, node, List.of(node.input(0)),
                        (b, ops, out, rows, cols) -> b.addStatement("$T.unary($T.$L, $L, $L, $L, $L)", KERNELS, ACTIVATION,
                                activation(node.op().spelling()), rows, cols, ops.get(0), out));
            }
            case ADD, SUB, MUL, DIV, SWIGLU -> binaryKernel(body, node, node.op() == Op.SWIGLU ? "SWIGLU" : node.op().name());
            case SOFTCAP -> {
                List<String> views = views(node, List.of(node.input(0)));
                if (views != null) {
                    body.addStatement("$T.softcap($Lf, $L, $L, $L)", KERNELS, floatLiteral(a.get("cap")), viewRows(node), views.get(0), view(node));
                    return;
                }
                elementwise(body, node, List.of(node.input(0)), (b, ops, out, rows, cols) ->
                        b.addStatement("$T.softcap($Lf, $L, $L, $L, $L)", KERNELS, floatLiteral(a.get("cap")), rows, cols, ops.get(0), out));
            }
            case SOFTMAX -> softmax(body, node);
            case MATMUL -> matmul(body, node);
            case TRANSPOSE, MERGE_HEADS, COPY -> copy(body, node.input(0), node);
            case CONCAT -> concat(body, node);
            case ROPE -> rowOp(body, node, (b, in, out, rows) -> {
                long width = node.type().last().constant().orElseThrow();
                long heads = Long.parseLong(a.get("heads"));
                boolean interleaved = a.get("layout").equals("interleaved");
                String start = stepping ? "position" : "0";
                if (named(in, out) && width % heads == 0) {
                    if (node.inputs().size() == 2 && plan.layout(node.input(1)).storage() == Storage.INTS
                            && node.input(1).type().rank() == 1) {
                        b.addStatement("$T.rope($L, $L, $L, $L, $L, $L, $L)", KERNELS, rows, heads, interleaved,
                                ropeFrequencies.get(node.id()), view(node.input(1)), in.view(), out.view());
                        return;
                    }
                    if (node.inputs().size() == 1 && packable) {
                        // Rows rotate by their position in their own sequence: one call per sequence.
                        perSequence(b, "rope");
                        b.addStatement("$T.rope(sequences.length(s), $L, $L, $L, $L, $L.from(sequences.start(s)), "
                                + "$L.from(sequences.start(s)))", KERNELS, heads, interleaved, ropeFrequencies.get(node.id()), start,
                                in.view(), out.view());
                        b.endControlFlow();
                        return;
                    }
                    if (node.inputs().size() == 1) {
                        b.addStatement("$T.rope($L, $L, $L, $L, $L, $L, $L)", KERNELS, rows, heads, interleaved,
                                ropeFrequencies.get(node.id()), start, in.view(), out.view());
                        return;
                    }
                }
                String positions = "null, 0, 0";
                if (node.inputs().size() == 2) {
                    Node ids = node.input(1);
                    positions = "ints, " + at(ids) + ", " + plan.layout(ids).stride(0);
                } else if (packable) {
                    // Rows rotate by their position in their own sequence: one call per sequence.
                    perSequence(b, "rope");
                    b.addStatement("$T.rope(sequences.length(s), $L, $L, $L, $L, null, 0, 0, $L, $L, $L + sequences.start(s) * $L, $L, "
                            + "$L, $L + sequences.start(s) * $L, $L)", KERNELS, heads, width / heads,
                            a.get("layout").equals("interleaved"), ropeFrequencies.get(node.id()), stepping ? "position" : "0",
                            in.array(), in.at(), in.rowStride(), in.rowStride(), out.array(), out.at(), out.rowStride(), out.rowStride());
                    b.endControlFlow();
                    return;
                }
                b.addStatement("$T.rope($L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L)", KERNELS, rows, heads, width / heads,
                        a.get("layout").equals("interleaved"), ropeFrequencies.get(node.id()), positions,
                        stepping ? "position" : "0", in.array(), in.at(), in.rowStride(), out.array(), out.at(), out.rowStride());
            });
            case ATTENTION -> body.addStatement("$L($L)", attentionMethods.get(node.id()), attentionArguments(node));
            default -> throw new CodegenException("the JVM backend cannot compute " + node.op().spelling() + " yet");
        }
    }

    /** Opens a loop over the packed sequences, for a step that starts again at position 0 in each. */
    private static void perSequence(CodeBlock.Builder body, String what) {
        body.add("// $L: each sequence from its own position 0\n", what);
        body.beginControlFlow("for (int s = 0; s < sequences.count(); s++)");
    }

    /** A BinaryOp kernel over two tensors, or a tensor and the number in attr "scalar". */
    private void binaryKernel(CodeBlock.Builder body, Node node, String op) {
        Map<String, String> a = node.attrs();
        List<String> views = views(node, a.containsKey("scalar") ? List.of(node.input(0)) : List.of(node.input(0), node.input(1)));
        if (views != null && a.containsKey("scalar")) {
            body.addStatement("$T.scalar($T.$L, $Lf, $L, $L, $L, $L)", KERNELS, BINARY, op, floatLiteral(a.get("scalar")),
                    "left".equals(a.get("scalar_side")), viewRows(node), views.get(0), view(node));
        } else if (views != null && NAMED_BINARY.contains(op)) {
            body.addStatement("$T.$L($L, $L, $L, $L)", KERNELS, op.toLowerCase(java.util.Locale.ROOT), viewRows(node), views.get(0),
                    views.get(1), view(node));
        } else if (views != null) {
            body.addStatement("$T.binary($T.$L, $L, $L, $L, $L)", KERNELS, BINARY, op, viewRows(node), views.get(0), views.get(1), view(node));
        } else if (a.containsKey("scalar")) {
            elementwise(body, node, List.of(node.input(0)), (b, ops, out, rows, cols) ->
                    b.addStatement("$T.scalar($T.$L, $Lf, $L, $L, $L, $L, $L)", KERNELS, BINARY, op,
                            floatLiteral(a.get("scalar")), "left".equals(a.get("scalar_side")), rows, cols, ops.get(0), out));
        } else {
            elementwise(body, node, List.of(node.input(0), node.input(1)), (b, ops, out, rows, cols) ->
                    b.addStatement("$T.binary($T.$L, $L, $L, $L, $L, $L)", KERNELS, BINARY, op, rows, cols,
                            ops.get(0), ops.get(1), out));
        }
    }

    /** {@code arange(T) + 2}: whole-number arithmetic on int tensors. */
    private void intArithmetic(CodeBlock.Builder body, Node node) {
        String op = switch (node.op()) {
            case MINIMUM -> "MIN";
            case MAXIMUM -> "MAX";
            default -> node.op().name();
        };
        Map<String, String> a = node.attrs();
        if (a.containsKey("scalar")) {
            elementwise(body, node, List.of(node.input(0)), (b, ops, out, rows, cols) ->
                    b.addStatement("$T.scalar($T.$L, $L, $L, $L, $L, $L, $L)", KERNELS, BINARY, op,
                            (long) Double.parseDouble(a.get("scalar")), "left".equals(a.get("scalar_side")), rows, cols, ops.get(0), out));
        } else {
            elementwise(body, node, List.of(node.input(0), node.input(1)), (b, ops, out, rows, cols) ->
                    b.addStatement("$T.binary($T.$L, $L, $L, $L, $L, $L)", KERNELS, BINARY, op, rows, cols,
                            ops.get(0), ops.get(1), out));
        }
    }

    private static String comparison(String symbol) {
        return switch (symbol) {
            case "<" -> "LT";
            case "<=" -> "LE";
            case ">" -> "GT";
            case ">=" -> "GE";
            case "==" -> "EQ";
            case "!=" -> "NE";
            default -> throw new CodegenException("comparison " + symbol);
        };
    }

    /** {@code where(c, a, b)}: a side that is a number (attr "a" or "b") is passed as a null array and the number. */
    private void where(CodeBlock.Builder body, Node node) {
        Map<String, String> a = node.attrs();
        elementwise(body, node, node.inputs(), (b, ops, out, rows, cols) -> {
            int next = 1;
            List<String> sides = new ArrayList<>();
            for (String side : List.of("a", "b")) {
                if (a.containsKey(side)) {
                    sides.add("null, 0, 0, 0, " + floatLiteral(a.get(side)) + "f");
                } else {
                    sides.add(ops.get(next++) + ", 0f");
                }
            }
            b.addStatement("$T.where($L, $L, $L, $L, $L, $L)", KERNELS, rows, cols, ops.get(0), sides.get(0), sides.get(1), out);
        });
    }

    /**
     * sum, mean, max, min over one axis of a rank-1 to rank-3 tensor: the result's elements as a
     * rows x cols view (the input's other axes, in order), the reduced axis as a count and a step.
     */
    private void reduce(CodeBlock.Builder body, Node node) {
        Node input = node.input(0);
        int axis = Integer.parseInt(node.attr("dim"));
        int rank = input.type().rank();
        if (rank > 3) {
            throw new CodegenException(node.attr("reduce") + " of a rank-" + rank + " tensor is not supported yet");
        }
        Layout in = plan.layout(input);
        Layout out = plan.layout(node);
        boolean keep = "true".equals(node.attr("keepdim"));
        List<Integer> kept = new ArrayList<>();
        for (int d = 0; d < rank; d++) {
            if (d != axis) {
                kept.add(d);
            }
        }
        // The result's axes, matched to the input's kept axes: with keepdim the reduced axis is a 1 to skip.
        List<Integer> outAxes = new ArrayList<>();
        for (int d = 0; d < node.type().rank(); d++) {
            if (!(keep && d == axis)) {
                outAxes.add(d);
            }
        }
        String rows = "1";
        String cols = "1";
        long inRow = 0;
        long inCol = 0;
        long outRow = 0;
        long outCol = 0;
        int colAxis = kept.isEmpty() ? -1 : kept.get(kept.size() - 1);
        int rowAxis = kept.size() >= 2 ? kept.get(kept.size() - 2) : -1;
        if (colAxis >= 0) {
            cols = java(input.type().dim(colAxis));
            inCol = in.stride(colAxis);
            outCol = out.stride(outAxes.get(outAxes.size() - 1));
        }
        if (rowAxis >= 0) {
            rows = java(input.type().dim(rowAxis));
            inRow = in.stride(rowAxis);
            outRow = out.stride(outAxes.get(outAxes.size() - 2));
        }
        String mask = "null, 0, 0";
        if (node.inputs().size() == 2) {
            Node m = node.input(1);
            mask = array(m, node) + ", " + at(m) + ", " + plan.layout(m).stride(0);
        }
        body.addStatement("$T.reduce($T.$L, $L, $L, $L, $L, $L, $L, $L, $L, $L, arena, $L, $L, $L)", KERNELS, REDUCE_OP,
                node.attr("reduce").toUpperCase(java.util.Locale.ROOT), rows, cols, java(input.type().dim(axis)),
                array(input, node), at(input), inRow, inCol, in.stride(axis), mask, at(node), outRow, outCol);
    }

    /** A computed id tensor whose values are known to leave the table: refused (at run time it could never work). */
    private void computedIdsOutside(Node node) {
        Param param = graph.param(Integer.parseInt(node.attr("param_id")));
        long rows = Long.parseLong(param.attrs().get("count"));
        IdRanges.Range range = IdRanges.of(node.input(0), this::largest);
        if (range != null && !range.inside(rows)) {
            throw new CodegenException(position(node) + ": ids of `" + attnText(node) + "` reach " + (range.low() < 0 ? range.low()
                    : range.high()) + " but embedding `" + param.name() + "` has rows 0 to " + (rows - 1)
                    + "; bound the dim or change the ids");
        }
    }

    private long largest(Dim dim) {
        if (dim.constant().isPresent()) {
            return dim.constant().get();
        }
        return plan.maxDims().getOrDefault(dim.toString(), (long) Integer.MAX_VALUE);
    }

    /** A node's .attn text, as written, on one line. */
    private static String attnText(Node node) {
        return node.span().file().text().substring(node.span().start(), node.span().end()).replaceAll("\\s+", " ");
    }

    /** {@code model.attn:12:7}. */
    private static String position(Node node) {
        return fileName(node.span().file().name()) + ":" + node.span().line() + ":" + node.span().column();
    }

    private static String activation(String spelling) {
        return spelling.toUpperCase(java.util.Locale.ROOT);
    }

    private static String floatLiteral(String number) {
        float value = Float.parseFloat(number);
        String text = Float.toString(value);
        return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
    }

    // ---------------------------------------------------------------- operands

    /** An operand of a row kernel: array, offset expression, row stride, and its view where the kernel can take that alone. */
    private record Row(String array, String at, long rowStride, String view) {
    }

    /** Whether a row kernel can take both operands by their views. */
    private static boolean named(Row in, Row out) {
        return in.view() != null && out.view() != null;
    }

    private interface RowKernel {
        void call(CodeBlock.Builder body, Row in, Row out, String rows);
    }

    /** A kernel over the last dim, looped over a leading dim for rank-3 values. */
    private void rowOp(CodeBlock.Builder body, Node node, RowKernel kernel) {
        Node input = node.input(0);
        Layout in = plan.layout(input);
        Layout out = plan.layout(node);
        int rank = node.type().rank();
        requireUnitColumns(input);
        boolean named = named(input) && named(node);
        String inView = named ? view(input) : null;
        String outView = named ? view(node) : null;
        if (rank == 1) {
            kernel.call(body, new Row(array(input, node), at(input), 0, inView), new Row("arena", at(node), 0, outView), "1");
        } else if (rank == 2) {
            kernel.call(body, new Row(array(input, node), at(input), in.stride(0), inView),
                    new Row("arena", at(node), out.stride(0), outView), java(node.type().dim(0)));
        } else if (rank == 3) {
            body.beginControlFlow("for (int b = 0; b < $L; b++)", java(node.type().dim(0)));
            kernel.call(body, new Row(array(input, node), at(input) + " + b * " + in.stride(0), in.stride(1), null),
                    new Row("arena", at(node) + " + b * " + out.stride(0), out.stride(1), null), java(node.type().dim(1)));
            body.endControlFlow();
        } else {
            throw new CodegenException(node.op().spelling() + " of a rank-" + rank + " tensor is not supported yet");
        }
    }

    /** The binary ops Kernels has a method of their own for ({@code Kernels.add(T, a, b, out)}). */
    private static final Set<String> NAMED_BINARY = Set.of("ADD", "SUB", "MUL", "DIV", "SWIGLU");

    /**
     * The views of an elementwise step's operands, when the kernel can take them alone: every
     * operand and the result named (see {@link #named(Node)}) and of the result's shape, so
     * nothing is broadcast. Null otherwise: the step is written with offsets and strides.
     */
    private List<String> views(Node node, List<Node> inputs) {
        if (!named(node)) {
            return null;
        }
        List<String> views = new ArrayList<>();
        for (Node input : inputs) {
            if (!named(input) || !input.type().shape().equals(node.type().shape())) {
                return null;
            }
            views.add(view(input));
        }
        return views;
    }

    private interface ElementKernel {
        void call(CodeBlock.Builder body, List<String> operands, String out, String rows, String cols);
    }

    /**
     * An elementwise kernel over rows x cols views; operands are broadcast to the result's
     * shape with stride 0 where they have no such dim, or a dim of 1.
     */
    private void elementwise(CodeBlock.Builder body, Node node, List<Node> inputs, ElementKernel kernel) {
        TensorType type = node.type();
        int rank = type.rank();
        if (rank > 3) {
            throw new CodegenException(node.op().spelling() + " of a rank-" + rank + " tensor is not supported yet");
        }
        List<long[]> operandStrides = new ArrayList<>();
        for (Node input : inputs) {
            long[] strides = new long[Math.max(rank, 1)];
            Layout layout = plan.layout(input);
            int shift = rank - input.type().rank();
            for (int axis = 0; axis < rank; axis++) {
                int inputAxis = axis - shift;
                boolean broadcast = inputAxis < 0 || input.type().shape().get(inputAxis).equals(Dim.of(1))
                        && !type.shape().get(axis).equals(Dim.of(1));
                strides[axis] = broadcast ? 0 : layout.stride(inputAxis);
            }
            operandStrides.add(strides);
        }
        long[] outStrides = new long[Math.max(rank, 1)];
        for (int axis = 0; axis < rank; axis++) {
            outStrides[axis] = plan.layout(node).stride(axis);
        }
        // rows x cols: the last two dims (a vector is one row), looping over a third if any.
        String rows = rank >= 2 ? java(type.dim(rank - 2)) : "1";
        String cols = rank >= 1 ? java(type.last()) : "1";
        boolean batched = rank == 3;
        if (batched) {
            body.beginControlFlow("for (int b = 0; b < $L; b++)", java(type.dim(0)));
        }
        List<String> operands = new ArrayList<>();
        for (int index = 0; index < inputs.size(); index++) {
            operands.add(operand(inputs.get(index), operandStrides.get(index), rank, batched, node));
        }
        kernel.call(body, operands, operand(node, outStrides, rank, batched, node), rows, cols);
        if (batched) {
            body.endControlFlow();
        }
    }

    /** "array, at, rowStride, colStride" for a rows x cols view of a value. */
    private String operand(Node value, long[] strides, int rank, boolean batched, Node user) {
        String at = at(value) + (batched && strides[0] != 0 ? " + b * " + strides[0] : "");
        long rowStride = rank >= 2 ? strides[rank - 2] : 0;
        long colStride = rank >= 1 ? strides[rank - 1] : 0;
        return array(value, user) + ", " + at + ", " + rowStride + ", " + colStride;
    }

    private void softmax(CodeBlock.Builder body, Node node) {
        int axis = Integer.parseInt(node.attr("dim"));
        int rank = node.type().rank();
        Layout in = plan.layout(node.input(0));
        Layout out = plan.layout(node);
        if (rank == 1) {
            body.addStatement("$T.softmax(1, $L, $L, $L, 0, $L, arena, $L, 0, $L)", KERNELS, java(node.type().dim(0)),
                    array(node.input(0), node), at(node.input(0)), in.stride(0), at(node), out.stride(0));
            return;
        }
        if (rank > 3) {
            throw new CodegenException("softmax of a rank-" + rank + " tensor is not supported yet");
        }
        boolean batched = rank == 3;
        if (batched && axis == 0) {
            throw new CodegenException("softmax over the first of three dims is not supported yet");
        }
        int other = axis == rank - 1 ? rank - 2 : rank - 1;
        if (batched) {
            body.beginControlFlow("for (int b = 0; b < $L; b++)", java(node.type().dim(0)));
        }
        String batchIn = batched ? " + b * " + in.stride(0) : "";
        String batchOut = batched ? " + b * " + out.stride(0) : "";
        body.addStatement("$T.softmax($L, $L, $L, $L, $L, $L, arena, $L, $L, $L)", KERNELS, java(node.type().dim(other)),
                java(node.type().dim(axis)), array(node.input(0), node), at(node.input(0)) + batchIn, in.stride(other),
                in.stride(axis), at(node) + batchOut, out.stride(other), out.stride(axis));
        if (batched) {
            body.endControlFlow();
        }
    }

    private void matmul(CodeBlock.Builder body, Node node) {
        Node a = node.input(0);
        Node b = node.input(1);
        int rank = node.type().rank();
        if (rank > 3) {
            throw new CodegenException("a matrix product of rank-" + rank + " tensors is not supported yet");
        }
        boolean batched = rank == 3;
        Layout la = plan.layout(a);
        Layout lb = plan.layout(b);
        Layout lo = plan.layout(node);
        int r = rank - 2;
        if (batched) {
            body.beginControlFlow("for (int batch = 0; batch < $L; batch++)", java(node.type().dim(0)));
        }
        String ba = batched ? " + batch * " + la.stride(0) : "";
        String bb = batched ? " + batch * " + lb.stride(0) : "";
        String bo = batched ? " + batch * " + lo.stride(0) : "";
        body.addStatement("$T.matmul($L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, arena, $L, $L, $L)", KERNELS,
                java(a.type().dim(r)), java(a.type().dim(r + 1)), java(b.type().dim(r + 1)),
                array(a, node), at(a) + ba, la.stride(r), la.stride(r + 1),
                array(b, node), at(b) + bb, lb.stride(r), lb.stride(r + 1),
                at(node) + bo, lo.stride(r), lo.stride(r + 1));
        if (batched) {
            body.endControlFlow();
        }
    }

    private void concat(CodeBlock.Builder body, Node node) {
        int axis = Integer.parseInt(node.attr("dim"));
        String offset = "0";
        for (Node part : node.inputs()) {
            copyInto(body, part, node, axis, offset);
            offset = offset.equals("0") ? java(part.type().dim(axis)) : offset + " + " + java(part.type().dim(axis));
        }
    }

    /** Copies {@code from} into {@code to}'s layout (same shape), as for carried values, transposes, merged heads. */
    private void copy(CodeBlock.Builder body, Node from, Node to) {
        if (to.op() == Op.TRANSPOSE) {
            int rank = to.type().rank();
            Layout in = plan.layout(from);
            Layout out = plan.layout(to);
            if (rank != 2 && rank != 3) {
                throw new CodegenException("transpose of a rank-" + rank + " tensor is not supported yet");
            }
            int r = rank - 2;
            if (rank == 3) {
                body.beginControlFlow("for (int b = 0; b < $L; b++)", java(to.type().dim(0)));
            }
            String batchIn = rank == 3 ? " + b * " + in.stride(0) : "";
            String batchOut = rank == 3 ? " + b * " + out.stride(0) : "";
            // out[r][c] = in[c][r]
            body.addStatement("$T.copy($L, $L, $L, $L, $L, $L, arena, $L, $L, $L)", KERNELS, java(to.type().dim(r)),
                    java(to.type().dim(r + 1)), array(from, to), at(from) + batchIn, in.stride(r + 1), in.stride(r),
                    at(to) + batchOut, out.stride(r), out.stride(r + 1));
            if (rank == 3) {
                body.endControlFlow();
            }
            return;
        }
        if (to.op() == Op.MERGE_HEADS) {
            Layout in = plan.layout(from);
            Layout out = plan.layout(to);
            long headWidth = from.type().dim(2).constant().orElseThrow();
            body.beginControlFlow("for (int head = 0; head < $L; head++)", from.type().dim(0));
            body.addStatement("$T.copy($L, $L, $L, $L, $L, 1, arena, $L, $L, 1)", KERNELS, java(from.type().dim(1)), headWidth,
                    array(from, to), at(from) + " + head * " + in.stride(0), in.stride(1), at(to) + " + head * " + headWidth, out.stride(0));
            body.endControlFlow();
            return;
        }
        copyInto(body, from, to, -1, "0");
    }

    /** Copies a value into a region of another of the same rank, shifted along {@code axis} by {@code shift}. */
    private void copyInto(CodeBlock.Builder body, Node from, Node to, int axis, String shift) {
        int rank = from.type().rank();
        Layout in = plan.layout(from);
        Layout out = plan.layout(to);
        boolean isInt = from.type().dtype() == DType.INT;
        String target = isInt ? "ints" : "arena";
        String shifted = axis < 0 || shift.equals("0") ? at(to) : at(to) + " + (" + shift + ") * " + out.stride(axis);
        if (shift.equals("0") && named(from) && named(to) && from.type().shape().equals(to.type().shape())) {
            body.addStatement("$T.copy($L, $L, $L)", KERNELS, viewRows(from), view(from), view(to));
        } else if (rank == 0) {
            body.addStatement("$L[$L] = $L[$L]", target, at(to), array(from, to), at(from));
        } else if (rank == 1) {
            body.addStatement("$T.copy(1, $L, $L, $L, 0, $L, $L, $L, 0, $L)", KERNELS, java(from.type().dim(0)), array(from, to),
                    at(from), in.stride(0), target, shifted, out.stride(0));
        } else if (rank == 2) {
            body.addStatement("$T.copy($L, $L, $L, $L, $L, $L, $L, $L, $L, $L)", KERNELS, java(from.type().dim(0)),
                    java(from.type().dim(1)), array(from, to), at(from), in.stride(0), in.stride(1), target, shifted,
                    out.stride(0), out.stride(1));
        } else if (rank == 3) {
            body.beginControlFlow("for (int b = 0; b < $L; b++)", java(from.type().dim(0)));
            body.addStatement("$T.copy($L, $L, $L, $L, $L, $L, $L, $L, $L, $L)", KERNELS, java(from.type().dim(1)),
                    java(from.type().dim(2)), array(from, to), at(from) + " + b * " + in.stride(0), in.stride(1), in.stride(2),
                    target, shifted + " + b * " + out.stride(0), out.stride(1), out.stride(2));
            body.endControlFlow();
        } else {
            throw new CodegenException("copying a rank-" + rank + " tensor is not supported yet");
        }
    }

    private void requireUnitColumns(Node value) {
        Layout layout = plan.layout(value);
        if (value.type().rank() > 0 && layout.stride(-1) != 1) {
            throw new CodegenException("a row kernel over a strided view of " + value.op().spelling() + " is not supported yet");
        }
    }

    /** The Java array holding a value, as seen from a node (a per-layer weight needs the layer). */
    private String array(Node value, Node user) {
        Layout layout = plan.layout(value);
        return switch (layout.storage()) {
            case FLOATS -> "arena";
            case INTS -> "ints";
            case WEIGHT -> {
                Param param = graph.param(layout.param());
                yield weight(param, "", user);
            }
        };
    }

    /** Where a value starts in its array: a weight's offset, or its view's {@code at()}. */
    private String at(Node value) {
        Layout layout = plan.layout(value);
        if (layout.storage() == Storage.WEIGHT) {
            return Long.toString(layout.offset());
        }
        return view(value) + ".at()";
    }

    /**
     * Where row {@code row} of a value starts, rows being {@code stride} apart: {@code q.at(t)} when
     * that is the view's own row stride, else the offset written out.
     */
    private String rowAt(Node value, String row, long stride) {
        if (plan.layout(value).storage() != Storage.WEIGHT && stride == viewStride(value)) {
            return view(value) + ".at(" + row + ")";
        }
        return at(value) + " + " + ScalarWriter.paren(row) + " * " + stride;
    }

    /** The field naming a stored value's rows, as the code being written must spell it. */
    private String view(Node value) {
        String name = viewNames.get(value.op() == Op.OUTPUT ? value.input(0).id() : value.id());
        if (name == null) {
            throw new IllegalStateException("no view for %" + value.id());
        }
        // Always this.q there, whatever the name, so that a file's names never change the code's shape.
        return inAttention ? "this." + name : name;
    }

    /**
     * Whether kernels may take a value by its view alone: a vector or a matrix in the arena
     * whose columns lie next to each other, of a width known when compiling.
     */
    private boolean named(Node value) {
        Layout layout = plan.layout(value);
        int rank = value.type().rank();
        return (rank == 1 || rank == 2) && layout.storage() == Storage.FLOATS && layout.stride(-1) == 1
                && value.type().last().constant().isPresent();
    }

    /** The rows of a named value: its first dim, or one row for a vector. */
    private String viewRows(Node node) {
        return node.type().rank() == 1 ? "1" : rows(node);
    }

    private String rows(Node node) {
        return java(node.type().dim(0));
    }

    private String weight(Param param, String suffix, Node user) {
        String field = weightFields.get(param.id() + "/" + suffix);
        return param.repeats().isEmpty() ? field : field + "[" + flatIndex(param.repeats()) + "]";
    }

    /** layer, or outer * innerCount + inner for nested repeats. */
    private String flatIndex(List<Param.LoopIndex> layers) {
        String index = names.user(layers.get(0).name());
        for (int n = 1; n < layers.size(); n++) {
            index = "(" + index + ") * " + layers.get(n).count() + " + " + names.user(layers.get(n).name());
        }
        return index;
    }

    /** A dim as Java: constants as numbers, run-time dims by name. */
    private String java(Dim dim) {
        return names.dim(dim);
    }

    // ---------------------------------------------------------------- attention

    private List<Param.LoopIndex> loopIndices(Node node) {
        List<Param.LoopIndex> indices = new ArrayList<>();
        for (Region region : node.regions()) {
            if (region.kind() == Region.Kind.REPEAT) {
                Loop loop = graph.loop(region.id());
                indices.add(new Param.LoopIndex(loop.index(), loop.count()));
            }
        }
        return indices;
    }

    private String attentionArguments(Node node) {
        List<String> args = new ArrayList<>(runTimeDims.stream().map(names::user).toList());
        if (stepping) {
            args.add("position");
        }
        loopIndices(node).forEach(index -> args.add(names.user(index.name())));
        if (packable) {
            args.add("sequences");
        }
        return String.join(", ", args);
    }

    private void attentionParameters(MethodSpec.Builder method, Node node) {
        for (String dim : runTimeDims) {
            method.addParameter(TypeName.INT, names.user(dim));
        }
        if (stepping) {
            method.addParameter(TypeName.INT, "position");
        }
        loopIndices(node).forEach(index -> method.addParameter(TypeName.INT, names.user(index.name())));
    }

    /** Keys scored together: one SIMD dot per key, then the clauses and the exponentials over the block. */
    static final int KEY_BLOCK = 64;

    private MethodSpec attention(Node node) {
        String method = attentionMethods.get(node.id());
        Node q = node.input(0);
        Node k = node.input(1);
        Node v = node.input(2);
        requireUnitColumns(q);
        requireUnitColumns(k);
        requireUnitColumns(v);
        long heads = Long.parseLong(node.attr("heads"));
        long kvHeads = Long.parseLong(node.attr("kv_heads"));
        long headDim = Long.parseLong(node.attr("head_dim"));
        long valueHead = v.type().last().constant().orElseThrow() / kvHeads;
        boolean cached = cacheFields.containsKey(node.id());
        List<Param.LoopIndex> layers = loopIndices(node);
        String layer = layers.isEmpty() ? "0" : flatIndex(layers);
        long kvWidth = kvWidth(node);
        long valueWidth = v.type().last().constant().orElseThrow();
        String maxRows = runTimeDims.isEmpty() ? "1" : maxFields.get(runTimeDims.get(0));
        MaskBounds bounds = MaskBounds.of(node.exprs().get("mask"));
        // Inside the tile loop a packed model sees one sequence: its length and first row.
        ScalarWriter writer = scalarWriter(node, packable);

        MethodSpec.Builder spec = MethodSpec.methodBuilder(method).addModifiers(Modifier.PRIVATE);
        spec.addJavadoc("$L\n\n", sourceText(node));
        spec.addJavadoc("<p>$L heads of $L$L. Each query visits only the keys its mask may let through, $L at a time:\n",
                heads, headDim, kvHeads == heads ? "" : ", sharing " + kvHeads + " key/value heads", KEY_BLOCK);
        spec.addJavadoc("their scores, the clauses, then a running max and sum of exp(score - max) (online softmax, as in\n");
        spec.addJavadoc("FlashAttention), so scores are never stored. Heads and query tiles are handed out to the kernel threads a chunk at a time.\n");
        if (cached) {
            spec.addJavadoc("Keys and values come from the cache, which this call extends at {@code position}.\n");
        }
        if (packable) {
            spec.addJavadoc("Each of the packed {@code sequences} attends to its own rows only, from its own position 0.\n");
        }
        attentionParameters(spec, node);
        if (packable) {
            spec.addParameter(SEQUENCES, "sequences");
        }
        CodeBlock.Builder body = CodeBlock.builder();
        String queries = java(q.type().dim(0));
        String keys;
        String mapKeys;
        String keyArray;
        String valueArray;
        String keyBase;
        String valueBase;
        long keyStride;
        long valueStride;
        if (cached) {
            String cache = cacheFields.get(node.id());
            keyBase = layers.isEmpty() ? "" : "(" + layer + ") * " + maxRows + " * " + kvWidth + " + ";
            valueBase = layers.isEmpty() ? "" : "(" + layer + ") * " + maxRows + " * " + valueWidth + " + ";
            body.add("// Append this call's keys and values to the cache.\n");
            body.beginControlFlow("for (int t = 0; t < $L; t++)", queries);
            body.addStatement("$T.arraycopy($L, $L, $L[0], $L(position + t) * $L, $L)", System.class,
                    array(k, node), rowAt(k, "t", plan.layout(k).stride(0)), cache, keyBase, kvWidth, kvWidth);
            body.addStatement("$T.arraycopy($L, $L, $L[1], $L(position + t) * $L, $L)", System.class,
                    array(v, node), rowAt(v, "t", plan.layout(v).stride(0)), cache, valueBase, valueWidth, valueWidth);
            body.endControlFlow();
            keys = "position + " + (packable ? "length" : queries);
            mapKeys = "position + " + queries;
            keyArray = cache + "[0]";
            valueArray = cache + "[1]";
            keyStride = kvWidth;
            valueStride = valueWidth;
        } else {
            keyArray = array(k, node);
            valueArray = array(v, node);
            keyBase = at(k) + " + ";
            valueBase = at(v) + " + ";
            keyStride = plan.layout(k).stride(0);
            valueStride = plan.layout(v).stride(0);
            keys = packable ? "length" : java(k.type().dim(0));
            mapKeys = java(k.type().dim(0));
        }
        if (!packable) {
            body.addStatement("int keys = $L", keys);
        }
        String first = bounds.firsts().stream().map(writer::write).map(ScalarWriter.Code::text)
                .reduce("0", (x, y) -> "Math.max(" + x + ", " + y + ")");
        String last = bounds.ends().stream().map(writer::write).map(ScalarWriter.Code::text)
                .reduce("keys", (x, y) -> "Math.min(" + x + ", " + y + ")");
        Scalar rest = bounds.rest();
        String queryTile = "QUERY_TILE";
        if (packable) {
            body.add("// Tiles of queries never span two sequences.\n");
            body.addStatement("int tiles = sequences.tiles()");
        } else {
            body.addStatement("int tiles = ($L + $L - 1) / $L", queries, queryTile, queryTile);
        }
        body.beginControlFlow("$T.balanced($L * tiles, (from, to, worker) ->", THREADS, heads);
        body.addStatement("float[] queriesT = queryTiles[worker]");
        body.addStatement("float[] scores = scoreTiles[worker]");
        body.addStatement("float[] acc = accumulators[worker]");
        body.addStatement("float[] max = maxima[worker]");
        body.addStatement("float[] sum = sums[worker]");
        body.addStatement("int[] range = ranges[worker]");
        body.addStatement("$T copy = headCopies[worker]", HEAD_COPY);
        body.addStatement("copy.forget()");
        body.beginControlFlow("for (int item = from; item < to; item++)");
        body.addStatement("int h = item / tiles");
        if (packable) {
            body.addStatement("int tile = item % tiles");
            body.addStatement("int sequence = sequences.sequenceOfTile(tile)");
            body.addStatement("int start = sequences.start(sequence)");
            body.addStatement("int length = sequences.length(sequence)");
            body.addStatement("int t0 = sequences.tileOffset(tile)");
            body.addStatement("int rows = Math.min($L, length - t0)", queryTile);
            body.addStatement("int keys = $L", keys);
        } else {
            body.addStatement("int t0 = (item % tiles) * $L", queryTile);
            body.addStatement("int rows = Math.min($L, $L - t0)", queryTile, queries);
        }
        // Rows of this sequence in the packed values: from its first row on.
        String row = packable ? "start + " : "";
        body.addStatement("int kvHead = $L", kvHeads == heads ? "h" : "h / " + (heads / kvHeads));
        body.addStatement("$T.transposeQueries($L, $L + h * $L, $L, rows, $L, queriesT)", ATTENTION_KERNELS,
                array(q, node), rowAt(q, row + "t0", plan.layout(q).stride(0)), headDim, plan.layout(q).stride(0), headDim);
        Scalar sink = node.exprs().get("sink");
        if (sink != null) {
            body.add("// sink $L\n", JavaText.lineComment(node.attr("sink")));
            body.addStatement("float sinkLogit = $L", writer.asFloat(sink));
        }
        body.add("// The keys each query of the tile may see, and the span of keys the tile visits.\n");
        body.addStatement("int tileFirst = Integer.MAX_VALUE");
        body.addStatement("int tileLast = 0");
        body.beginControlFlow("for (int r = 0; r < $L; r++)", queryTile);
        body.addStatement("int i = $L", stepping ? "position + t0 + r" : "t0 + r");
        if (first.equals("0")) {
            body.addStatement("range[r] = 0");
        } else {
            body.addStatement("range[r] = r < rows ? $L : 0", first);
        }
        body.addStatement("range[QUERY_TILE + r] = r < rows ? $L : 0", last);
        body.beginControlFlow("if (range[r] < range[QUERY_TILE + r])");
        body.addStatement("tileFirst = Math.min(tileFirst, range[r])");
        body.addStatement("tileLast = Math.max(tileLast, range[QUERY_TILE + r])");
        body.endControlFlow();
        if (sink != null) {
            body.add("// The sink starts each query's softmax as a key of weight exp(sink - max) and no value.\n");
            body.addStatement("max[r] = sinkLogit");
            body.addStatement("sum[r] = 1");
        } else {
            body.addStatement("max[r] = Float.NEGATIVE_INFINITY");
            body.addStatement("sum[r] = 0");
        }
        body.endControlFlow();
        body.addStatement("$T.fill(acc, 0, $L * $L, 0f)", ARRAYS, queryTile, valueHead);
        body.add("// A tile of many queries reads its head's keys and values from this worker's copy, rows next to each other.\n");
        String keyHeadAt = keyBase + (packable ? "start * " + keyStride + " + " : "") + "kvHead * " + headDim;
        String valueHeadAt = valueBase + (packable ? "start * " + valueStride + " + " : "") + "kvHead * " + valueHead;
        body.addStatement("boolean copied = copy.cover(rows, tileLast, $L, $L, $L, $L, $L, $L, $L, $L)", keyArray, keyHeadAt,
                keyStride, headDim, valueArray, valueHeadAt, valueStride, valueHead);
        body.addStatement("float[] keyRows = copied ? copy.keys() : $L", keyArray);
        body.addStatement("int keyAt = copied ? 0 : $L", keyHeadAt);
        body.addStatement("int keyStride = copied ? $L : $L", headDim, keyStride);
        body.addStatement("float[] valueRows = copied ? copy.values() : $L", valueArray);
        body.addStatement("int valueAt = copied ? 0 : $L", valueHeadAt);
        body.addStatement("int valueStride = copied ? $L : $L", valueHead, valueStride);
        Relative relative = relative(node);
        String firstQuery = stepping ? "position + t0" : "t0";
        if (relative != null) {
            body.add("// relative $L: the tile's queries against the table rows of the distances it meets, once per tile.\n",
                    relative.name());
            body.addStatement("float[] relativeProducts = relativeTiles[worker]");
            body.addStatement("int relativeFirst = Math.clamp($L - (tileLast - 1), $L, $L) + $L", firstQuery, -relative.clip(),
                    relative.clip(), relative.clip());
            body.addStatement("int relativeRows = Math.clamp($L + rows - 1 - tileFirst, $L, $L) + $L - relativeFirst + 1", firstQuery,
                    -relative.clip(), relative.clip(), relative.clip());
            body.beginControlFlow("if (tileFirst < tileLast)");
            body.addStatement("$T.scores(queriesT, $L, $L + relativeFirst * $L$L, $L, relativeRows, rows, $L, $Lf, relativeProducts)",
                    ATTENTION_KERNELS, relative.array(), relative.at(), relative.stride(),
                    relative.perHead() ? " + h * " + headDim : "", relative.stride(), headDim, floatLiteral(node.attr("scale")));
            body.endControlFlow();
        }
        body.beginControlFlow("for (int block = tileFirst; block < tileLast; block += $L)", KEY_BLOCK);
        body.addStatement("int n = Math.min($L, tileLast - block)", KEY_BLOCK);
        body.addStatement("$T.scores(queriesT, keyRows, keyAt + block * keyStride, keyStride, n, rows, $L, $Lf, scores)",
                ATTENTION_KERNELS, headDim, floatLiteral(node.attr("scale")));
        if (relative != null) {
            body.addStatement("$T.addRelative(scores, block, n, rows, $L, relativeProducts, relativeFirst, relativeRows, $L)",
                    ATTENTION_KERNELS, firstQuery, relative.clip());
        }
        Scalar score = node.exprs().get("score");
        boolean softcap = node.attrs().containsKey("softcap");
        boolean temperature = node.attrs().containsKey("temperature");
        Optional<String> slope = score == null ? Optional.empty() : distanceSlope(score, writer);
        // Clauses the kernels apply to the whole block at once: a distance bias (ALiBi) and the softcap.
        boolean blockClauses = (score != null || softcap) && !temperature && (score == null || slope.isPresent());
        if (blockClauses) {
            if (score != null) {
                body.add("// score $L: a bias in proportion to the distance i - j, on the whole block\n", JavaText.lineComment(node.attr("score")));
                body.addStatement("$T.addDistanceBias(scores, block, n, rows, $L, $L)", ATTENTION_KERNELS,
                        stepping ? "position + t0" : "t0", slope.get());
            }
            if (softcap) {
                body.add("// softcap $L\n", JavaText.lineComment(node.attr("softcap")));
                body.addStatement("$T.softcap(scores, n, rows, $Lf)", ATTENTION_KERNELS, floatLiteral(node.attr("softcap")));
            }
        }
        boolean scalarClauses = (score != null || softcap || temperature) && !blockClauses;
        if (rest == null && !scalarClauses) {
            body.add("// Keys outside a query's range get -infinity$L.\n", blockClauses ? ", after the clauses" : "");
            body.addStatement("$T.maskOutside(scores, block, n, rows, range)", ATTENTION_KERNELS);
        } else {
            body.add("// Only the tile's real queries: the scores of the padding are never used.\n");
            body.beginControlFlow("for (int r = 0; r < rows; r++)");
            body.addStatement("int i = $L", stepping ? "position + t0 + r" : "t0 + r");
            body.beginControlFlow("for (int x = 0; x < n; x++)");
            body.addStatement("int j = block + x");
            body.addStatement("int at = x * $L + r", queryTile);
            body.beginControlFlow("if (j < range[r] || j >= range[QUERY_TILE + r]$L)",
                    rest == null ? "" : " || !" + ScalarWriter.paren(writer.write(rest).text()));
            body.add("// masked: query i does not see key j\n");
            body.addStatement("scores[at] = Float.NEGATIVE_INFINITY");
            if (scalarClauses) {
                body.addStatement("continue");
            }
            body.endControlFlow();
            if (scalarClauses) {
                body.addStatement("float s = scores[at]");
                clauseStatements(body, node, writer);
                body.addStatement("scores[at] = s");
            }
            body.endControlFlow();
            body.endControlFlow();
        }
        body.addStatement("$T.accumulate(scores, n, rows, max, sum, valueRows, valueAt + block * valueStride, valueStride, $L, acc)",
                ATTENTION_KERNELS, valueHead);
        body.endControlFlow();
        body.add("// A query that sees no key at all gets zeros.\n");
        body.beginControlFlow("for (int r = 0; r < rows; r++)");
        body.addStatement("float norm = sum[r] > 0 ? 1 / sum[r] : 0");
        body.addStatement("int outAt = $L + h * $L", rowAt(node, row + "t0 + r", plan.layout(node).stride(0)), valueHead);
        body.beginControlFlow("for (int d = 0; d < $L; d++)", valueHead);
        body.addStatement("arena[outAt + d] = acc[r * $L + d] * norm", valueHead);
        body.endControlFlow();
        body.endControlFlow();
        body.endControlFlow();
        body.unindent();
        body.add("});\n");
        body.beginControlFlow("if (maps != null)");
        body.addStatement("$L($L)", mapsMethodNames.get(node.id()), attentionMapArguments(node, packable ? mapKeys : "keys"));
        body.endControlFlow();
        spec.addCode(body.build());
        scoreArrays.put(node.id(), keyArray);
        // Maps are recorded for one sequence at a time (forwardBatch runs sequences alone while recording).
        ScalarWriter plain = scalarWriter(node, false);
        String mapFirst = bounds.firsts().stream().map(plain::write).map(ScalarWriter.Code::text)
                .reduce("0", (x, y) -> "Math.max(" + x + ", " + y + ")");
        String mapLast = bounds.ends().stream().map(plain::write).map(ScalarWriter.Code::text)
                .reduce("keys", (x, y) -> "Math.min(" + x + ", " + y + ")");
        mapsMethods.add(mapsMethod(node, keyArray, keyBase, keyStride, mapFirst, mapLast, layer, queries));
        return spec.build();
    }

    /** A {@code relative} clause as the generated code reads it: the table's array, offset, row stride and clip K. */
    private record Relative(String name, String array, String at, long stride, long clip, boolean perHead) {
    }

    private Relative relative(Node node) {
        if (!node.attrs().containsKey("relative")) {
            return null;
        }
        Node table = node.input(Integer.parseInt(node.attr("relative_input")));
        return new Relative(node.attr("relative"), array(table, node), at(table), plan.layout(table).stride(0),
                Long.parseLong(node.attr("relative_clip")), Boolean.parseBoolean(node.attr("relative_per_head")));
    }

    /**
     * For a score clause {@code s + c * (i - j)} or {@code s - c * (i - j)} (either factor
     * first, or {@code j - i}), where c depends on neither query, key nor score (ALiBi's
     * {@code alibi_slope(h)}, a constant): c with the sign the bias takes, as Java. Empty for any
     * other clause, which then runs score by score.
     */
    private static Optional<String> distanceSlope(Scalar score, ScalarWriter writer) {
        if (!(score instanceof Scalar.Binary sum) || !(sum.op().equals("+") || sum.op().equals("-"))
                || !(sum.left() instanceof Scalar.Var v && v.name().equals("s"))
                || !(sum.right() instanceof Scalar.Binary product && product.op().equals("*"))) {
            return Optional.empty();
        }
        int direction = distanceDirection(product.right());
        Scalar factor = product.left();
        if (direction == 0) {
            direction = distanceDirection(product.left());
            factor = product.right();
        }
        if (direction == 0 || !perCall(factor)) {
            return Optional.empty();
        }
        String slope = writer.asFloat(factor);
        boolean negative = sum.op().equals("-") == (direction > 0);
        return Optional.of(negative ? "-" + ScalarWriter.paren(slope) : slope);
    }

    /** 1 for {@code i - j}, -1 for {@code j - i}, 0 for anything else. */
    private static int distanceDirection(Scalar scalar) {
        if (scalar instanceof Scalar.Binary b && b.op().equals("-") && b.left() instanceof Scalar.Var left
                && b.right() instanceof Scalar.Var right) {
            if (left.name().equals("i") && right.name().equals("j")) {
                return 1;
            }
            if (left.name().equals("j") && right.name().equals("i")) {
                return -1;
            }
        }
        return 0;
    }

    /** Whether the value is the same for every query, key and score of a call: no i, j, s, no tensor read. */
    private static boolean perCall(Scalar scalar) {
        return switch (scalar) {
            case Scalar.Const c -> true;
            case Scalar.Var v -> !Set.of("i", "j", "s").contains(v.name());
            case Scalar.Read r -> false;
            case Scalar.Unary u -> perCall(u.operand());
            case Scalar.Binary b -> perCall(b.left()) && perCall(b.right());
            case Scalar.Call call -> call.args().stream().allMatch(JvmModelWriter::perCall);
        };
    }

    private final List<MethodSpec> mapsMethods = new ArrayList<>();

    private String attentionMapArguments(Node node, String keys) {
        List<String> args = new ArrayList<>(runTimeDims.stream().map(names::user).toList());
        if (stepping) {
            args.add("position");
        }
        loopIndices(node).forEach(index -> args.add(names.user(index.name())));
        args.add(keys);
        return String.join(", ", args);
    }

    /** Records this attention's weights for the heads asked for: a second, plain pass, only when maps are wanted. */
    private MethodSpec mapsMethod(Node node, String keyArray, String keyBase, long keyStride, String first, String last,
            String layer, String queries) {
        long heads = Long.parseLong(node.attr("heads"));
        long kvHeads = Long.parseLong(node.attr("kv_heads"));
        long headDim = Long.parseLong(node.attr("head_dim"));
        Node q = node.input(0);
        MethodSpec.Builder spec = MethodSpec.methodBuilder(mapsMethodNames.get(node.id()))
                .addModifiers(Modifier.PRIVATE)
                .addJavadoc("The softmax weights of this attention, for {@link AttentionMaps}.\n");
        attentionParameters(spec, node);
        spec.addParameter(TypeName.INT, "keys");
        String scoreCall = scoreMethod(node) + "(qAt, " + keyBase + "j * " + keyStride + " + kvHead * " + headDim + ", i, j, h"
                + scoreExtraArguments(node) + ")";
        CodeBlock.Builder body = CodeBlock.builder();
        body.beginControlFlow("for (int h = 0; h < $L; h++)", heads);
        body.beginControlFlow("if (!maps.wants($L, h))", layer);
        body.addStatement("continue");
        body.endControlFlow();
        body.addStatement("float[] map = maps.record($S, $L, h, $L, keys)", node.name().isEmpty() ? "attention" : node.name(),
                layer, queries);
        body.addStatement("int kvHead = $L", kvHeads == heads ? "h" : "h / " + (heads / kvHeads));
        body.beginControlFlow("for (int t = 0; t < $L; t++)", queries);
        body.addStatement("int i = $L", stepping ? "position + t" : "t");
        body.addStatement("int qAt = $L + h * $L", rowAt(q, "t", plan.layout(q).stride(0)), headDim);
        body.addStatement("int first = $L", first);
        body.addStatement("int last = $L", last);
        Scalar sink = node.exprs().get("sink");
        if (sink != null) {
            body.add("// sink $L: a logit with no value, in the denominator only\n", JavaText.lineComment(node.attr("sink")));
            body.addStatement("float sinkLogit = $L", scalarWriter(node, false).asFloat(sink));
        }
        body.addStatement("float max = $L", sink != null ? "sinkLogit" : "Float.NEGATIVE_INFINITY");
        body.beginControlFlow("for (int j = first; j < last; j++)");
        body.addStatement("max = Math.max(max, $L)", scoreCall);
        body.endControlFlow();
        body.addStatement("float sum = $L", sink != null ? "(float) Math.exp(sinkLogit - max)" : "0");
        body.beginControlFlow("for (int j = first; j < last; j++)");
        body.addStatement("float s = $L", scoreCall);
        body.beginControlFlow("if (s == Float.NEGATIVE_INFINITY)");
        body.add("// masked: the cell keeps the mark AttentionMaps.record put there\n");
        body.addStatement("continue");
        body.endControlFlow();
        body.addStatement("float p = (float) Math.exp(s - max)");
        body.addStatement("map[t * keys + j] = p");
        body.addStatement("sum += p");
        body.endControlFlow();
        body.beginControlFlow("for (int j = first; j < last && sum > 0; j++)");
        body.addStatement("map[t * keys + j] /= sum");
        body.endControlFlow();
        body.endControlFlow();
        body.endControlFlow();
        return spec.addCode(body.build()).build();
    }

    private final Map<Integer, String> scoreArrays = new HashMap<>();

    private String scoreMethod(Node node) {
        return scoreMethodNames.get(node.id());
    }

    /** Run-time dims and layer indices the score may read. */
    private String scoreExtraArguments(Node node) {
        StringBuilder args = new StringBuilder();
        for (String dim : runTimeDims) {
            args.append(", ").append(names.user(dim));
        }
        loopIndices(node).forEach(index -> args.append(", ").append(names.user(index.name())));
        return args.toString();
    }

    /** The score of one query against one key, with the attention's clauses inlined. */
    private MethodSpec score(Node node) {
        ScalarWriter writer = scalarWriter(node, false);
        long headDim = Long.parseLong(node.attr("head_dim"));
        MethodSpec.Builder spec = MethodSpec.methodBuilder(scoreMethod(node))
                .addModifiers(Modifier.PRIVATE)
                .returns(TypeName.FLOAT)
                .addJavadoc("The score of query {@code i} (at {@code qAt}) against key {@code j} (at {@code kAt}) in head\n"
                        + "{@code h}, after every clause, or -infinity where the mask hides the key.\n")
                .addParameter(TypeName.INT, "qAt")
                .addParameter(TypeName.INT, "kAt")
                .addParameter(TypeName.INT, "i")
                .addParameter(TypeName.INT, "j")
                .addParameter(TypeName.INT, "h");
        for (String dim : runTimeDims) {
            spec.addParameter(TypeName.INT, names.user(dim));
        }
        loopIndices(node).forEach(index -> spec.addParameter(TypeName.INT, names.user(index.name())));
        Scalar rest = MaskBounds.of(node.exprs().get("mask")).rest();
        if (rest != null) {
            spec.beginControlFlow("if (!$L)", ScalarWriter.paren(writer.write(rest).text()));
            spec.addStatement("return Float.NEGATIVE_INFINITY");
            spec.endControlFlow();
        }
        spec.addStatement("float s = 0");
        spec.beginControlFlow("for (int d = 0; d < $L; d++)", headDim);
        spec.addStatement("s += $L[qAt + d] * $L[kAt + d]", array(node.input(0), node), scoreArrays.get(node.id()));
        spec.endControlFlow();
        Relative relative = relative(node);
        if (relative != null) {
            spec.addComment("relative $L: q_i . $L[clamp(i - j, -$L, $L) + $L]", relative.name(), relative.name(), relative.clip(),
                    relative.clip(), relative.clip());
            spec.addStatement("int distance = Math.clamp(i - j, $L, $L) + $L", -relative.clip(), relative.clip(), relative.clip());
            spec.beginControlFlow("for (int d = 0; d < $L; d++)", headDim);
            spec.addStatement("s += $L[qAt + d] * $L[$L + distance * $L$L + d]", array(node.input(0), node), relative.array(),
                    relative.at(), relative.stride(), relative.perHead() ? " + h * " + headDim : "");
            spec.endControlFlow();
        }
        spec.addStatement("s *= $Lf", floatLiteral(node.attr("scale")));
        CodeBlock.Builder clauses = CodeBlock.builder();
        clauseStatements(clauses, node, writer);
        spec.addCode(clauses.build());
        spec.addStatement("return s");
        return spec.build();
    }

    /** The score clauses applied to a float {@code s}, one score at a time, in the language's order. */
    private static void clauseStatements(CodeBlock.Builder code, Node node, ScalarWriter writer) {
        if (node.exprs().containsKey("score")) {
            code.add("// score $L\n", JavaText.lineComment(node.attr("score")));
            code.addStatement("s = $L", writer.asFloat(node.exprs().get("score")));
        }
        if (node.attrs().containsKey("softcap")) {
            String cap = floatLiteral(node.attr("softcap"));
            code.add("// softcap $L\n", JavaText.lineComment(node.attr("softcap")));
            code.addStatement("s = $Lf * (float) Math.tanh(s / $Lf)", cap, cap);
        }
        if (node.attrs().containsKey("temperature")) {
            code.add("// temperature $L\n", JavaText.lineComment(node.attr("temperature")));
            code.addStatement("s /= $Lf", floatLiteral(node.attr("temperature")));
        }
    }

    /**
     * Writes a clause's expressions. {@code packed}: inside a packed model's tile loop, where the
     * run-time dim is the sequence's own {@code length} and a per-position tensor is read from
     * the sequence's first row {@code start} on.
     */
    private ScalarWriter scalarWriter(Node node, boolean packed) {
        String dim = runTimeDims.isEmpty() ? null : runTimeDims.get(0);
        Dim rows = dim == null ? null : Dim.symbol(dim);
        return new ScalarWriter(name -> packed && name.equals(dim) ? "length" : clauseVariable(name), read -> {
            Node tensor = node.input(read.input());
            Layout layout = plan.layout(tensor);
            StringBuilder index = new StringBuilder(at(tensor));
            for (int axis = 0; axis < read.indices().size(); axis++) {
                boolean perRow = packed && tensor.type().dim(axis).equals(rows);
                // Checked unless the checker proved it inside; an index may itself read a tensor.
                String value = scalarWriter(node, packed).index(read, axis, perRow ? "length" : java(tensor.type().dim(axis)),
                        cacheFields.containsKey(node.id()));
                String shifted = perRow ? "start + " + ScalarWriter.paren(value) : value;
                index.append(" + ").append(ScalarWriter.paren(shifted)).append(" * ").append(layout.stride(axis));
            }
            return array(tensor, node) + "[" + index + "]";
        }, slopeFields.get(node.id()));
    }

    /** A variable of a clause: the loop's i, j, h and s as they are, run-time dims and repeat indices by their Java names. */
    private String clauseVariable(String name) {
        return ScalarWriter.LOOP_VARIABLES.contains(name) ? name : names.user(name);
    }

    private static String sourceText(Node node) {
        if (node.span() == null) {
            return node.op().spelling();
        }
        String text = node.span().file().text().substring(node.span().start(), node.span().end());
        String[] lines = text.split("\n");
        return "<code>" + JavaText.javadoc(lines[0].strip()) + (lines.length > 1 ? " ..." : "") + "</code>    ["
                + JavaText.javadoc(fileName(node.span().file().name())) + ":" + node.span().line() + "]";
    }
}
