package dev.attnc.compiler.codegen.tornadovm;

import static dev.attnc.compiler.codegen.tornadovm.TornadoKernels.FEATURE_GROUP;
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
import dev.attnc.compiler.codegen.jvm.JvmModelWriter;
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
 * device, outputs brought back) and one TornadoExecutionPlan, reused by every call. A model
 * with more tasks than a TornadoVM 5.2 graph holds gets several graphs in that plan, cut at
 * layer boundaries (see {@link TaskGraphSplit}), passing buffers on the device. Repeats
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
            "DataTransferMode", "GridScheduler", "WorkerGrid1D", "WorkerGrid2D", "TornadoExecutionPlanException", "FloatArray",
            "IntArray", "KernelContext", "Parallel", "TornadoMath", "TornadoDevice", "TornadoRuntime", "TornadoRuntimeProvider",
            "PositionTables", "TornadoExecutionResult", "DataRange", "Decoder",
            // fields and constants
            "dims", "plan", "cached", "maps", "grids",
            // methods
            "load", "inputNames", "outputNames", "recordAttention", "forward", "step", "reset", "cachedPositions", "run",
            "close", "resize", "maxPositions", "firstHeld", "heldOrZeros",
            // parameters and locals of the host code
            "weights", "inputs", "outputs", "result", "graph", "built", "backend", "device", "index", "cacheLayer", "grid", "width", "local", "rows");

    /**
     * The parameters and locals of the attention kernels. These are static methods that read no
     * field, so only names from the file that appear inside them (repeat indices, as kernel
     * parameters) must stay clear of these.
     */
    public static final Set<String> KERNEL_NAMES = TornadoAttentionWriter.KERNEL_NAMES;
    private static final ClassName TASK_GRAPH = ClassName.get(API, "TaskGraph");
    private static final ClassName PLAN = ClassName.get(API, "TornadoExecutionPlan");
    private static final ClassName EXECUTION_RESULT = ClassName.get(API, "TornadoExecutionResult");
    private static final ClassName DATA_RANGE = ClassName.get(API, "DataRange");
    private static final ClassName TRANSFER = ClassName.get(API + ".enums", "DataTransferMode");
    private static final ClassName GRID_SCHEDULER = ClassName.get(API, "GridScheduler");
    private static final ClassName WORKER_GRID_1D = ClassName.get(API, "WorkerGrid1D");
    private static final ClassName WORKER_GRID_2D = ClassName.get(API, "WorkerGrid2D");
    private static final ClassName POSITION_TABLES = ClassName.get("dev.attnc.runtime.tornado", "PositionTables");
    private static final ClassName PLAN_EXCEPTION = ClassName.get(API + ".exceptions", "TornadoExecutionPlanException");
    private static final ClassName TENSOR = ClassName.get("dev.attnc.runtime", "Tensor");
    private static final ClassName RUNTIME_DTYPE = ClassName.get("dev.attnc.runtime", "DType");
    private static final ClassName MODEL = ClassName.get("dev.attnc.runtime", "Model");
    private static final ClassName DECODER = ClassName.get("dev.attnc.runtime", "Decoder");
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
    private final TornadoAttentionWriter attention;
    private final Set<String> usedKernels = new LinkedHashSet<>();
    private final List<EmittedTask> tasks = new ArrayList<>();
    private final List<GridUse> grids = new ArrayList<>();
    private final Map<String, LaunchGrid> launchGrids = new LinkedHashMap<>();  // shape to grid, shared by its tasks
    private final Map<String, LinearGrid> linearGrids = new LinkedHashMap<>();  // rows and outputs to grid, shared likewise
    private final List<Dim> computedSizes = new ArrayList<>();                   // in dims after the run-time dims
    private final Map<String, String> positionTables = new LinkedHashMap<>();    // table key to field
    private final List<FieldSpec> tableFields = new ArrayList<>();
    private final List<CodeBlock> tableLoads = new ArrayList<>();
    private final Map<Node, Long> checkedPositions = new LinkedHashMap<>();       // rope positions input to its tables' rows
    private final Set<String> taskIds = new java.util.HashSet<>();
    private final Map<String, String> graphOfTask = new HashMap<>();            // task id to its graph's name
    private Set<String> deviceFields = Set.of();                                // fields holding device arrays
    private int graphCount = 1;
    private final boolean stepping;
    private final TornadoLinearWriter linear;
    private final TensorMathTasks tensorMath = new TensorMathTasks(new TensorMathTasks.Host() {
        @Override
        public String task(Node node, String kernel, Map<String, Long> layers, String base, String args) {
            return TornadoModelWriter.this.task(node, kernel, layers, base, args);
        }

        @Override
        public void featureGrid(String taskId, Dim width, Dim rows) {
            TornadoModelWriter.this.featureGrid(taskId, width, rows);
        }

        @Override
        public String array(Node value, Map<String, Long> layers) {
            return TornadoModelWriter.this.array(value, layers);
        }

        @Override
        public String at(Node value) {
            return TornadoModelWriter.this.at(value);
        }

        @Override
        public long stride(Node value, int axis) {
            return plan.layout(value).stride(axis);
        }

        @Override
        public String rows(Dim dim) {
            return TornadoModelWriter.this.rows(dim);
        }

        @Override
        public long largest(Dim dim) {
            return TornadoModelWriter.this.max(dim);
        }

        @Override
        public String unique(String name) {
            return names.unique(name);
        }

        @Override
        public void use(String kernel) {
            usedKernels.add(kernel);
        }
    });

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
        this.attention = new TornadoAttentionWriter(graph, plan, new TornadoAttentionWriter.Host() {
            @Override
            public String array(Node value, Map<String, Long> layers) {
                return TornadoModelWriter.this.array(value, layers);
            }

            @Override
            public String at(Node value) {
                return TornadoModelWriter.this.at(value);
            }

            @Override
            public long max(Dim dim) {
                return TornadoModelWriter.this.max(dim);
            }

            @Override
            public String rows(Dim dim) {
                return TornadoModelWriter.this.rows(dim);
            }

            @Override
            public String sized(Dim dim) {
                return TornadoModelWriter.this.sized(dim);
            }

            @Override
            public String task(Node node, String kernel, Map<String, Long> layers, String base, String args) {
                return TornadoModelWriter.this.task(node, kernel, layers, base, args);
            }

            @Override
            public void grid(String taskId, long global, long local) {
                TornadoModelWriter.this.grid(taskId, global, local);
            }

            @Override
            public String user(String name) {
                return names.user(name);
            }

            @Override
            public String unique(String base) {
                return names.unique(base);
            }

            @Override
            public void appendTask(Node node, Map<String, Long> layers, String base, Node from, String cache) {
                TornadoModelWriter.this.appendTask(node, layers, base, from, cache);
            }

            @Override
            public List<String> runTimeDims() {
                return runTimeDims;
            }
        }, cacheFields, slopeFields, attentionKernels);
        this.linear = new TornadoLinearWriter(graph, plan, TornadoLinearWriter.halfRequested());
    }

    public static JavaFile write(CheckedModel model, Graph graph, BufferPlan plan, Options options) {
        return new TornadoModelWriter(model, graph, plan, options).file();
    }

    private JavaFile file() {
        TypeSpec.Builder type = TypeSpec.classBuilder(options.className())
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .addSuperinterface(decodes() ? DECODER : MODEL)
                .addAnnotation(AnnotationSpec.builder(GENERATED)
                        .addMember("value", "$S", "dev.attnc.compiler")
                        .addMember("comments", "$L", JavaText.stringLiteral("from " + options.sourceName() + ", TornadoVM backend"))
                        .build());
        constants(type);
        fields(type);
        walk(graph.nodes(), new LinkedHashMap<>());
        // Written before the host code: a kernel may give a computed size a slot in dims.
        List<MethodSpec> attentionKernels = new ArrayList<>();
        for (Node node : graph.nodes()) {
            if (node.op() == Op.ATTENTION) {
                attentionKernels.addAll(attention.kernels(node));
            }
        }
        type.addField(FieldSpec.builder(INT_ARRAY, "dims", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("[position of the first row$L$L]: the sizes of this call, read by the kernels.\n",
                        runTimeDims.stream().map(d -> ", " + d).collect(Collectors.joining()),
                        computedSizes.stream().map(d -> ", " + d).collect(Collectors.joining()))
                .initializer("new $T($L)", INT_ARRAY, 1 + runTimeDims.size() + computedSizes.size()).build());
        tableFields.forEach(type::addField);
        for (LaunchGrid grid : launchGrids.values()) {
            type.addField(FieldSpec.builder(WORKER_GRID_2D, grid.field(), Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Launch grid of $L x $L work-items (x along a row, in groups of $L; y over rows), resized to each call.\n",
                            grid.width(), grid.rows(), grid.local()).build());
        }
        for (LinearGrid grid : linearGrids.values()) {
            type.addField(FieldSpec.builder(WORKER_GRID_2D, grid.field(), Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Launch grid of the linear layers with $L outputs over $L rows, resized to each call (resizeLinear).\n",
                            grid.outWidth(), grid.rows()).build());
        }
        deviceFields = deviceFields(type.build());
        type.addMethod(constructor());
        type.addJavadoc(classJavadoc()); // after the constructor, which decides how many task graphs there are
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
        weightHelpers(type);
        type.addMethod(run());
        if (!launchGrids.isEmpty()) {
            type.addMethod(resize());
        }
        if (!linearGrids.isEmpty()) {
            type.addMethod(TornadoLinearWriter.resizeMethod());
        }
        linear.hostMethods().forEach(type::addMethod);
        Map<String, MethodSpec> library = TornadoKernels.library();
        library.putAll(TornadoLinearWriter.kernels());
        usedKernels.add("rows");
        for (Map.Entry<String, MethodSpec> kernel : library.entrySet()) {
            if (usedKernels.contains(kernel.getKey())) {
                type.addMethod(kernel.getValue());
            }
        }
        attentionKernels.forEach(type::addMethod);
        tensorMath.kernels().forEach(type::addMethod);
        return JavaFile.builder(options.packageName(), type.build()).skipJavaLangImports(true).indent("    ").build();
    }

    /** The names of the fields that hold device arrays (FloatArray, IntArray, HalfFloatArray, or arrays of them). */
    private static Set<String> deviceFields(TypeSpec type) {
        Set<TypeName> arrays = Set.of(FLOAT_ARRAY, INT_ARRAY, TornadoLinearWriter.HALF_FLOAT_ARRAY);
        Set<String> fields = new java.util.HashSet<>();
        for (FieldSpec field : type.fieldSpecs()) {
            TypeName element = field.type() instanceof ArrayTypeName array ? array.componentType() : field.type();
            if (arrays.contains(element)) {
                fields.add(field.name());
            }
        }
        return fields;
    }

    private CodeBlock classJavadoc() {
        CodeBlock.Builder doc = CodeBlock.builder();
        if (!options.description().isBlank()) {
            doc.add("$L\n\n", JavaText.javadoc(options.description().strip()));
        }
        doc.add("<p>Generated by attnc from <code>$L</code> for TornadoVM; edit the .attn file, not this one.\n", JavaText.javadoc(options.sourceName()));
        if (graphCount == 1) {
            doc.add("One TaskGraph holds every step; weights go to the device on the first call and stay there,\n");
        } else {
            doc.add("$L TaskGraphs hold the steps, a stretch of layers each, run one after another in one plan (a TornadoVM 5.2\n", graphCount);
            doc.add("graph holds 8 KB of task records); buffers several graphs use stay on the device, handed from graph to graph.\n");
            doc.add("Weights go to the device on the first call and stay there,\n");
        }
        doc.add("inputs go every call, intermediates never come back. Run-time dims travel in {@code dims} and the launch\n");
        doc.add("grids are resized to each call, so one compiled plan serves every length up to the maximum, and a\n");
        doc.add("call of T rows launches T rows of work-items. Call {@link #close()} to free device memory.\n");
        doc.add("\n<p>Public methods are synchronized: one plan runs one call at a time.\n");
        return doc.build();
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
        attention.fields(type);
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
        List<List<TaskGraphSplit.Task>> split = TaskGraphSplit.partition(splitTasks(), TaskGraphSplit.budget());
        String snapshots;
        if (split.size() == 1) {
            oneGraph(method, split.get(0));
            snapshots = "graph.snapshot()";
        } else {
            snapshots = severalGraphs(method, split);
        }
        if (grids.isEmpty()) {
            // TornadoVM rejects an empty GridScheduler when the plan is made: a model whose tasks are all
            // @Parallel loops (one linear layer, say) gets none.
            method.addStatement("$T built = new $T($L)", PLAN, PLAN, snapshots);
        } else {
            method.addComment("Launch grids, sized here for the largest call; run() resizes them to each call's sizes.");
            for (LaunchGrid grid : launchGrids.values()) {
                method.addStatement("$L = new $T($L, $L)", grid.field(), WORKER_GRID_2D, roundUp(max(grid.width()), grid.local()),
                        Math.max(1, max(grid.rows())));
                method.addStatement("$L.setLocalWork($L, 1, 1)", grid.field(), grid.local());
            }
            for (LinearGrid grid : linearGrids.values()) {
                long rows = max(grid.rows());
                method.addStatement("$L = new $T($L, $L)", grid.field(), WORKER_GRID_2D,
                        TornadoLinearWriter.groupsAcross(rows, grid.outWidth()) * TornadoLinearWriter.GROUP,
                        TornadoLinearWriter.groupsDown(rows));
                method.addStatement("$L.setLocalWork($L, 1, 1)", grid.field(), TornadoLinearWriter.GROUP);
            }
            method.addStatement("$T grids = new $T()", GRID_SCHEDULER, GRID_SCHEDULER);
            for (GridUse grid : grids) {
                method.addCode(grid.setup());
                method.addStatement("grids.addWorkerGrid($S, $L)", graphOfTask.get(grid.taskId()) + "." + grid.taskId(), grid.grid());
            }
            method.addStatement("$T built = new $T($L).withGridScheduler(grids)", PLAN, PLAN, snapshots);
        }
        method.addStatement("plan = backend < 0 ? built : built.withDevice($T.getDevice(backend, device))", PLAN);
        return method.build();
    }

    /** The recorded tasks, with their place relative to the repeats, for {@link TaskGraphSplit}. */
    private List<TaskGraphSplit.Task> splitTasks() {
        int firstInRepeat = -1;
        int lastInRepeat = -1;
        for (int index = 0; index < tasks.size(); index++) {
            if (tasks.get(index).loop() != null) {
                firstInRepeat = firstInRepeat < 0 ? index : firstInRepeat;
                lastInRepeat = index;
            }
        }
        List<TaskGraphSplit.Task> split = new ArrayList<>();
        for (int index = 0; index < tasks.size(); index++) {
            EmittedTask task = tasks.get(index);
            int place = task.loop() != null || firstInRepeat < 0 ? (firstInRepeat < 0 ? -1 : 0)
                    : index < firstInRepeat ? -1 : index > lastInRepeat ? 1 : 0;
            split.add(new TaskGraphSplit.Task(task.id(), task.kernel(), task.args(), task.comment(), task.loop(), task.layer(), place));
        }
        return split;
    }

    /** Adds the {@code graph.task(...)} statements of {@code tasks} to {@code method}, each source line as a comment once. */
    private void addTasks(MethodSpec.Builder method, String graph, List<TaskGraphSplit.Task> tasks) {
        String lastComment = "";
        for (TaskGraphSplit.Task task : tasks) {
            if (!task.comment().isEmpty() && !task.comment().equals(lastComment)) {
                method.addCode("// $L\n", task.comment());
                lastComment = task.comment();
            }
            method.addStatement("$L.task($S, $L::$L, $L)", graph, task.id(), options.className(), task.kernel(), task.args());
        }
    }

    /** A model that fits in one task graph: every weight sent in it, every task in it. */
    private void oneGraph(MethodSpec.Builder method, List<TaskGraphSplit.Task> all) {
        all.forEach(task -> graphOfTask.put(task.id(), graphName));
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
        for (String field : positionTables.values()) {
            method.addStatement("graph.transferToDevice($T.FIRST_EXECUTION, $L)", TRANSFER, field);
        }
        method.addComment("What changes every call: the run-time dims and the inputs.");
        String inputs = graph.inputs().stream().map(n -> arrays.get(n.id())).collect(Collectors.joining(", "));
        method.addStatement("graph.transferToDevice($T.EVERY_EXECUTION, dims$L)", TRANSFER, inputs.isEmpty() ? "" : ", " + inputs);
        addTasks(method, "graph", all);
        // TornadoVM copies a whole buffer for EVERY_EXECUTION; UNDER_DEMAND lets run() ask for the call's rows only.
        method.addComment("Only the outputs come back, and only the rows a call wrote (run() asks for them).");
        method.addStatement("graph.transferToHost($T.UNDER_DEMAND, $L)", TRANSFER, String.join(", ", outputRoots()));
    }

    /**
     * A model too large for one task graph (see {@link TaskGraphSplit}): a graph per part, run
     * one after another. Each device buffer has one home: the first graph whose tasks use it
     * sends it (weights, tables and caches once, inputs every call) or makes it, and keeps it on
     * the device ({@code persistOnDevice}) for the next graph, which takes it over
     * ({@code consumeFromDevice}) and passes it on, up to the last graph that uses it.
     * TornadoVM 5.2 hands a consumed buffer over only from the graph that ran just before
     * ({@code TornadoTaskGraph.updatePersistedObjectState} reads {@code lastExecutedTaskGraph}),
     * so a buffer crosses every graph in between, used there or not. Only {@code dims}, a few
     * ints, is sent to every graph. Returns the snapshots for the plan.
     */
    private String severalGraphs(MethodSpec.Builder method, List<List<TaskGraphSplit.Task>> split) {
        List<String> labels = TaskGraphSplit.labels(split);
        int count = split.size();
        // Where each device object is used: first and last graph, in order of first use.
        Map<String, int[]> uses = new LinkedHashMap<>();
        for (int index = 0; index < count; index++) {
            for (TaskGraphSplit.Task task : split.get(index)) {
                for (String argument : TaskGraphSplit.arguments(task.args())) {
                    if (isDeviceObject(argument) && !argument.equals("dims")) {
                        int at = index;
                        uses.computeIfAbsent(argument, key -> new int[] {at, at})[1] = at;
                    }
                }
            }
        }
        Set<String> outputs = outputRoots();
        for (String output : outputs) {
            uses.computeIfAbsent(output, key -> new int[] {count - 1, count - 1})[1] = count - 1;
        }
        Set<String> inputs = new LinkedHashSet<>();
        graph.inputs().forEach(node -> inputs.add(arrays.get(node.id())));
        Set<String> hostConstants = hostConstants();
        List<String> locals = new ArrayList<>();
        List<String> graphNames = new ArrayList<>();
        for (String label : labels) {
            locals.add(names.unique(label));
            graphNames.add(graphName + "_" + label);
        }
        method.addComment("$L task graphs, run one after another: TornadoVM 5.2 records a graph's tasks in a fixed 8 KB buffer.", count);
        method.addComment("A buffer several graphs use lives on the device, handed from each graph to the next; weights go once.");
        for (int index = 0; index < count; index++) {
            String local = locals.get(index);
            int at = index;
            method.addCode("\n");
            method.addStatement("$T $L = new $T($S)", TASK_GRAPH, local, TASK_GRAPH, graphNames.get(index));
            List<String> consumed = usedWhere(uses, range -> range[0] < at && at <= range[1]);
            if (!consumed.isEmpty()) {
                method.addStatement("$L.consumeFromDevice($S, $L)", local, graphNames.get(index - 1), String.join(", ", consumed));
            }
            // Weights, tables and caches this graph uses first, a statement per layer's copy.
            Map<String, List<String>> sent = new LinkedHashMap<>();
            for (String object : usedWhere(uses, range -> range[0] == at)) {
                if (hostConstants.contains(object)) {
                    int bracket = object.indexOf('[');
                    sent.computeIfAbsent(bracket < 0 ? "" : object.substring(bracket), key -> new ArrayList<>()).add(object);
                }
            }
            for (List<String> objects : sent.values()) {
                method.addStatement("$L.transferToDevice($T.FIRST_EXECUTION, $L)", local, TRANSFER, String.join(", ", objects));
            }
            List<String> streamed = new ArrayList<>(List.of("dims"));
            streamed.addAll(usedWhere(uses, range -> range[0] == at).stream().filter(inputs::contains).toList());
            method.addStatement("$L.transferToDevice($T.EVERY_EXECUTION, $L)", local, TRANSFER, String.join(", ", streamed));
            addTasks(method, local, split.get(index));
            split.get(index).forEach(task -> graphOfTask.put(task.id(), graphNames.get(at)));
            List<String> kept = usedWhere(uses, range -> range[0] <= at && at < range[1]);
            if (!kept.isEmpty()) {
                method.addStatement("$L.persistOnDevice($L)", local, String.join(", ", kept));
            }
        }
        method.addComment("Only the outputs come back, and only the rows a call wrote (run() asks for them).");
        method.addStatement("$L.transferToHost($T.UNDER_DEMAND, $L)", locals.getLast(), TRANSFER, String.join(", ", outputs));
        graphCount = count;
        return locals.stream().map(local -> local + ".snapshot()").collect(Collectors.joining(", "));
    }

    private static List<String> usedWhere(Map<String, int[]> uses, java.util.function.Predicate<int[]> where) {
        return uses.entrySet().stream().filter(use -> where.test(use.getValue())).map(Map.Entry::getKey).toList();
    }

    /** Whether a task argument is one of the class's device arrays (or an element of an array of them). */
    private boolean isDeviceObject(String argument) {
        java.util.regex.Matcher matcher = DEVICE_OBJECT.matcher(argument);
        return matcher.matches() && deviceFields.contains(matcher.group(1));
    }

    private static final java.util.regex.Pattern DEVICE_OBJECT = java.util.regex.Pattern.compile("([A-Za-z_$][A-Za-z0-9_$]*)(\\[\\d+])?");

    /** The expressions of what the host fills once: weights (each layer's), ALiBi slopes, KV caches, position tables. */
    private Set<String> hostConstants() {
        Set<String> constants = new LinkedHashSet<>();
        for (Param param : graph.params()) {
            for (String suffix : param.tensorsInOrder().stream().map(Map.Entry::getKey).toList()) {
                String field = weightFields.get(param.id() + "/" + suffix);
                if (param.repeats().isEmpty()) {
                    constants.add(field);
                } else {
                    for (long copy = 0; copy < param.copies(); copy++) {
                        constants.add(field + "[" + copy + "]");
                    }
                }
            }
        }
        constants.addAll(slopeFields.values());
        for (Map.Entry<Integer, String> cache : cacheFields.entrySet()) {
            for (long copy = 0; copy < 2 * layerCount(graph.node(cache.getKey())); copy++) {
                constants.add(cache.getValue() + "[" + copy + "]");
            }
        }
        constants.addAll(positionTables.values());
        return constants;
    }

    /** The device buffers the outputs live in. */
    private Set<String> outputRoots() {
        Set<String> outputs = new LinkedHashSet<>();
        for (Node output : graph.outputs()) {
            outputs.add(arrays.get(plan.layout(output).root()));
        }
        return outputs;
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
            // bias = optional: zeros when the checkpoint has none, so that every layer runs the same kernel
            read = CodeBlock.of("heldOrZeros(weights, $L, new int[] {$L}, $T.$L)", name, dims, INIT, init);
        }
        if (param.attrs().getOrDefault("transposed", "false").equals("true") && suffix.equals("weight")) {
            return CodeBlock.of("$T.transpose($L, $L, $L)", INPUTS, read, type.dim(0), type.dim(1));
        }
        return read;
    }

    private String checkpointName(String template) {
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
                emitAt(node, layers);
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

    /** Adds a task running {@code kernel} on {@code args}; returns its id, for its launch grid. */
    private String task(Node node, String kernel, Map<String, Long> layers, String base, String args) {
        usedKernels.add(kernel);
        String id = taskId(node, base, layers);
        String comment = node.span() == null ? "" : JavaText.lineComment(node.span().file().lineText(node.span().line()).strip()
                + "    [" + fileName(node.span().file().name()) + ":" + node.span().line() + "]");
        Map.Entry<String, Long> layer = layers.isEmpty() ? null : layers.entrySet().iterator().next();
        tasks.add(new EmittedTask(id, kernel, args, comment, layer == null ? null : layer.getKey(), layer == null ? 0 : layer.getValue()));
        return id;
    }

    /** A task as {@link #task} recorded it; which graph it goes to is decided once all are known. */
    private record EmittedTask(String id, String kernel, String args, String comment, String loop, long layer) {
    }

    /** A task's launch grid: set-up statements (maybe none) and the grid registered under "graph.task". */
    private record GridUse(String taskId, CodeBlock setup, String grid) {
    }

    private void grid(String taskId, long global, long local) {
        String name = "grid_" + taskId;
        grids.add(new GridUse(taskId, CodeBlock.builder()
                .addStatement("$T $L = new $T($L)", WORKER_GRID_1D, name, WORKER_GRID_1D, global)
                .addStatement("$L.setLocalWork($L, 1, 1)", name, local)
                .build(), name));
    }

    /**
     * A launch grid of {@code width} x {@code rows} work-items, x along a row's features in groups
     * of {@code local}, shared by every task of that shape. Its global sizes follow each call:
     * {@code run()} sets them from the call's dims before executing (see {@link #resize()}).
     */
    private record LaunchGrid(String field, Dim width, long local, Dim rows) {
    }

    /** Launches task {@code taskId} over a grid of {@code width} x {@code rows} work-items, x along the features. */
    private void featureGrid(String taskId, Dim width, Dim rows) {
        long largest = max(width);
        long local = Math.min(FEATURE_GROUP, Long.highestOneBit(Math.max(1, 2 * largest - 1)));
        launch(taskId, width, local, rows);
    }

    /** Launches task {@code taskId} with a work-group of ROW_GROUP lanes per row, for {@code rows} rows. */
    private void rowGrid(String taskId, Dim rows) {
        launch(taskId, Dim.of(ROW_GROUP), ROW_GROUP, rows);
    }

    private void launch(String taskId, Dim width, long local, Dim rows) {
        String key = width + "/" + local + "/" + rows;
        LaunchGrid grid = launchGrids.computeIfAbsent(key, k -> new LaunchGrid(names.unique("grid_" + sizeName(width) + "_by_"
                + sizeName(rows)), width, local, rows));
        grids.add(new GridUse(taskId, CodeBlock.builder().build(), grid.field()));
    }

    /** A linear layer's launch grid: x over groups of outputs, y over tiles of rows; set by {@code resizeLinear}. */
    private record LinearGrid(String field, Dim rows, long outWidth) {
    }

    /** Launches linear task {@code taskId} over the grid {@link TornadoLinearWriter#resizeMethod()} sizes per call. */
    private void linearGrid(String taskId, Dim rows, long outWidth) {
        LinearGrid grid = linearGrids.computeIfAbsent(outWidth + "/" + rows, k -> new LinearGrid(names.unique("grid_linear_"
                + outWidth + "_by_" + sizeName(rows)), rows, outWidth));
        grids.add(new GridUse(taskId, CodeBlock.builder().build(), grid.field()));
    }

    private static String sizeName(Dim dim) {
        return dim.toString().replace(" ", "").replace("+", "_plus_").replace("-", "_minus_").replace("*", "x")
                .replaceAll("[^A-Za-z0-9_]", "_");
    }

    private static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    /**
     * Sizes per call. TornadoVM bakes scalar task arguments into the compiled kernels, but reads a
     * WorkerGrid's global and local work at every launch (OCLKernelScheduler.launch and its PTX
     * counterpart take them from the GridScheduler's grid object each time), so one plan serves
     * every length: the kernels read sizes from {@code dims} and the grids are resized here. The
     * other way, a plan per size bucket, would compile every kernel once per bucket and keep a
     * device copy of the weights and KV caches per plan, and the caches of a prefill and of the
     * decoding steps after it would be different buffers.
     */
    private MethodSpec resize() {
        return MethodSpec.methodBuilder("resize")
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .addJavadoc("Sets a grid's global work for this call: {@code width} rounded up to whole groups of {@code local} along x,\n"
                        + "{@code rows} along y (at least one).\n")
                .addParameter(WORKER_GRID_2D, "grid")
                .addParameter(TypeName.INT, "width")
                .addParameter(TypeName.INT, "local")
                .addParameter(TypeName.INT, "rows")
                .addStatement("grid.setGlobalWork((width + local - 1) / local * local, $T.max(rows, 1), 1)", Math.class)
                .addStatement("grid.setLocalWork(local, 1, 1)")
                .build();
    }

    /**
     * A sine or cosine table kept on the device ({@code FIRST_EXECUTION}), computed on the host in
     * double precision by PositionTables; one field per distinct table. {@code call} is the
     * PositionTables method and its arguments.
     */
    private String positionTable(String base, CodeBlock call) {
        return positionTables.computeIfAbsent(call.toString(), key -> {
            String field = names.unique(base);
            tableFields.add(FieldSpec.builder(FLOAT_ARRAY, field, Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Computed on the host in double precision (no pow, sin or cos of large angles in a kernel).\n")
                    .initializer("$T.fromArray($T.$L)", FLOAT_ARRAY, POSITION_TABLES, call).build());
            return field;
        });
    }

    /** How many positions a position kernel over {@code rows} rows can reach: its rows, and with a KV cache the whole cache. */
    private long positions(Dim rows) {
        long positions = max(rows);
        if (stepping) {
            positions = Math.max(positions, plan.maxDims().get(runTimeDims.get(0)));
        }
        return positions;
    }

    /**
     * The rows of a rope's tables: every position its rows can reach ({@link #positions(Dim)}). With
     * {@code positions = ids} from an input, the host checks each call's positions against them.
     */
    private long ropePositions(Node rope) {
        return positions(rope.type().dim(0));
    }

    /**
     * The scaled frequencies of a rope, as the JVM backend computes them ({@code Positions}): Llama 3.1's
     * scaling, linear interpolation, or a checkpoint's own divisors ({@code scaling = checkpoint}).
     */
    private static CodeBlock ropeFrequencies(Map<String, String> a) {
        String width = a.get("rotary_dim");
        String base = doubleLiteral(a.get("base"));
        return switch (a.get("scaling")) {
            case "llama3" -> CodeBlock.of("$T.ropeFrequenciesLlama3($L, $L, $L, $L, $L, $L)", POSITIONS, width, base,
                    doubleLiteral(a.get("factor")), doubleLiteral(a.get("low_freq_factor")), doubleLiteral(a.get("high_freq_factor")),
                    doubleLiteral(a.get("original_context")));
            case "linear" -> CodeBlock.of("$T.ropeFrequenciesLinear($L, $L, $L)", POSITIONS, width, base, doubleLiteral(a.get("factor")));
            case "divided" -> CodeBlock.of("$T.ropeFrequenciesDivided($L, $L, new double[] {$L})", POSITIONS, width, base,
                    a.get("divisors").replace(",", ", "));
            default -> throw new CodegenException("the TornadoVM backend does not know rope scaling `" + a.get("scaling") + "`");
        };
    }

    /**
     * {@code positions = ids} reads table rows by the ids, which a kernel cannot check: ids from an
     * input are checked by {@code run()} before the call; computed ids must stay inside the tables.
     */
    private void requirePositionsInside(Node rope, Node ids, long positions) {
        if (ids.op() == Op.INPUT) {
            if (ids.type().rank() != 1) {
                throw new CodegenException("rope positions from input `" + ids.attr("name") + "` of rank " + ids.type().rank()
                        + " are not supported by the TornadoVM backend yet");
            }
            checkedPositions.merge(ids, positions, Math::min);
            return;
        }
        dev.attnc.compiler.codegen.IdRanges.Range range = dev.attnc.compiler.codegen.IdRanges.of(ids, this::max);
        if (range == null) {
            throw new CodegenException("the positions of this rope are computed from an input, and a TornadoVM kernel cannot"
                    + " check them against its tables' " + positions + " positions; pass them as an input");
        }
        if (!range.inside(positions)) {
            throw new CodegenException("the positions of this rope reach " + (range.low() < 0 ? range.low() : range.high())
                    + ", but its tables hold positions 0 to " + (positions - 1) + " (the largest sequence length)");
        }
    }

    private static String fileName(String path) {
        return path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
    }

    private static final java.util.regex.Pattern POSITIONED = java.util.regex.Pattern.compile("[^:\\s]+:\\d+:\\d+: ");

    /** {@link #emit}, with the node's file, line and column in front of a refusal that does not say where. */
    private void emitAt(Node node, Map<String, Long> layers) {
        try {
            emit(node, layers);
        } catch (CodegenException e) {
            if (node.span() == null || POSITIONED.matcher(e.getMessage()).lookingAt()) {
                throw e;
            }
            throw new CodegenException(fileName(node.span().file().name()) + ":" + node.span().line() + ":" + node.span().column()
                    + ": " + e.getMessage());
        }
    }

    /** One node's task(s). */
    private void emit(Node node, Map<String, Long> layers) {
        Map<String, String> a = node.attrs();
        String base = node.name().isEmpty() ? node.op().spelling() : node.name();
        if (TensorMathTasks.handles(node)) {
            tensorMath.emit(node, layers, base);
            return;
        }
        switch (node.op()) {
            case INPUT, PARAM, OUTPUT, CARRY, SLICE, SELECT, HEADS -> {
            }
            case MERGE_HEADS -> {
                if (!plan.layout(node).isView(node)) {
                    Node in = node.input(0);
                    String id = task(node, "mergeHeads", layers, base, join(NEW_CONTEXT, array(in, layers), at(in), stride(in, 0),
                            stride(in, 1), array(node, layers), at(node), stride(node, 0), "dims", rows(in.type().dim(1)),
                            in.type().dim(0).toString(), in.type().dim(2).toString()));
                    featureGrid(id, node.type().last(), in.type().dim(1));
                }
            }
            case ARANGE -> {
                String id = task(node, "arange", layers, base, join(NEW_CONTEXT, array(node, layers), at(node), "dims",
                        rows(node.type().dim(0))));
                featureGrid(id, node.type().dim(0), Dim.of(1));
            }
            case SINUSOIDAL -> {
                Dim rows = node.type().dim(0);
                long width = node.type().dim(1).constant().orElseThrow();
                String table = positionTable("sinusoidal_" + width, CodeBlock.of("sinusoidal($L, $L, $L)", positions(rows), width,
                        doubleLiteral(a.get("base"))));
                String id = task(node, "sinusoidal", layers, base, join(NEW_CONTEXT, table, array(node, layers), at(node),
                        stride(node, 0), "dims", rows(rows), Long.toString(width)));
                featureGrid(id, Dim.of(width), rows);
            }
            case EMBEDDING -> {
                Param param = graph.param(Integer.parseInt(a.get("param_id")));
                Node ids = node.input(0);
                if (ids.op() != Op.INPUT) {
                    tensorMath.requireIdsInside(node, param); // arange(T) + 2: a kernel cannot check ids
                }
                String id = task(node, "embedding", layers, base + "_" + param.name(), join(NEW_CONTEXT, array(ids, layers), at(ids),
                        weight(param, "weight", layers), param.attrs().get("dim"), array(node, layers), at(node), stride(node, 0),
                        "dims", rows(ids.type().dim(0))));
                featureGrid(id, Dim.of(Long.parseLong(param.attrs().get("dim"))), ids.type().dim(0));
            }
            case LINEAR -> {
                requireRank2(node);
                Param param = graph.param(Integer.parseInt(a.get("param_id")));
                boolean bias = param.tensors().containsKey("bias");
                Node in = node.input(0);
                Dim rows = node.type().dim(0);
                long outWidth = Long.parseLong(param.attrs().get("out"));
                TornadoLinearWriter.Task linearTask = linear.task(new TornadoLinearWriter.Call(array(in, layers), at(in),
                        stride(in, 0), weight(param, "weight", layers), bias ? weight(param, "bias", layers) : null,
                        FUNCTIONS.get(a.getOrDefault("activation", "none")), array(node, layers), at(node), stride(node, 0),
                        rows(rows), Long.parseLong(param.attrs().get("in")), outWidth, linear.half(param, "weight")));
                String id = task(node, linearTask.kernel(), layers, param.name(), linearTask.args());
                linearGrid(id, rows, outWidth);
                usedKernels.add("apply");
                usedKernels.add("erf");
            }
            case LAYERNORM, RMSNORM -> {
                Param param = graph.param(Integer.parseInt(a.get("param_id")));
                Node in = node.input(0);
                int rank = node.type().rank();
                if (rank > 3) {
                    throw new CodegenException(node.op().spelling() + " of a rank-" + rank + " tensor is not supported by the TornadoVM backend yet");
                }
                // [outers, rows, width]: rank 3 (a norm per head, as QK-norm on heads(...)) loops over its first axis too.
                String outers = rank == 3 ? rows(node.type().dim(0)) : "1";
                String rows = rank == 1 ? "1" : rows(node.type().dim(rank - 2));
                String inStrides = join(rank == 3 ? stride(in, 0) : "0", rank == 1 ? "0" : stride(in, rank - 2));
                String outStrides = join(rank == 3 ? stride(node, 0) : "0", rank == 1 ? "0" : stride(node, rank - 2));
                String id;
                if (node.op() == Op.LAYERNORM) {
                    boolean bias = param.tensors().containsKey("bias");
                    id = task(node, "layerNorm", layers, param.name(), join(NEW_CONTEXT, array(in, layers), at(in), inStrides,
                            weight(param, "weight", layers), bias ? weight(param, "bias", layers) : weight(param, "weight", layers),
                            bias ? "1" : "0", array(node, layers), at(node), outStrides, "dims", outers, rows, param.attrs().get("dim"),
                            floatLiteral(param.attrs().get("eps"))));
                } else {
                    id = task(node, "rmsNorm", layers, param.name(), join(NEW_CONTEXT, array(in, layers), at(in), inStrides,
                            weight(param, "weight", layers), floatLiteral(param.attrs().getOrDefault("weight_offset", "0")),
                            array(node, layers), at(node), outStrides, "dims", outers, rows, param.attrs().get("dim"),
                            floatLiteral(param.attrs().get("eps"))));
                }
                rowGrid(id, rank == 1 ? Dim.of(1) : rank == 2 ? node.type().dim(0) : node.type().dim(0).times(node.type().dim(1)));
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
                String id = task(node, "softmax", layers, base, join(NEW_CONTEXT, array(in, layers), at(in),
                        other < 0 ? "0" : stride(in, other), stride(in, axis), array(node, layers), at(node),
                        other < 0 ? "0" : stride(node, other), stride(node, axis), "dims",
                        other < 0 ? "1" : rows(node.type().dim(other)), rows(node.type().dim(axis))));
                rowGrid(id, other < 0 ? Dim.of(1) : node.type().dim(other));
            }
            case MATMUL -> {
                if (node.type().rank() != 2) {
                    throw new CodegenException("a batched matrix product is not supported by the TornadoVM backend yet");
                }
                Node x = node.input(0);
                Node y = node.input(1);
                String id = task(node, "matmul", layers, base, join(NEW_CONTEXT, array(x, layers), at(x), stride(x, 0), stride(x, 1),
                        array(y, layers), at(y), stride(y, 0), stride(y, 1), array(node, layers), at(node), stride(node, 0), "dims",
                        rows(x.type().dim(0)), rows(x.type().dim(1)), rows(y.type().dim(1))));
                featureGrid(id, y.type().dim(1), x.type().dim(0));
            }
            case TRANSPOSE -> {
                if (node.type().rank() != 2) {
                    throw new CodegenException("transpose of a rank-3 tensor is not supported by the TornadoVM backend yet");
                }
                Node in = node.input(0);
                String id = task(node, "copy", layers, base, join(NEW_CONTEXT, array(in, layers), at(in), stride(in, 1), stride(in, 0),
                        array(node, layers), at(node), stride(node, 0), stride(node, 1), "dims", rows(node.type().dim(0)),
                        rows(node.type().dim(1)), "0", "0"));
                featureGrid(id, node.type().dim(1), node.type().dim(0));
            }
            case CONCAT -> {
                int axis = Integer.parseInt(a.get("dim"));
                if (node.type().rank() != 2) {
                    throw new CodegenException("concat of rank-" + node.type().rank() + " tensors is not supported by the TornadoVM backend yet");
                }
                // Each part goes to the rows (or columns) after the parts before it; where their sizes are
                // run-time dims, the offset is a size in dims that the copy kernel reads (shift).
                Dim offset = Dim.of(0);
                for (Node part : node.inputs()) {
                    long step = plan.layout(node).stride(axis);
                    boolean known = offset.constant().isPresent();
                    String target = known ? Long.toString(Long.parseLong(at(node)) + offset.constant().get() * step) : at(node);
                    String id = task(node, "copy", layers, base, join(NEW_CONTEXT, array(part, layers), at(part), stride(part, 0),
                            stride(part, 1), array(node, layers), target, stride(node, 0), stride(node, 1), "dims",
                            rows(part.type().dim(0)), rows(part.type().dim(1)), known ? "0" : rows(offset), known ? "0" : Long.toString(step)));
                    featureGrid(id, part.type().dim(1), part.type().dim(0));
                    offset = offset.plus(part.type().dim(axis));
                }
            }
            case ROPE -> {
                requireRank2(node);
                Node in = node.input(0);
                Dim rows = node.type().dim(0);
                long width = node.type().last().constant().orElseThrow();
                long heads = Long.parseLong(a.get("heads"));
                long headDim = width / heads;
                long rotary = Long.parseLong(a.get("rotary_dim"));
                long positions = ropePositions(node);
                String scaling = a.getOrDefault("scaling", "none");
                CodeBlock angles = scaling.equals("none") ? CodeBlock.of("$L, $L, $L", positions, rotary, doubleLiteral(a.get("base")))
                        : CodeBlock.of("$L, $L", positions, ropeFrequencies(a));
                String tableName = rotary + (scaling.equals("none") ? "" : "_" + scaling);
                String cosines = positionTable("rope_cos_" + tableName, CodeBlock.of("ropeCos($L)", angles));
                String sines = positionTable("rope_sin_" + tableName, CodeBlock.of("ropeSin($L)", angles));
                String rotation = join(Long.toString(heads), Long.toString(headDim), Long.toString(rotary),
                        a.get("layout").equals("interleaved") ? "1" : "0");
                String id;
                if (node.inputs().size() == 2) {
                    // positions = ids: each row at the position its int tensor holds
                    Node ids = node.input(1);
                    requirePositionsInside(node, ids, positions);
                    id = task(node, "ropeAt", layers, base, join(NEW_CONTEXT, array(in, layers), at(in), stride(in, 0),
                            array(node, layers), at(node), stride(node, 0), cosines, sines, array(ids, layers), at(ids),
                            stride(ids, 0), "dims", rows(rows), rotation));
                } else {
                    id = task(node, "rope", layers, base, join(NEW_CONTEXT, array(in, layers), at(in), stride(in, 0),
                            array(node, layers), at(node), stride(node, 0), cosines, sines, "dims", rows(rows), rotation));
                }
                featureGrid(id, Dim.of(heads * ((headDim + 1) / 2)), rows);
            }
            case ATTENTION -> attention.tasks(node, layers);
            case COPY -> copyTask(base, node.input(0), node, layers);
            default -> throw new CodegenException("the TornadoVM backend cannot compute " + node.op().spelling() + " yet");
        }
    }

    private void map(Node node, String function, String number, Map<String, Long> layers, String base) {
        requireAtMostRank2(node);
        Node in = node.input(0);
        int rank = node.type().rank();
        String id = task(node, "map", layers, base, join(NEW_CONTEXT, array(in, layers), at(in), rank == 2 ? stride(in, 0) : "0",
                rank == 0 ? "0" : stride(in, -1), Integer.toString(FUNCTIONS.get(function)), number, array(node, layers), at(node),
                rank == 2 ? stride(node, 0) : "0", "dims", rowsAndCols(node)));
        elementGrid(id, node);
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
                // The last axis is the column (slot 1), the one before it the row (slot 0): rank 1 too.
                strides[axis - rank + 2] = broadcast ? "0"
                        : Long.toString(plan.layout(input).stride(inputAxis));
            }
            String rowStride = rank == 2 ? strides[0] : "0";
            String colStride = rank == 0 ? "0" : rank == 1 ? strides[1] == null ? strides[0] : strides[1] : strides[1];
            operands.add(join(array(input, layers), at(input), rowStride, colStride == null ? "0" : colStride));
        }
        String id = task(node, "combine", layers, base, join(NEW_CONTEXT, operands.get(0), operands.get(1),
                Integer.toString(FUNCTIONS.get(op)), array(node, layers), at(node), rank == 2 ? stride(node, 0) : "0", "dims",
                rowsAndCols(node)));
        elementGrid(id, node);
        usedKernels.add("apply");
        usedKernels.add("erf");
    }

    private void copyTask(String base, Node from, Node to, Map<String, Long> layers) {
        requireAtMostRank2(to);
        int rank = to.type().rank();
        String id = task(to, "copy", layers, base, join(NEW_CONTEXT, array(from, layers), at(from), rank == 2 ? stride(from, 0) : "0",
                rank == 0 ? "0" : stride(from, -1), array(to, layers), at(to), rank == 2 ? stride(to, 0) : "0",
                rank == 0 ? "0" : stride(to, -1), "dims", rowsAndCols(to), "0", "0"));
        elementGrid(id, to);
    }

    /** Appends this call's rows of keys or values ({@code from}) to a KV cache, a work-item per (feature, row). */
    private void appendTask(Node node, Map<String, Long> layers, String base, Node from, String cache) {
        String id = task(node, "append", layers, base, join(NEW_CONTEXT, array(from, layers), at(from), stride(from, 0), cache, "0",
                from.type().last().toString(), "dims", rows(from.type().dim(0))));
        featureGrid(id, from.type().last(), from.type().dim(0));
    }

    /** The rows and columns of a rank-0 to rank-2 value as the elementwise kernels take them. */
    private String rowsAndCols(Node node) {
        int rank = node.type().rank();
        return join(rank == 2 ? rows(node.type().dim(0)) : "1", rank == 0 ? "1" : rows(node.type().last()));
    }

    /** The grid of an elementwise kernel over a rank-0 to rank-2 value: its last axis along x. */
    private void elementGrid(String taskId, Node node) {
        int rank = node.type().rank();
        featureGrid(taskId, rank == 0 ? Dim.of(1) : node.type().last(), rank == 2 ? node.type().dim(0) : Dim.of(1));
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

    private static final String NEW_CONTEXT = "new " + KERNEL_CONTEXT.simpleName() + "()";

    private static String join(String... parts) {
        return String.join(", ", parts);
    }

    /**
     * A size for a {@code @Parallel} kernel: {@link #rows} and then its largest value, the loop
     * bound. TornadoVM bakes scalar arguments into the kernel, so a bound given as one lets it
     * map the loop onto work-items; the kernel skips the iterations past the run-time size.
     */
    private String sized(Dim dim) {
        return rows(dim) + ", " + max(dim);
    }

    /**
     * A size argument: a constant as itself, or {@code -(index + 1)} of its slot in {@code dims}
     * (kernels read it through {@code rows(dims, size)}). Run-time dims have slots 1.. in order;
     * a size computed from them (T + 1, 2 * T) gets a slot after them, which {@code run()} sets
     * from the call's dims.
     */
    private String rows(Dim dim) {
        if (dim.constant().isPresent()) {
            return dim.constant().get().toString();
        }
        if (dim.symbols().size() == 1 && dim.equals(Dim.symbol(dim.symbols().get(0)))) {
            return Integer.toString(-(runTimeDims.indexOf(dim.symbols().get(0)) + 2));
        }
        int slot = computedSizes.indexOf(dim);
        if (slot < 0) {
            slot = computedSizes.size();
            computedSizes.add(dim);
        }
        return Integer.toString(-(1 + runTimeDims.size() + slot + 1));
    }

    private String array(Node value, Map<String, Long> layers) {
        Layout layout = plan.layout(value);
        if (layout.storage() == Storage.WEIGHT) {
            return weight(graph.param(layout.param()), "", layers);
        }
        return arrays.get(layout.root());
    }

    /**
     * Per output buffer, the expressions for how many of its elements this call's outputs reach
     * (offset + sum of (size - 1) x stride + 1, in the call's sizes): what {@code run()} copies back.
     */
    private Map<String, List<String>> outputExtents(Graph graph) {
        Map<String, List<String>> extents = new LinkedHashMap<>();
        for (Node output : graph.outputs()) {
            Layout layout = plan.layout(output);
            long constant = Long.parseLong(at(output)) + 1;
            StringBuilder extent = new StringBuilder();
            List<Dim> shape = output.type().shape();
            for (int axis = 0; axis < shape.size(); axis++) {
                long stride = layout.stride(axis);
                Dim dim = shape.get(axis);
                if (dim.constant().isPresent()) {
                    constant += (dim.constant().get() - 1) * stride;
                } else if (stride != 0) {
                    extent.append("(").append(names.dim(dim)).append(" - 1) * ").append(stride).append(" + ");
                }
            }
            extent.append(constant);
            extents.computeIfAbsent(arrays.get(layout.root()), root -> new ArrayList<>()).add(extent.toString());
        }
        return extents;
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

    private static String doubleLiteral(String number) {
        return Double.toString(Double.parseDouble(number));
    }

    private static String floatLiteral(String number) {
        String text = Float.toString(Float.parseFloat(number));
        return (text.endsWith(".0") ? text.substring(0, text.length() - 2) : text) + "f";
    }

    /** {@code firstHeld} for {@code from "a" | "b"} and {@code heldOrZeros} for {@code bias = optional}, where the model has them. */
    private void weightHelpers(TypeSpec.Builder type) {
        if (graph.params().stream().anyMatch(p -> !p.alternatives().isEmpty())) {
            type.addMethod(JvmModelWriter.firstHeld());
        }
        if (graph.params().stream().anyMatch(p -> "optional".equals(p.attrs().get("bias")))) {
            type.addMethod(MethodSpec.methodBuilder("heldOrZeros")
                    .addJavadoc("The tensor {@code name}, or zeros when the checkpoint has none ({@code bias = optional}): a kernel\n"
                            + "argument cannot be null, and adding zero leaves every value as it is.\n")
                    .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                    .returns(ArrayTypeName.of(TypeName.FLOAT))
                    .addParameter(WEIGHT_SOURCE, "weights")
                    .addParameter(String.class, "name")
                    .addParameter(ArrayTypeName.of(TypeName.INT), "shape")
                    .addParameter(INIT, "init")
                    .addStatement("return weights.contains(name) ? weights.floats(name, shape, init) : new float[shape[0]]")
                    .build());
        }
    }

    /**
     * Whether the class is a {@code Decoder}: it keeps KV caches ({@link #stepping}) and, as on the JVM
     * backend, nothing but attention mixes positions, so a step's rows equal those of a whole forward.
     */
    private boolean decodes() {
        if (!stepping) {
            return false;
        }
        for (Node node : graph.nodes()) {
            boolean acrossRows = switch (node.op()) {
                case MATMUL, TRANSPOSE -> true;
                case SOFTMAX, CONCAT -> Integer.parseInt(node.attr("dim")) != node.type().rank() - 1;
                default -> false;
            };
            if (acrossRows) {
                return false;
            }
        }
        return true;
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
            List<AnnotationSpec> overrides = decodes() ? List.of(AnnotationSpec.builder(Override.class).build()) : List.of();
            type.addMethod(MethodSpec.methodBuilder("step")
                    .addJavadoc("Decodes the next positions with the KV caches, as the JVM backend's {@code step}.\n")
                    .addAnnotations(overrides)
                    .addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED).returns(TENSOR_MAP).addParameter(TENSOR_MAP, "inputs")
                    .addStatement("return run(inputs)").build());
            type.addMethod(MethodSpec.methodBuilder("reset").addJavadoc("Empties the KV caches: the next {@code step} starts a new sequence.\n")
                    .addAnnotations(overrides).addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                    .addStatement("cached = 0").build());
            type.addMethod(MethodSpec.methodBuilder("cachedPositions").addJavadoc("How many positions the KV caches hold.\n")
                    .addAnnotations(overrides)
                    .addModifiers(Modifier.PUBLIC, Modifier.SYNCHRONIZED)
                    .returns(TypeName.INT).addStatement("return cached").build());
            if (decodes()) {
                type.addMethod(MethodSpec.methodBuilder("maxPositions")
                        .addJavadoc("The most positions the KV caches hold: {@link #$L}.\n", maxFields.get(runTimeDims.get(0)))
                        .addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                        .returns(TypeName.INT).addStatement("return $L", maxFields.get(runTimeDims.get(0))).build());
            }
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

    /**
     * Copies an input's data into its device buffer. Laid out for the largest sizes, the buffer
     * matches the tensor's dense layout when only the first axis is run-time; otherwise each
     * element goes to its strided place.
     */
    private void copyInput(MethodSpec.Builder method, Node node, String local) {
        boolean isInt = node.type().dtype() == DType.INT;
        String values = names.unique(node.attr("name") + "_data");
        method.addStatement("$L[] $L = $L.$L", isInt ? "int" : "float", values, local, isInt ? "intData()" : "floatData()");
        TensorType type = node.type();
        boolean dense = true;
        for (int axis = 1; axis < type.rank(); axis++) {
            dense &= type.dim(axis).constant().isPresent();
        }
        if (dense) {
            method.beginControlFlow("for (int index = 0; index < $L.length; index++)", values);
            method.addStatement("$L.set(index, $L[index])", arrays.get(node.id()), values);
            method.endControlFlow();
            return;
        }
        Layout layout = plan.layout(node);
        String flat = names.unique(node.attr("name") + "_next");
        method.addStatement("int $L = 0", flat);
        StringBuilder target = new StringBuilder(at(node));
        for (int axis = 0; axis < type.rank(); axis++) {
            String index = names.unique(node.attr("name") + "_" + axis);
            method.beginControlFlow("for (int $L = 0; $L < $L.dim($L); $L++)", index, index, local, axis, index);
            target.append(" + ").append(index).append(" * ").append(layout.stride(axis));
        }
        method.addStatement("$L.set($L, $L[$L++])", arrays.get(node.id()), target, values, flat);
        for (int axis = 0; axis < type.rank(); axis++) {
            method.endControlFlow();
        }
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
        List<Runnable> computedChecks = new ArrayList<>();
        for (Map.Entry<Node, String> input : locals.entrySet()) {
            TensorType type = input.getKey().type();
            for (int axis = 0; axis < type.rank(); axis++) {
                Dim dim = type.shape().get(axis);
                int at = axis;
                if (dim.constant().isPresent()) {
                    method.addStatement("$T.expectDim($S, $S, $L, $L, $L)", INPUTS, input.getKey().attr("name"), type.toString(),
                            input.getValue(), axis, dim.constant().get());
                } else if (dim.equals(Dim.symbol(dim.toString()))) {
                    method.addStatement("$L = $T.bind($S, $L, $S, $L, $L)", names.dim(dim), INPUTS, dim.toString(), names.dim(dim),
                            input.getKey().attr("name"), input.getValue(), axis);
                    bound.add(dim.toString());
                } else {
                    // A computed size (T + 1): checked once every dim it names is bound.
                    computedChecks.add(() -> method.addStatement("$T.expectDim($S, $S, $L, $L, $L)", INPUTS, input.getKey().attr("name"),
                            type.toString(), input.getValue(), at, names.dim(dim)));
                }
            }
        }
        for (String dim : runTimeDims) {
            if (!bound.contains(dim)) {
                throw new CodegenException("run-time dim " + dim + " is not the size of any input, so a call cannot set it");
            }
            if (stepping) {
                method.addStatement("$T.checkCache($S, $L, cached, $L$L)", INPUTS, dim, names.user(dim), maxFields.get(dim),
                        boundArgument(dim));
            } else {
                method.addStatement("$T.checkRange($S, $L, $L$L)", INPUTS, dim, names.user(dim), maxFields.get(dim),
                        boundArgument(dim));
            }
        }
        computedChecks.forEach(Runnable::run);
        method.addStatement("dims.set(0, $L)", stepping ? "cached" : "0");
        for (int index = 0; index < runTimeDims.size(); index++) {
            method.addStatement("dims.set($L, $L)", index + 1, names.user(runTimeDims.get(index)));
        }
        for (int index = 0; index < computedSizes.size(); index++) {
            method.addStatement("dims.set($L, $L)", 1 + runTimeDims.size() + index, names.dim(computedSizes.get(index)));
        }
        if (!launchGrids.isEmpty()) {
            method.addComment("Grids follow this call's sizes: a single row launches one row of work-items.");
            for (LaunchGrid grid : launchGrids.values()) {
                method.addStatement("resize($L, $L, $L, $L)", grid.field(), names.dim(grid.width()), grid.local(), names.dim(grid.rows()));
            }
        }
        if (!linearGrids.isEmpty()) {
            method.addComment("Linear layers: a group per output tile for many rows, a group per $L outputs for few.",
                    TornadoLinearWriter.OUTPUTS_PER_GROUP);
            for (LinearGrid grid : linearGrids.values()) {
                method.addStatement("resizeLinear($L, $L, $L)", grid.field(), names.dim(grid.rows()), grid.outWidth());
            }
        }
        for (Map.Entry<Node, String> input : locals.entrySet()) {
            copyInput(method, input.getKey(), input.getValue());
        }
        for (Node node : graph.nodes()) {
            if (node.op() == Op.EMBEDDING && node.input(0).op() == Op.INPUT && node.input(0).type().rank() == 1) {
                Param param = graph.param(Integer.parseInt(node.attr("param_id")));
                method.addStatement("$T.checkIds($S, $L.intData(), 0, $L, $L)", INPUTS, node.input(0).attr("name"),
                        locals.get(node.input(0)), names.dim(node.input(0).type().dim(0)), param.attrs().get("count"));
            }
        }
        for (Map.Entry<Node, Long> ids : checkedPositions.entrySet()) {
            Node input = ids.getKey();
            method.addStatement("$T.checkPositions($S, $L.intData(), $L, $L)", POSITION_TABLES, input.attr("name"), locals.get(input),
                    names.dim(input.type().dim(0)), ids.getValue());
        }
        if (graphCount == 1) {
            method.addStatement("$T result = plan.execute()", EXECUTION_RESULT);
        } else {
            // TornadoVM 5.2 hands consumed buffers over from the graph executed last, and execute() on the
            // whole plan sets that only once all its graphs have run: so each graph gets an execute() of its own.
            method.addComment("The $L task graphs one at a time, in order: each takes its buffers over from the one before.", graphCount);
            method.beginControlFlow("for (int index = 0; index < $L; index++)", graphCount - 1);
            method.addStatement("plan.withGraph(index).execute()");
            method.endControlFlow();
            method.addStatement("$T result = plan.withGraph($L).execute()", EXECUTION_RESULT, graphCount - 1);
        }
        for (Map.Entry<String, List<String>> copy : outputExtents(graph).entrySet()) {
            String extent = copy.getValue().size() == 1 ? copy.getValue().get(0) : copy.getValue().stream()
                    .reduce((a, b) -> "Math.max(" + a + ", " + b + ")").orElseThrow();
            method.addStatement("result.transferToHost(new $T($L).withSize($L))", DATA_RANGE, copy.getKey(), extent);
        }
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
