package dev.attnc.compiler.codegen.tornadovm;

import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.ATTENTION_GROUP;
import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.FLOAT_ARRAY;
import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.FUNCTIONS;
import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.INT_ARRAY;
import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.KERNEL_CONTEXT;
import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.ROW_GROUP;

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
import dev.attnc.compiler.codegen.JavaNames;
import dev.attnc.compiler.codegen.JavaText;
import dev.attnc.compiler.codegen.jvm.MaskBounds;
import dev.attnc.compiler.codegen.jvm.ScalarWriter;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * Writes one class per model for TornadoVM: the kernels as static methods, and host code that
 * builds one TaskGraph (weights sent once, inputs every call, intermediates kept on the
 * device, outputs brought back) and one TornadoExecutionPlan, reused by every call. Repeats
 * are unrolled into tasks per layer, each reading that layer's weights. Without TornadoVM,
 * attnc's runtime runs the very same class on the JVM (see TornadoSupport).
 */
public final class TornadoModelWriter {
    private static final String API = TornadoKernels.API;

    /**
     * Every name this writer puts into a class that does not come from the .attn file (besides
     * the kernel library's method names): fields, methods, parameters, locals, and the types it
     * calls by their simple name. Names from the file never take one of these (see JavaNames).
     */
    public static final Set<String> GENERATED_NAMES = Set.of(
            // types called by simple name
            "Math", "Float", "Integer", "String", "Object", "System", "Override", "Exception", "IllegalStateException",
            "UnsupportedOperationException", "List", "Map", "LinkedHashMap", "Generated", "Tensor", "DType", "Model",
            "Inputs", "AttentionMaps", "Positions", "WeightSource", "Init", "TaskGraph", "TornadoExecutionPlan",
            "DataTransferMode", "GridScheduler", "WorkerGrid1D", "TornadoExecutionPlanException", "FloatArray", "IntArray",
            "KernelContext", "Parallel", "TornadoMath", "TornadoDevice", "TornadoRuntime", "TornadoRuntimeProvider",
            // fields and constants
            "dims", "plan", "cached", "maps", "grids",
            // methods
            "load", "inputNames", "outputNames", "recordAttention", "forward", "step", "reset", "cachedPositions", "run",
            "close",
            // parameters and locals of the host code
            "weights", "inputs", "outputs", "graph", "built", "backend", "device", "index", "cacheLayer");

    /**
     * The parameters and locals of the attention kernels. These are static methods that read no
     * field, so only names from the file that appear inside them (repeat indices, as kernel
     * parameters) must stay clear of these.
     */
    public static final Set<String> KERNEL_NAMES = Set.of("context", "q", "k", "v", "out", "dims", "slopes", "item", "h", "t",
            "i", "j", "s", "d", "queries", "keys", "kvHead", "qAt", "kAt", "vAt", "outAt", "first", "last", "max", "sum", "norm",
            "p", "visible", "weight");
    private static final ClassName TASK_GRAPH = ClassName.get(API, "TaskGraph");
    private static final ClassName PLAN = ClassName.get(API, "TornadoExecutionPlan");
    private static final ClassName TRANSFER = ClassName.get(API + ".enums", "DataTransferMode");
    private static final ClassName GRID_SCHEDULER = ClassName.get(API, "GridScheduler");
    private static final ClassName WORKER_GRID_1D = ClassName.get(API, "WorkerGrid1D");
    private static final ClassName PLAN_EXCEPTION = ClassName.get(API + ".exceptions", "TornadoExecutionPlanException");
    private static final ClassName TENSOR = ClassName.get("dev.attnc.runtime", "Tensor");
    private static final ClassName RUNTIME_DTYPE = ClassName.get("dev.attnc.runtime", "DType");
    private static final ClassName MODEL = ClassName.get("dev.attnc.runtime", "Model");
    private static final ClassName INPUTS = ClassName.get("dev.attnc.runtime", "Inputs");
    private static final ClassName MAPS = ClassName.get("dev.attnc.runtime", "AttentionMaps");
    private static final ClassName POSITIONS = ClassName.get("dev.attnc.runtime.kernels", "Positions");
    private static final ClassName WEIGHT_SOURCE = ClassName.get("dev.attnc.runtime.weights", "WeightSource");
    private static final ClassName INIT = ClassName.get("dev.attnc.runtime.weights", "Init");
    private static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
    private static final ClassName LIST = ClassName.get("java.util", "List");
    private static final ClassName MAP = ClassName.get("java.util", "Map");
    private static final ClassName LINKED_HASH_MAP = ClassName.get("java.util", "LinkedHashMap");
    private static final TypeName TENSOR_MAP = ParameterizedTypeName.get(MAP, ClassName.get(String.class), TENSOR);

    /** What the writer needs beyond the graph. */
    public record Options(String packageName, String className, String sourceName, String description) {
    }

    private final CheckedModel model;
    private final Graph graph;
    private final BufferPlan plan;
    private final Options options;
    private final JavaNames names;
    private final List<String> runTimeDims;
    private final String graphName;
    private final Map<Integer, String> arrays = new HashMap<>();               // root node id to field
    private final Map<String, String> weightFields = new HashMap<>();           // "paramId/suffix" to field
    private final Map<Integer, String> cacheFields = new HashMap<>();
    private final Map<Integer, String> slopeFields = new HashMap<>();
    private final Map<String, String> maxFields = new HashMap<>(); // run-time dim to MAX_ constant
    private final Map<Integer, String> attentionKernels = new HashMap<>();
    private final Set<String> usedKernels = new LinkedHashSet<>();
    private final List<CodeBlock> tasks = new ArrayList<>();
    private final List<CodeBlock> grids = new ArrayList<>();
    private final Set<String> taskIds = new java.util.HashSet<>();
    private String lastComment = "";
    private final boolean stepping;
    private final TornadoLinearWriter linear;

    private TornadoModelWriter(CheckedModel model, Graph graph, BufferPlan plan, Options options) {
        this.model = model;
        this.graph = graph;
        this.plan = plan;
        this.options = options;
        this.runTimeDims = List.copyOf(model.dims().keySet());
        Set<String> generated = new java.util.HashSet<>(GENERATED_NAMES);
        generated.addAll(TornadoKernels.library().keySet());
        generated.addAll(TornadoLinearWriter.NAMES);
        generated.add(options.className());
        this.names = new JavaNames(generated);
        // The file's own names first, so that they keep their spelling wherever they can.
        model.constants().keySet().forEach(names::user);
        runTimeDims.forEach(names::user);
        graph.loops().forEach(loop -> names.user(loop.index(), KERNEL_NAMES));
        graph.params().forEach(param -> param.repeats().forEach(index -> names.user(index.name(), KERNEL_NAMES)));
        runTimeDims.forEach(dim -> maxFields.put(dim, names.unique("MAX_" + dim)));
        this.graphName = options.className().toLowerCase(Locale.ROOT);
        this.stepping = graph.nodes().stream().filter(n -> n.op() == Op.ATTENTION).allMatch(n -> n.attr("cache").equals("true"))
                && graph.nodes().stream().anyMatch(n -> n.op() == Op.ATTENTION) && runTimeDims.size() == 1;
        this.linear = new TornadoLinearWriter(graph, plan, TornadoLinearWriter.halfRequested());
    }

    public static JavaFile write(CheckedModel model, Graph graph, BufferPlan plan, Options options) {
        return new TornadoModelWriter(model, graph, plan, options).file();
    }

    private JavaFile file() {
        TypeSpec.Builder type = TypeSpec.classBuilder(options.className())
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .addSuperinterface(MODEL)
                .addAnnotation(AnnotationSpec.builder(GENERATED)
                        .addMember("value", "$S", "dev.attnc.compiler")
                        .addMember("comments", "$L", JavaText.stringLiteral("from " + options.sourceName() + ", TornadoVM backend"))
                        .build())
                .addJavadoc(classJavadoc());
        constants(type);
        fields(type);
        walk(graph.nodes(), new LinkedHashMap<>());
        type.addMethod(constructor());
        type.addMethod(MethodSpec.methodBuilder("load")
                .addJavadoc("Loads every weight, checking names and shapes, and builds the execution plan on TornadoVM's default device.\n")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(ClassName.get(options.packageName(), options.className()))
                .addParameter(WEIGHT_SOURCE, "weights")
                .addStatement("return new $L(weights, -1, -1)", options.className())
                .build());
        type.addMethod(MethodSpec.methodBuilder("load")
                .addJavadoc("As {@link #load(WeightSource)}, on device {@code device} of backend {@code backend}, as\n"
                        + "{@code tornado --devices} numbers them.\n")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(ClassName.get(options.packageName(), options.className()))
                .addParameter(WEIGHT_SOURCE, "weights")
                .addParameter(TypeName.INT, "backend")
                .addParameter(TypeName.INT, "device")
                .addStatement("return new $L(weights, backend, device)", options.className())
                .build());
        publicMethods(type);
        type.addMethod(run());
        linear.hostMethods().forEach(type::addMethod);
        Map<String, MethodSpec> library = TornadoKernels.library();
        library.putAll(TornadoLinearWriter.kernels());
        usedKernels.add("rows");
        for (Map.Entry<String, MethodSpec> kernel : library.entrySet()) {
            if (usedKernels.contains(kernel.getKey())) {
                type.addMethod(kernel.getValue());
            }
        }
        for (Node node : graph.nodes()) {
            if (node.op() == Op.ATTENTION) {
                type.addMethod(attentionKernel(node));
            }
        }
        return JavaFile.builder(options.packageName(), type.build()).skipJavaLangImports(true).indent("    ").build();
    }

    private CodeBlock classJavadoc() {
        CodeBlock.Builder doc = CodeBlock.builder();
        if (!options.description().isBlank()) {
            doc.add("$L\n\n", JavaText.javadoc(options.description().strip()));
        }
        doc.add("<p>Generated by attnc from <code>$L</code> for TornadoVM; edit the .attn file, not this one.\n", JavaText.javadoc(options.sourceName()));
        doc.add("One TaskGraph holds every step; weights go to the device on the first call and stay there,\n");
        doc.add("inputs go every call, intermediates never come back. Run-time dims travel in {@code dims}, so one\n");
        doc.add("compiled plan serves every length up to the maximum. Call {@link #close()} to free device memory.\n");
        doc.add("\n<p>Public methods are synchronized: one plan runs one call at a time.\n");
        return doc.build();
    }

    private void constants(TypeSpec.Builder type) {
        for (Map.Entry<String, Number> constant : model.constants().entrySet()) {
            Number value = constant.getValue();
            boolean whole = value instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE;
            type.addField(FieldSpec.builder(whole ? TypeName.INT : TypeName.DOUBLE, constant.getKey(),
                            Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                    .initializer("$L", whole ? value.toString() : Double.toString(value.doubleValue())).build());
        }
        for (String dim : runTimeDims) {
            type.addField(FieldSpec.builder(TypeName.INT, maxFields.get(dim), Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                    .addJavadoc("The largest $L this class accepts.\n", dim)
                    .initializer("$L", plan.maxDims().get(dim)).build());
        }
    }

    // ---------------------------------------------------------------- fields

    private void fields(TypeSpec.Builder type) {
        type.addField(FieldSpec.builder(INT_ARRAY, "dims", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("[position of the first row$L]: what changes between calls.\n",
                        runTimeDims.stream().map(d -> ", " + d).collect(Collectors.joining()))
                .initializer("new $T($L)", INT_ARRAY, runTimeDims.size() + 1).build());
        for (Param param : graph.params()) {
            boolean perLayer = !param.repeats().isEmpty();
            for (Map.Entry<String, TensorType> tensor : param.tensorsInOrder()) {
                String suffix = tensor.getKey();
                String field = names.unique(suffix.isEmpty() ? param.name() : param.name() + "_" + suffix);
                weightFields.put(param.id() + "/" + suffix, field);
                type.addField(FieldSpec.builder(linear.fieldType(param, suffix, perLayer), field,
                                Modifier.PRIVATE, Modifier.FINAL)
                        .addJavadoc("$L: $L $L from <code>\"$L\"</code>$L.\n", param.name(), param.kind(), tensor.getValue(),
                                JavaText.javadoc(param.tensorName(suffix)), perLayer ? ", one per layer" : "").build());
            }
        }
        for (Node node : graph.nodes()) {
            Layout layout = plan.layouts().get(node.id());
            if (layout == null || layout.storage() == Storage.WEIGHT || layout.isView(node) || node.op() == Op.OUTPUT) {
                continue;
            }
            String base = node.name().isEmpty()
                    ? node.attrs().containsKey("param") ? node.attr("param") + "_out" : node.op().spelling() + "_" + node.id()
                    : node.name();
            String field = names.unique(base);
            arrays.put(node.id(), field);
            boolean isInt = node.type().dtype() == DType.INT;
            long size = Math.max(1, size(node));
            type.addField(FieldSpec.builder(isInt ? INT_ARRAY : FLOAT_ARRAY, field, Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("$L: $L$L.\n", base, node.type(), node.op() == Op.INPUT ? ", sent every call" : "")
                    .initializer("new $T($L)", isInt ? INT_ARRAY : FLOAT_ARRAY, size).build());
        }
        for (Node node : graph.nodes()) {
            if (node.op() != Op.ATTENTION) {
                continue;
            }
            String base = node.name().isEmpty() ? "attention_" + node.id() : node.name();
            attentionKernels.put(node.id(), names.unique("attention_" + base));
            if (node.exprs().values().stream().anyMatch(TornadoModelWriter::usesAlibi)) {
                String field = names.unique(base + "_slopes");
                slopeFields.put(node.id(), field);
                type.addField(FieldSpec.builder(FLOAT_ARRAY, field, Modifier.PRIVATE, Modifier.FINAL)
                        .addJavadoc("ALiBi slopes of $L's $L heads (Press et al.).\n", base, node.attr("heads"))
                        .initializer("$T.fromArray($T.alibiSlopes($L))", FLOAT_ARRAY, POSITIONS, node.attr("heads")).build());
            }
            if (stepping) {
                String field = names.unique(base + "_cache");
                cacheFields.put(node.id(), field);
                long layers = layerCount(node);
                long keyWidth = node.input(1).type().last().constant().orElseThrow();
                long valueWidth = node.input(2).type().last().constant().orElseThrow();
                type.addField(FieldSpec.builder(ArrayTypeName.of(FLOAT_ARRAY), field, Modifier.PRIVATE, Modifier.FINAL)
                        .addJavadoc("Keys and values of $L for every position so far, one pair per layer: [$L, $L] and [$L, $L].\n",
                                base, maxFields.get(runTimeDims.get(0)), keyWidth, maxFields.get(runTimeDims.get(0)), valueWidth)
                        .initializer("new $T[$L]", FLOAT_ARRAY, 2 * layers).build());
            }
        }
        type.addField(FieldSpec.builder(PLAN, "plan", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Built once: TornadoVM compiles the kernels on the first call and reuses them.\n").build());
        if (stepping) {
            type.addField(FieldSpec.builder(TypeName.INT, "cached", Modifier.PRIVATE)
                    .addJavadoc("Positions in the KV caches.\n").build());
        }
    }


    private static boolean usesAlibi(Scalar scalar) {
        return switch (scalar) {
            case Scalar.Call c -> c.function().equals("alibi_slope") || c.args().stream().anyMatch(TornadoModelWriter::usesAlibi);
            case Scalar.Unary u -> usesAlibi(u.operand());
            case Scalar.Binary b -> usesAlibi(b.left()) || usesAlibi(b.right());
            case Scalar.Read r -> r.indices().stream().anyMatch(TornadoModelWriter::usesAlibi);
            default -> false;
        };
    }

    private long size(Node node) {
        long size = 1;
        for (Dim dim : node.type().shape()) {
            size *= max(dim);
        }
        return size;
    }

    private long max(Dim dim) {
        long value = 0;
        for (Map.Entry<String, Long> term : dim.terms().entrySet()) {
            long product = term.getValue();
            if (!term.getKey().isEmpty()) {
                for (String symbol : term.getKey().split("\\*")) {
                    product *= plan.maxDims().get(symbol);
                }
            }
            value += product;
        }
        return value;
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

    // ---------------------------------------------------------------- host: the task graph

    private MethodSpec constructor() {
        MethodSpec.Builder method = MethodSpec.constructorBuilder()
                .addModifiers(Modifier.PRIVATE)
                .addParameter(WEIGHT_SOURCE, "weights")
                .addParameter(TypeName.INT, "backend")
                .addParameter(TypeName.INT, "device");
        for (Param param : graph.params()) {
            for (Map.Entry<String, TensorType> tensor : param.tensorsInOrder()) {
                String field = weightFields.get(param.id() + "/" + tensor.getKey());
                CodeBlock load = linear.fromFloats(param, tensor.getKey(), load(param, tensor.getKey(), tensor.getValue()));
                if (param.repeats().isEmpty()) {
                    method.addStatement("$L = $L", field, load);
                    continue;
                }
                method.addStatement("$L = new $T[$L]", field, linear.arrayType(param, tensor.getKey()), param.copies());
                for (Param.LoopIndex index : param.repeats()) {
                    String variable = names.user(index.name());
                    method.beginControlFlow("for (int $L = 0; $L < $L; $L++)", variable, variable, index.count(), variable);
                }
                method.addStatement("$L[$L] = $L", field, flatIndex(param.repeats()), load);
                for (int n = 0; n < param.repeats().size(); n++) {
                    method.endControlFlow();
                }
            }
        }
        for (Map.Entry<Integer, String> cache : cacheFields.entrySet()) {
            Node node = graph.node(cache.getKey());
            long keyWidth = node.input(1).type().last().constant().orElseThrow();
            long valueWidth = node.input(2).type().last().constant().orElseThrow();
            method.beginControlFlow("for (int cacheLayer = 0; cacheLayer < $L; cacheLayer++)", layerCount(node));
            method.addStatement("$L[2 * cacheLayer] = new $T($L * $L)", cache.getValue(), FLOAT_ARRAY, maxFields.get(runTimeDims.get(0)), keyWidth);
            method.addStatement("$L[2 * cacheLayer + 1] = new $T($L * $L)", cache.getValue(), FLOAT_ARRAY, maxFields.get(runTimeDims.get(0)), valueWidth);
            method.endControlFlow();
        }
        method.addStatement("$T graph = new $T($S)", TASK_GRAPH, TASK_GRAPH, graphName);
        method.addComment("Weights and KV caches: sent once, kept on the device.");
        for (Param param : graph.params()) {
            for (String suffix : param.tensorsInOrder().stream().map(Map.Entry::getKey).toList()) {
                String field = weightFields.get(param.id() + "/" + suffix);
                method.addStatement("graph.transferToDevice($T.FIRST_EXECUTION, $L$L)", TRANSFER,
                        param.repeats().isEmpty() ? "" : "(Object[]) ", field);
            }
        }
        for (String field : slopeFields.values()) {
            method.addStatement("graph.transferToDevice($T.FIRST_EXECUTION, $L)", TRANSFER, field);
        }
        for (String field : cacheFields.values()) {
            method.addStatement("graph.transferToDevice($T.FIRST_EXECUTION, (Object[]) $L)", TRANSFER, field);
        }
        method.addComment("What changes every call: the run-time dims and the inputs.");
        String inputs = graph.inputs().stream().map(n -> arrays.get(n.id())).collect(Collectors.joining(", "));
        method.addStatement("graph.transferToDevice($T.EVERY_EXECUTION, dims$L)", TRANSFER, inputs.isEmpty() ? "" : ", " + inputs);
        for (CodeBlock task : tasks) {
            method.addCode(task);
        }
        Set<String> outputs = new LinkedHashSet<>();
        for (Node output : graph.outputs()) {
            outputs.add(arrays.get(plan.layout(output).root()));
        }
        method.addComment("Only the outputs come back.");
        method.addStatement("graph.transferToHost($T.EVERY_EXECUTION, $L)", TRANSFER, String.join(", ", outputs));
        method.addStatement("$T grids = new $T()", GRID_SCHEDULER, GRID_SCHEDULER);
        for (CodeBlock grid : grids) {
            method.addCode(grid);
        }
        method.addStatement("$T built = new $T(graph.snapshot()).withGridScheduler(grids)", PLAN, PLAN);
        method.addStatement("plan = backend < 0 ? built : built.withDevice($T.getDevice(backend, device))", PLAN);
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
        CodeBlock read = CodeBlock.of("weights.floats($L, new int[] {$L}, $T.$L)", checkpointName(param, suffix), dims, INIT, init);
        if (param.attrs().getOrDefault("transposed", "false").equals("true") && suffix.equals("weight")) {
            return CodeBlock.of("$T.transpose($L, $L, $L)", INPUTS, read, type.dim(0), type.dim(1));
        }
        return read;
    }

    private String checkpointName(Param param, String suffix) {
        String template = param.tensorName(suffix);
        List<String> parts = new ArrayList<>();
        int at = 0;
        while (at < template.length()) {
            int open = template.indexOf('{', at);
            if (open < 0) {
                parts.add(quote(template.substring(at)));
                break;
            }
            if (open > at) {
                parts.add(quote(template.substring(at, open)));
            }
            int close = template.indexOf('}', open);
            parts.add(names.user(template.substring(open + 1, close)));
            at = close + 1;
        }
        return parts.isEmpty() ? quote("") : String.join(" + ", parts);
    }

    private static String quote(String text) {
        return JavaText.stringLiteral(text);
    }

    private String flatIndex(List<Param.LoopIndex> layers) {
        String index = names.user(layers.get(0).name());
        for (int n = 1; n < layers.size(); n++) {
            index = "(" + index + ") * " + layers.get(n).count() + " + " + names.user(layers.get(n).name());
        }
        return index;
    }

    /** Emits tasks for nodes in order, unrolling each repeat into one copy of its body per layer. */
    private void walk(List<Node> nodes, Map<String, Long> layers) {
        int index = 0;
        while (index < nodes.size()) {
            Node node = nodes.get(index);
            Region repeat = firstRepeatOutside(node, layers);
            if (repeat == null) {
                emit(node, layers);
                index++;
                continue;
            }
            List<Node> body = new ArrayList<>();
            while (index < nodes.size() && nodes.get(index).regions().contains(repeat)) {
                body.add(nodes.get(index++));
            }
            Loop loop = graph.loop(repeat.id());
            for (Loop.Carry carry : loop.carries()) {
                copyTask("enter_" + carry.name(), graph.node(carry.entry()).input(0), graph.node(carry.entry()), layers);
            }
            for (long layer = 0; layer < loop.count(); layer++) {
                Map<String, Long> inner = new LinkedHashMap<>(layers);
                inner.put(loop.index(), layer);
                walk(body, inner);
                for (Loop.Carry carry : loop.carries()) {
                    if (carry.entry() != carry.exit()) {
                        copyTask("carry_" + carry.name(), graph.node(carry.exit()), graph.node(carry.entry()), inner);
                    }
                }
            }
        }
    }

    private Region firstRepeatOutside(Node node, Map<String, Long> layers) {
        for (Region region : node.regions()) {
            if (region.kind() == Region.Kind.REPEAT && !layers.containsKey(graph.loop(region.id()).index())) {
                return region;
            }
        }
        return null;
    }

    private String taskId(Node node, String base, Map<String, Long> layers) {
        StringBuilder id = new StringBuilder(base.replaceAll("[^A-Za-z0-9_]", "_"));
        layers.forEach((name, value) -> id.append('_').append(name).append(value));
        String candidate = id.toString();
        for (int n = 2; !taskIds.add(candidate); n++) {
            candidate = id + "_" + n;
        }
        return candidate;
    }

    private String task(Node node, String kernel, Map<String, Long> layers, String base, String args) {
        usedKernels.add(kernel);
        String id = taskId(node, base, layers);
        String comment = node.span() == null ? "" : JavaText.lineComment(node.span().file().lineText(node.span().line()).strip()
                + "    [" + fileName(node.span().file().name()) + ":" + node.span().line() + "]");
        CodeBlock.Builder code = CodeBlock.builder();
        if (!comment.isEmpty() && !comment.equals(lastComment)) {
            code.add("// $L\n", comment);
            lastComment = comment;
        }
        code.addStatement("graph.task($S, $L::$L, $L)", id, options.className(), kernel, args);
        tasks.add(code.build());
        if (kernel.equals("layerNorm") || kernel.equals("rmsNorm") || kernel.equals("softmax")) {
            long rows = kernel.equals("softmax") ? max(softmaxRows(node)) : max(node.type().dim(node.type().rank() == 1 ? 0 : 0));
            if (node.type().rank() == 1) {
                rows = 1;
            }
            grid(id, rows * ROW_GROUP, ROW_GROUP);
        }
        return id;
    }

    private Dim softmaxRows(Node node) {
        int axis = Integer.parseInt(node.attr("dim"));
        int rank = node.type().rank();
        return rank == 1 ? Dim.of(1) : node.type().dim(axis == rank - 1 ? rank - 2 : rank - 1);
    }

    private void grid(String taskId, long global, long local) {
        String name = "grid_" + taskId;
        grids.add(CodeBlock.builder()
                .addStatement("$T $L = new $T($L)", WORKER_GRID_1D, name, WORKER_GRID_1D, global)
                .addStatement("$L.setLocalWork($L, 1, 1)", name, local)
                .addStatement("grids.addWorkerGrid($S, $L)", graphName + "." + taskId, name)
                .build());
    }

    private static String fileName(String path) {
        return path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
    }

    /** One node's task(s). */
    private void emit(Node node, Map<String, Long> layers) {
        Map<String, String> a = node.attrs();
        String base = node.name().isEmpty() ? node.op().spelling() : node.name();
        switch (node.op()) {
            case INPUT, PARAM, OUTPUT, CARRY, SLICE, HEADS -> {
            }
            case MERGE_HEADS -> {
                if (!plan.layout(node).isView(node)) {
                    Node in = node.input(0);
                    task(node, "mergeHeads", layers, base, join(array(in, layers), at(in), stride(in, 0), stride(in, 1),
                            array(node, layers), at(node), stride(node, 0), "dims", sized(in.type().dim(1)),
                            in.type().dim(0).toString(), in.type().dim(2).toString()));
                }
            }
            case ARANGE -> task(node, "arange", layers, base, join(array(node, layers), at(node), "dims", sized(node.type().dim(0))));
            case SINUSOIDAL -> task(node, "sinusoidal", layers, base, join(array(node, layers), at(node), stride(node, 0), "dims",
                    sized(node.type().dim(0)), node.type().dim(1).toString(), floatLiteral(a.get("base"))));
            case EMBEDDING -> {
                Param param = graph.param(Integer.parseInt(a.get("param_id")));
                Node ids = node.input(0);
                task(node, "embedding", layers, base + "_" + param.name(), join(array(ids, layers), at(ids),
                        weight(param, "weight", layers), param.attrs().get("dim"), array(node, layers), at(node), stride(node, 0),
                        "dims", sized(ids.type().dim(0))));
            }
            case LINEAR -> {
                requireRank2(node);
                Param param = graph.param(Integer.parseInt(a.get("param_id")));
                boolean bias = param.tensors().containsKey("bias");
                Node in = node.input(0);
                Dim rows = node.type().dim(0);
                for (TornadoLinearWriter.Task linearTask : linear.tasks(new TornadoLinearWriter.Call(array(in, layers), at(in),
                        stride(in, 0), weight(param, "weight", layers), bias ? weight(param, "bias", layers) : null,
                        FUNCTIONS.get(a.getOrDefault("activation", "none")), array(node, layers), at(node), stride(node, 0),
                        rows(rows), max(rows), Long.parseLong(param.attrs().get("in")), Long.parseLong(param.attrs().get("out")),
                        linear.half(param, "weight")))) {
                    String id = task(node, linearTask.kernel(), layers, param.name() + linearTask.suffix(), linearTask.args());
                    grid(id, linearTask.groups() * linearTask.groupSize(), linearTask.groupSize());
                }
                usedKernels.add("apply");
                usedKernels.add("erf");
            }
            case LAYERNORM, RMSNORM -> {
                requireRank2(node);
                Param param = graph.param(Integer.parseInt(a.get("param_id")));
                Node in = node.input(0);
                String rows = rows(node.type().dim(0));
                if (node.op() == Op.LAYERNORM) {
                    boolean bias = param.tensors().containsKey("bias");
                    task(node, "layerNorm", layers, param.name(), join("new " + KERNEL_CONTEXT.simpleName() + "()", array(in, layers), at(in),
                            stride(in, 0), weight(param, "weight", layers), bias ? weight(param, "bias", layers) : weight(param, "weight", layers),
                            bias ? "1" : "0", array(node, layers), at(node), stride(node, 0), "dims", rows, param.attrs().get("dim"),
                            floatLiteral(param.attrs().get("eps"))));
                } else {
                    task(node, "rmsNorm", layers, param.name(), join("new " + KERNEL_CONTEXT.simpleName() + "()", array(in, layers), at(in),
                            stride(in, 0), weight(param, "weight", layers), floatLiteral(param.attrs().getOrDefault("weight_offset", "0")),
                            array(node, layers), at(node), stride(node, 0), "dims", rows, param.attrs().get("dim"),
                            floatLiteral(param.attrs().get("eps"))));
                }
            }
            case RELU, GELU, GELU_TANH, SILU, SIGMOID, TANH, EXP, LOG, SQRT, NEG -> map(node, node.op().spelling(), "0f", layers, base);
            case SOFTCAP -> map(node, "softcap", floatLiteral(a.get("cap")), layers, base);
            case ADD, SUB, MUL, DIV, SWIGLU -> {
                String op = node.op().spelling();
                if (a.containsKey("scalar")) {
                    boolean left = "left".equals(a.get("scalar_side"));
                    String function = switch (node.op()) {
                        case ADD -> "add_scalar";
                        case MUL -> "mul_scalar";
                        case SUB -> left ? "scalar_sub" : "sub_scalar";
                        default -> left ? "scalar_div" : "div_scalar";
                    };
                    map(node, function, floatLiteral(a.get("scalar")), layers, base);
                } else {
                    combine(node, op, layers, base);
                }
            }
            case SOFTMAX -> {
                if (node.type().rank() > 2) {
                    throw new CodegenException("softmax of a rank-3 tensor is not supported by the TornadoVM backend yet");
                }
                int axis = Integer.parseInt(a.get("dim"));
                int rank = node.type().rank();
                int other = rank == 1 ? -1 : axis == rank - 1 ? rank - 2 : rank - 1;
                Node in = node.input(0);
                task(node, "softmax", layers, base, join("new " + KERNEL_CONTEXT.simpleName() + "()", array(in, layers), at(in),
                        other < 0 ? "0" : stride(in, other), stride(in, axis), array(node, layers), at(node),
                        other < 0 ? "0" : stride(node, other), stride(node, axis), "dims",
                        other < 0 ? "1" : rows(node.type().dim(other)), rows(node.type().dim(axis))));
            }
            case MATMUL -> {
                if (node.type().rank() != 2) {
                    throw new CodegenException("a batched matrix product is not supported by the TornadoVM backend yet");
                }
                Node x = node.input(0);
                Node y = node.input(1);
                task(node, "matmul", layers, base, join(array(x, layers), at(x), stride(x, 0), stride(x, 1), array(y, layers), at(y),
                        stride(y, 0), stride(y, 1), array(node, layers), at(node), stride(node, 0), "dims",
                        sized(x.type().dim(0)), rows(x.type().dim(1)), sized(y.type().dim(1))));
            }
            case TRANSPOSE -> {
                if (node.type().rank() != 2) {
                    throw new CodegenException("transpose of a rank-3 tensor is not supported by the TornadoVM backend yet");
                }
                Node in = node.input(0);
                task(node, "copy", layers, base, join(array(in, layers), at(in), stride(in, 1), stride(in, 0), array(node, layers),
                        at(node), stride(node, 0), stride(node, 1), "dims", sized(node.type().dim(0)), sized(node.type().dim(1))));
            }
            case CONCAT -> {
                int axis = Integer.parseInt(a.get("dim"));
                if (node.type().rank() != 2) {
                    throw new CodegenException("concat of rank-" + node.type().rank() + " tensors is not supported by the TornadoVM backend yet");
                }
                long offset = 0;
                for (Node part : node.inputs()) {
                    Dim along = part.type().dim(axis);
                    if (along.constant().isEmpty() && part != node.inputs().get(node.inputs().size() - 1)) {
                        throw new CodegenException("concat at a run-time offset is not supported by the TornadoVM backend yet");
                    }
                    String target = at(node) + " + " + offset * plan.layout(node).stride(axis);
                    task(node, "copy", layers, base, join(array(part, layers), at(part), stride(part, 0), stride(part, 1),
                            array(node, layers), target, stride(node, 0), stride(node, 1), "dims", sized(part.type().dim(0)),
                            sized(part.type().dim(1))));
                    offset += along.constant().orElse(0L);
                }
            }
            case ROPE -> {
                requireRank2(node);
                Node in = node.input(0);
                long width = node.type().last().constant().orElseThrow();
                long heads = Long.parseLong(a.get("heads"));
                task(node, "rope", layers, base, join(array(in, layers), at(in), stride(in, 0), array(node, layers), at(node),
                        stride(node, 0), "dims", sized(node.type().dim(0)), Long.toString(heads), Long.toString(width / heads),
                        a.get("rotary_dim"), a.get("layout").equals("interleaved") ? "1" : "0", floatLiteral(a.get("base"))));
            }
            case ATTENTION -> attentionTasks(node, layers);
            case COPY -> copyTask(base, node.input(0), node, layers);
            default -> throw new CodegenException("the TornadoVM backend cannot compute " + node.op().spelling() + " yet");
        }
    }

    private void map(Node node, String function, String number, Map<String, Long> layers, String base) {
        requireAtMostRank2(node);
        Node in = node.input(0);
        int rank = node.type().rank();
        task(node, "map", layers, base, join(array(in, layers), at(in), rank == 2 ? stride(in, 0) : "0", rank == 0 ? "0" : stride(in, -1),
                Integer.toString(FUNCTIONS.get(function)), number, array(node, layers), at(node), rank == 2 ? stride(node, 0) : "0",
                "dims", rank == 2 ? sized(node.type().dim(0)) : "1, 1", rank == 0 ? "1, 1" : sized(node.type().last())));
        usedKernels.add("apply");
        usedKernels.add("erf");
    }

    private void combine(Node node, String op, Map<String, Long> layers, String base) {
        requireAtMostRank2(node);
        int rank = node.type().rank();
        List<String> operands = new ArrayList<>();
        for (Node input : node.inputs()) {
            int shift = rank - input.type().rank();
            String[] strides = new String[2];
            for (int axis = Math.max(0, rank - 2); axis < rank; axis++) {
                int inputAxis = axis - shift;
                boolean broadcast = inputAxis < 0 || input.type().shape().get(inputAxis).equals(Dim.of(1))
                        && !node.type().shape().get(axis).equals(Dim.of(1));
                strides[axis - (rank - 2) + (rank < 2 ? 2 - rank : 0) - (rank < 2 ? 0 : 0)] = broadcast ? "0"
                        : Long.toString(plan.layout(input).stride(inputAxis));
            }
            String rowStride = rank == 2 ? strides[0] : "0";
            String colStride = rank == 0 ? "0" : rank == 1 ? strides[1] == null ? strides[0] : strides[1] : strides[1];
            operands.add(join(array(input, layers), at(input), rowStride, colStride == null ? "0" : colStride));
        }
        task(node, "combine", layers, base, join(operands.get(0), operands.get(1), Integer.toString(FUNCTIONS.get(op)),
                array(node, layers), at(node), rank == 2 ? stride(node, 0) : "0", "dims", rank == 2 ? sized(node.type().dim(0)) : "1, 1",
                rank == 0 ? "1, 1" : sized(node.type().last())));
        usedKernels.add("apply");
        usedKernels.add("erf");
    }

    private void copyTask(String base, Node from, Node to, Map<String, Long> layers) {
        requireAtMostRank2(to);
        int rank = to.type().rank();
        task(to, "copy", layers, base, join(array(from, layers), at(from), rank == 2 ? stride(from, 0) : "0",
                rank == 0 ? "0" : stride(from, -1), array(to, layers), at(to), rank == 2 ? stride(to, 0) : "0",
                rank == 0 ? "0" : stride(to, -1), "dims", rank == 2 ? sized(to.type().dim(0)) : "1, 1",
                rank == 0 ? "1, 1" : sized(to.type().last())));
    }

    private void requireRank2(Node node) {
        if (node.type().rank() != 2) {
            throw new CodegenException(node.op().spelling() + " of a rank-" + node.type().rank()
                    + " tensor is not supported by the TornadoVM backend yet");
        }
    }

    private void requireAtMostRank2(Node node) {
        if (node.type().rank() > 2) {
            throw new CodegenException(node.op().spelling() + " of a rank-" + node.type().rank()
                    + " tensor is not supported by the TornadoVM backend yet");
        }
    }

    private static String join(String... parts) {
        return String.join(", ", parts);
    }

    /** The rows argument: a constant, or -(index + 1) of a run-time dim in {@code dims}. */
    /**
     * A size for a {@code @Parallel} kernel: {@link #rows} and then its largest value, the loop
     * bound. TornadoVM bakes scalar arguments into the kernel, so a bound given as one lets it
     * map the loop onto work-items; the kernel skips the iterations past the run-time size.
     */
    private String sized(Dim dim) {
        return rows(dim) + ", " + max(dim);
    }

    private String rows(Dim dim) {
        if (dim.constant().isPresent()) {
            return dim.constant().get().toString();
        }
        if (dim.symbols().size() == 1 && dim.equals(Dim.symbol(dim.symbols().get(0)))) {
            return Integer.toString(-(runTimeDims.indexOf(dim.symbols().get(0)) + 2));
        }
        throw new CodegenException("a computed run-time size (" + dim + ") is not supported by the TornadoVM backend yet");
    }

    private String array(Node value, Map<String, Long> layers) {
        Layout layout = plan.layout(value);
        if (layout.storage() == Storage.WEIGHT) {
            return weight(graph.param(layout.param()), "", layers);
        }
        return arrays.get(layout.root());
    }

    private String at(Node value) {
        Layout layout = plan.layout(value);
        if (layout.storage() == Storage.WEIGHT) {
            return Long.toString(layout.offset());
        }
        return Long.toString(layout.offset() - plan.layouts().get(layout.root()).offset());
    }

    private String stride(Node value, int axis) {
        return Long.toString(plan.layout(value).stride(axis));
    }

    private String weight(Param param, String suffix, Map<String, Long> layers) {
        String field = weightFields.get(param.id() + "/" + suffix);
        if (param.repeats().isEmpty()) {
            return field;
        }
        long index = 0;
        for (Param.LoopIndex loop : param.repeats()) {
            index = index * loop.count() + layers.get(loop.name());
        }
        return field + "[" + index + "]";
    }

    private static String floatLiteral(String number) {
        String text = Float.toString(Float.parseFloat(number));
        return (text.endsWith(".0") ? text.substring(0, text.length() - 2) : text) + "f";
    }

    // ---------------------------------------------------------------- attention

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

    private void attentionTasks(Node node, Map<String, Long> layers) {
        Node k = node.input(1);
        Node v = node.input(2);
        String base = node.name().isEmpty() ? "attention" : node.name();
        List<String> args = new ArrayList<>();
        args.add("new " + KERNEL_CONTEXT.simpleName() + "()");
        args.add(array(node.input(0), layers));
        if (cacheFields.containsKey(node.id())) {
            long layer = flatLayer(node, layers);
            String keys = cacheFields.get(node.id()) + "[" + 2 * layer + "]";
            String values = cacheFields.get(node.id()) + "[" + (2 * layer + 1) + "]";
            String rows = sized(k.type().dim(0));
            task(node, "append", layers, base + "_keys", join(array(k, layers), at(k), stride(k, 0), keys, "0",
                    k.type().last().toString(), "dims", rows));
            task(node, "append", layers, base + "_values", join(array(v, layers), at(v), stride(v, 0), values, "0",
                    v.type().last().toString(), "dims", rows));
            args.add(keys);
            args.add(values);
        } else {
            args.add(array(k, layers));
            args.add(array(v, layers));
        }
        args.add(array(node, layers));
        args.add("dims");
        for (int input = 3; input < node.inputs().size(); input++) {
            args.add(array(node.input(input), layers));
        }
        if (slopeFields.containsKey(node.id())) {
            args.add(slopeFields.get(node.id()));
        }
        if (!loopNames(node).isEmpty()) {
            for (String loop : loopNames(node)) {
                args.add(Long.toString(layers.get(loop)));
            }
        }
        String kernel = attentionKernels.get(node.id());
        String id = taskId(node, base, layers);
        String comment = node.span() == null ? "" : JavaText.lineComment(node.span().file().lineText(node.span().line()).strip()
                + "    [" + fileName(node.span().file().name()) + ":" + node.span().line() + "]");
        CodeBlock.Builder code = CodeBlock.builder();
        if (!comment.equals(lastComment)) {
            code.add("// $L\n", comment);
            lastComment = comment;
        }
        tasks.add(code.addStatement("graph.task($S, $L::$L, $L)", id, options.className(), kernel, String.join(", ", args)).build());
        long heads = Long.parseLong(node.attr("heads"));
        long items = heads * max(node.input(0).type().dim(0));
        long global = (items + ATTENTION_GROUP - 1) / ATTENTION_GROUP * ATTENTION_GROUP;
        grid(id, global, ATTENTION_GROUP);
        if (args.size() > 16) {
            throw new CodegenException("attention " + base + " reads too many tensors for one TornadoVM task");
        }
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

    /** One work-item per (head, query): an online softmax over the keys the query may see, accumulated in the output row. */
    private MethodSpec attentionKernel(Node node) {
        Node q = node.input(0);
        Node k = node.input(1);
        Node v = node.input(2);
        boolean cached = cacheFields.containsKey(node.id());
        long heads = Long.parseLong(node.attr("heads"));
        long kvHeads = Long.parseLong(node.attr("kv_heads"));
        long headDim = Long.parseLong(node.attr("head_dim"));
        long valueHead = v.type().last().constant().orElseThrow() / kvHeads;
        long maxQueries = max(q.type().dim(0));
        long keyRow = cached ? k.type().last().constant().orElseThrow() : plan.layout(k).stride(0);
        long valueRow = cached ? v.type().last().constant().orElseThrow() : plan.layout(v).stride(0);
        String keyAt = cached ? "0" : at(k);
        String valueAt = cached ? "0" : at(v);
        MethodSpec.Builder method = MethodSpec.methodBuilder(attentionKernels.get(node.id()))
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .addJavadoc("$L\n\n<p>One work-item per head and query; scores are never stored (online softmax).\n",
                        sourceText(node))
                .addParameter(KERNEL_CONTEXT, "context")
                .addParameter(FLOAT_ARRAY, "q")
                .addParameter(FLOAT_ARRAY, "k")
                .addParameter(FLOAT_ARRAY, "v")
                .addParameter(FLOAT_ARRAY, "out")
                .addParameter(INT_ARRAY, "dims");
        List<String> readNames = new ArrayList<>();
        for (int input = 3; input < node.inputs().size(); input++) {
            Node read = node.input(input);
            String name = "read" + (input - 3);
            readNames.add(name);
            method.addParameter(read.type().dtype() == DType.INT ? INT_ARRAY : FLOAT_ARRAY, name);
        }
        if (slopeFields.containsKey(node.id())) {
            method.addParameter(FLOAT_ARRAY, "slopes");
        }
        for (String loop : loopNames(node)) {
            method.addParameter(TypeName.INT, names.user(loop));
        }
        ScalarWriter writer = new ScalarWriter(name -> variable(name), read -> {
            Node tensor = node.input(read.input());
            StringBuilder index = new StringBuilder(at(tensor));
            for (int axis = 0; axis < read.indices().size(); axis++) {
                // Only indices proved inside their axis: a kernel cannot throw (ScalarWriter.index refuses the rest).
                String value = new ScalarWriter(this::variable, r -> {
                    throw new CodegenException("an index that reads a tensor is not supported yet");
                }, "slopes.get(#)", true).index(read, axis, tensor.type().dim(axis).toString(), cached);
                index.append(" + ").append(ScalarWriter.paren(value)).append(" * ").append(plan.layout(tensor).stride(axis));
            }
            return readNames.get(read.input() - 3) + ".get(" + index + ")";
        }, "slopes.get(#)", true);
        MaskBounds bounds = MaskBounds.of(node.exprs().get("mask"));
        String queries = rowsExpression(q.type().dim(0));
        String keys = cached ? "dims.get(0) + " + queries : rowsExpression(k.type().dim(0));
        CodeBlock.Builder body = CodeBlock.builder();
        body.addStatement("int item = context.globalIdx");
        body.addStatement("int h = item / $L", maxQueries);
        body.addStatement("int t = item % $L", maxQueries);
        body.addStatement("int queries = $L", queries);
        body.beginControlFlow("if (h < $L && t < queries)", heads);
        body.addStatement("int keys = $L", keys);
        body.addStatement("int i = dims.get(0) + t");
        body.addStatement("int kvHead = h / $L", heads / kvHeads);
        body.addStatement("int qAt = $L + t * $L + h * $L", at(q), plan.layout(q).stride(0), headDim);
        body.addStatement("int outAt = $L + t * $L + h * $L", at(node), plan.layout(node).stride(0), valueHead);
        String first = bounds.firsts().stream().map(b -> writer.write(b).text()).reduce("0", (x, y) -> "TornadoMath.max(" + x + ", " + y + ")");
        String last = bounds.ends().stream().map(b -> writer.write(b).text()).reduce("keys", (x, y) -> "TornadoMath.min(" + x + ", " + y + ")");
        body.add(TornadoKernels.code("int first = " + first + ";\nint last = " + last + ";\n"));
        body.addStatement("float max = -3.4028235E38f");
        body.addStatement("float sum = 0");
        body.beginControlFlow("for (int d = 0; d < $L; d++)", valueHead);
        body.addStatement("out.set(outAt + d, 0)");
        body.endControlFlow();
        body.beginControlFlow("for (int j = first; j < last; j++)");
        Scalar rest = bounds.rest();
        body.add(TornadoKernels.code("boolean visible = " + (rest == null ? "true" : writer.write(rest).text()) + ";\n"));
        body.beginControlFlow("if (visible)");
        body.addStatement("int kAt = $L + j * $L + kvHead * $L", keyAt, keyRow, headDim);
        body.addStatement("float s = 0");
        body.beginControlFlow("for (int d = 0; d < $L; d++)", headDim);
        body.addStatement("s += q.get(qAt + d) * k.get(kAt + d)");
        body.endControlFlow();
        body.addStatement("s *= $L", floatLiteral(node.attr("scale")));
        if (node.exprs().containsKey("score")) {
            body.add("// score $L\n", JavaText.lineComment(node.attr("score")));
            body.add(TornadoKernels.code("s = " + writer.asFloat(node.exprs().get("score")) + ";\n"));
        }
        if (node.attrs().containsKey("softcap")) {
            String cap = floatLiteral(node.attr("softcap"));
            body.add(TornadoKernels.code("s = " + cap + " * TornadoMath.tanh(s / " + cap + ");\n"));
        }
        if (node.attrs().containsKey("temperature")) {
            body.addStatement("s /= $L", floatLiteral(node.attr("temperature")));
        }
        body.beginControlFlow("if (s > max)");
        body.add(TornadoKernels.code("float rescale = TornadoMath.exp(max - s);\n"));
        body.addStatement("sum *= rescale");
        body.beginControlFlow("for (int d = 0; d < $L; d++)", valueHead);
        body.addStatement("out.set(outAt + d, out.get(outAt + d) * rescale)");
        body.endControlFlow();
        body.addStatement("max = s");
        body.endControlFlow();
        body.add(TornadoKernels.code("float p = TornadoMath.exp(s - max);\n"));
        body.addStatement("sum += p");
        body.addStatement("int vAt = $L + j * $L + kvHead * $L", valueAt, valueRow, valueHead);
        body.beginControlFlow("for (int d = 0; d < $L; d++)", valueHead);
        body.addStatement("out.set(outAt + d, out.get(outAt + d) + p * v.get(vAt + d))");
        body.endControlFlow();
        body.endControlFlow();
        body.endControlFlow();
        body.add("// A query that sees no key at all gets zeros.\n");
        body.addStatement("float norm = sum > 0 ? 1.0f / sum : 0.0f");
        body.beginControlFlow("for (int d = 0; d < $L; d++)", valueHead);
        body.addStatement("out.set(outAt + d, out.get(outAt + d) * norm)");
        body.endControlFlow();
        body.endControlFlow();
        return method.addCode(body.build()).build();
    }

    /** A variable of a clause: run-time dims from {@code dims}, i, j, h and s as they are, repeat indices by their Java names. */
    private String variable(String name) {
        int dim = runTimeDims.indexOf(name);
        return dim >= 0 ? "dims.get(" + (dim + 1) + ")" : ScalarWriter.LOOP_VARIABLES.contains(name) ? name : names.user(name);
    }

    private String rowsExpression(Dim dim) {
        String rows = rows(dim);
        int value = Integer.parseInt(rows);
        return value >= 0 ? rows : "dims.get(" + (-value - 1) + ")";
    }

    private static String sourceText(Node node) {
        if (node.span() == null) {
            return node.op().spelling();
        }
        String first = node.span().file().text().substring(node.span().start(), node.span().end()).split("\n")[0].strip();
        return "<code>" + JavaText.javadoc(first) + "</code>    [" + JavaText.javadoc(fileName(node.span().file().name())) + ":"
                + node.span().line() + "]";
    }

    // ---------------------------------------------------------------- the public surface

    private void publicMethods(TypeSpec.Builder type) {
        type.addMethod(MethodSpec.methodBuilder("inputNames").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(ParameterizedTypeName.get(LIST, ClassName.get(String.class)))
                .addStatement("return $T.of($L)", LIST, graph.inputs().stream().map(n -> quote(n.attr("name"))).collect(Collectors.joining(", ")))
                .build());
        type.addMethod(MethodSpec.methodBuilder("outputNames").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(ParameterizedTypeName.get(LIST, ClassName.get(String.class)))
                .addStatement("return $T.of($L)", LIST, graph.outputs().stream().map(n -> quote(n.attr("name"))).collect(Collectors.joining(", ")))
                .build());
        type.addMethod(MethodSpec.methodBuilder("recordAttention").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addJavadoc("Attention maps are not recorded on the device; use the JVM backend to look at them.\n")
                .addParameter(MAPS, "maps")
                .beginControlFlow("if (maps != null)")
                .addStatement("throw new $T($S)", UnsupportedOperationException.class,
                        "attention maps are recorded by the JVM backend only; compile with --backend jvm")
                .endControlFlow()
                .build());
        MethodSpec.Builder forward = MethodSpec.methodBuilder("forward").addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED).returns(TENSOR_MAP).addParameter(TENSOR_MAP, "inputs");
        if (stepping) {
            forward.addStatement("cached = 0");
        }
        type.addMethod(forward.addStatement("return run(inputs)").build());
        if (stepping) {
            type.addMethod(MethodSpec.methodBuilder("step")
                    .addJavadoc("Decodes the next positions with the KV caches, as the JVM backend's {@code step}.\n")
                    .addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED).returns(TENSOR_MAP).addParameter(TENSOR_MAP, "inputs")
                    .addStatement("return run(inputs)").build());
            type.addMethod(MethodSpec.methodBuilder("reset").addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                    .addStatement("cached = 0").build());
            type.addMethod(MethodSpec.methodBuilder("cachedPositions").addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                    .returns(TypeName.INT).addStatement("return cached").build());
        }
        type.addMethod(MethodSpec.methodBuilder("close").addAnnotation(Override.class)
                .addJavadoc("Frees the plan's device memory.\n")
                .addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                .beginControlFlow("try")
                .addStatement("plan.close()")
                .nextControlFlow("catch ($T e)", PLAN_EXCEPTION)
                .addStatement("throw new $T($S, e)", IllegalStateException.class, "TornadoVM could not free the plan")
                .endControlFlow()
                .build());
    }

    private MethodSpec run() {
        MethodSpec.Builder method = MethodSpec.methodBuilder("run").addModifiers(Modifier.PRIVATE)
                .returns(TENSOR_MAP).addParameter(TENSOR_MAP, "inputs");
        Map<Node, String> locals = new LinkedHashMap<>();
        for (Node input : graph.inputs()) {
            String name = names.unique(input.attr("name") + "_input");
            locals.put(input, name);
            method.addStatement("$T $L = $T.get(inputs, $S, $T.$L, $L, $S)", TENSOR, name, INPUTS, input.attr("name"), RUNTIME_DTYPE,
                    input.type().dtype() == DType.INT ? "I32" : "F32", input.type().rank(), input.type().toString());
        }
        for (String dim : runTimeDims) {
            method.addStatement("int $L = -1", names.user(dim));
        }
        Set<String> bound = new java.util.HashSet<>();
        for (Map.Entry<Node, String> input : locals.entrySet()) {
            TensorType type = input.getKey().type();
            for (int axis = 0; axis < type.rank(); axis++) {
                Dim dim = type.shape().get(axis);
                if (dim.constant().isPresent()) {
                    method.addStatement("$T.expectDim($S, $S, $L, $L, $L)", INPUTS, input.getKey().attr("name"), type.toString(),
                            input.getValue(), axis, dim.constant().get());
                } else if (axis == 0 && dim.equals(Dim.symbol(dim.toString()))) {
                    method.addStatement("$L = $T.bind($S, $L, $S, $L, 0)", names.dim(dim), INPUTS, dim.toString(), names.dim(dim),
                            input.getKey().attr("name"), input.getValue());
                    bound.add(dim.toString());
                } else {
                    throw new CodegenException("input `" + input.getKey().attr("name") + "` has a run-time dim after the first;"
                            + " the TornadoVM backend takes inputs shaped [T, ...] only");
                }
            }
        }
        for (String dim : runTimeDims) {
            if (!bound.contains(dim)) {
                throw new CodegenException("run-time dim " + dim + " is not the size of any input, so a call cannot set it");
            }
            if (stepping) {
                method.addStatement("$T.checkCache($S, $L, cached, $L)", INPUTS, dim, names.user(dim), maxFields.get(dim));
            } else {
                method.addStatement("$T.checkRange($S, $L, $L)", INPUTS, dim, names.user(dim), maxFields.get(dim));
            }
        }
        method.addStatement("dims.set(0, $L)", stepping ? "cached" : "0");
        for (int index = 0; index < runTimeDims.size(); index++) {
            method.addStatement("dims.set($L, $L)", index + 1, names.user(runTimeDims.get(index)));
        }
        for (Map.Entry<Node, String> input : locals.entrySet()) {
            Node node = input.getKey();
            boolean isInt = node.type().dtype() == DType.INT;
            String data = isInt ? "intData()" : "floatData()";
            String values = names.unique(input.getKey().attr("name") + "_data");
            method.addStatement("$L[] $L = $L.$L", isInt ? "int" : "float", values, input.getValue(), data);
            method.beginControlFlow("for (int index = 0; index < $L.length; index++)", values);
            method.addStatement("$L.set(index, $L[index])", arrays.get(node.id()), values);
            method.endControlFlow();
        }
        for (Node node : graph.nodes()) {
            if (node.op() == Op.EMBEDDING && node.input(0).op() == Op.INPUT && node.input(0).type().rank() == 1) {
                Param param = graph.param(Integer.parseInt(node.attr("param_id")));
                method.addStatement("$T.checkIds($S, $L.intData(), 0, $L, $L)", INPUTS, node.input(0).attr("name"),
                        locals.get(node.input(0)), names.dim(node.input(0).type().dim(0)), param.attrs().get("count"));
            }
        }
        method.addStatement("plan.execute()");
        if (stepping) {
            method.addStatement("cached += $L", names.user(runTimeDims.get(0)));
        }
        method.addStatement("$T outputs = new $T<>()", TENSOR_MAP, LINKED_HASH_MAP);
        for (Node output : graph.outputs()) {
            Layout layout = plan.layout(output);
            String shape = output.type().shape().stream().map(Dim::toString).collect(Collectors.joining(", "));
            String strides = layout.strides().stream().map(String::valueOf).collect(Collectors.joining(", "));
            method.addStatement("outputs.put($S, $T.output($L.toHeapArray(), $L, new int[] {$L}$L))", output.attr("name"), INPUTS,
                    arrays.get(layout.root()), at(output), strides, shape.isEmpty() ? "" : ", " + shape);
        }
        method.addStatement("return outputs");
        return method.build();
    }
}
