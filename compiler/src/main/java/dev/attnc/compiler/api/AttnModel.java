package dev.attnc.compiler.api;

import dev.attnc.compiler.check.ActivationMemory;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.codegen.tornadovm.TornadoCompilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.explain.Explainer;
import dev.attnc.compiler.explain.Explanation;
import dev.attnc.compiler.explain.Machine;
import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Param;
import dev.attnc.compiler.passes.Pipeline;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * One checked model of a {@code .attn} source, on its way to a running {@link Model}: what it
 * takes and returns, its generated Java, its compiled class, and loaded instances.
 *
 * <pre>{@code
 * AttnModel model = Attnc.compile(Path.of("gpt2_block.attn")).orElseThrow();
 * System.out.println(model.inputs());                 // [ids int[T]]
 * try (Model run = model.load(Weights.random(42))) {  // javac runs here, once per AttnModel
 *     Tensor x = run.forward(model.randomInputs(16, 7)).get("x");
 * }
 * }</pre>
 *
 * <p>The Java is generated when first needed and javac runs when the class is first needed;
 * both are kept. An instance is safe to use from several threads; each {@link #load} makes a
 * new, independent model instance.
 */
public final class AttnModel {

    private final CheckedModel checked;
    private final SourceFile source;
    private final CompileOptions options;
    private Graph fused;
    private Map<String, String> irByStage;
    private JvmBackend.Generated generated;
    private Class<? extends Model> modelClass;

    AttnModel(CheckedModel checked, SourceFile source, CompileOptions options) {
        this.checked = checked;
        this.source = source;
        this.options = options;
    }

    /** The model's name in the source, which is also its generated class's simple name (JVM backend). */
    public String name() {
        return checked.name();
    }

    /** The name of the source it was declared in. */
    public String sourceName() {
        return source.name();
    }

    /** The options its Java is generated with. */
    public CompileOptions options() {
        return options;
    }

    /** What {@link Model#forward} takes, in declaration order. */
    public List<TensorSpec> inputs() {
        return fusedGraph().inputs().stream().map(AttnModel::spec).toList();
    }

    /** What {@link Model#forward} returns, in declaration order. */
    public List<TensorSpec> outputs() {
        return fusedGraph().outputs().stream().map(AttnModel::spec).toList();
    }

    /**
     * The run-time dims ({@code dim T <= 1024}) with their declared largest values; empty for a
     * dim declared without a bound, which then gets {@link CompileOptions#maxSeq()}.
     */
    public Map<String, Optional<Long>> dims() {
        return checked.dims();
    }

    /** The model's named constants (file and model level), Long or Double, in declaration order. */
    public Map<String, Number> constants() {
        return checked.constants();
    }

    /** The checkpoint tensor names {@code load} reads (with {@code {layer}} placeholders of repeats kept). */
    public List<String> weightNames() {
        List<String> names = new ArrayList<>();
        for (Param param : fusedGraph().params()) {
            param.tensors().keySet().stream().sorted().forEach(suffix -> names.add(param.tensorName(suffix)));
        }
        return names;
    }

    /**
     * The attention graph after every pass (fusion, dead-node removal): what the generated code
     * computes. Compiler IR, for tools such as {@code attnc explain}.
     */
    public synchronized Graph fusedGraph() {
        if (fused == null) {
            irByStage = new LinkedHashMap<>();
            irByStage.put("checked", IrPrinter.print(checked.graph()));
            fused = Pipeline.run(checked.graph(), (pass, graph) -> irByStage.put(pass, IrPrinter.print(graph)));
            irByStage.put("final", IrPrinter.print(fused));
        }
        return fused;
    }

    /**
     * The attention graph as text, one node per line, at a stage: {@code checked} (before any
     * pass), the name of a pass ({@link #stages()}), or {@code final}.
     *
     * @throws IllegalArgumentException for an unknown stage
     */
    public synchronized String ir(String stage) {
        fusedGraph();
        String text = irByStage.get(stage);
        if (text == null) {
            throw new IllegalArgumentException("unknown stage '" + stage + "'; stages are " + String.join(", ", stages()));
        }
        return text;
    }

    /** The stages {@link #ir} knows: {@code checked}, each pass in order, {@code final}. */
    public static List<String> stages() {
        List<String> stages = new ArrayList<>(List.of("checked"));
        stages.addAll(Pipeline.passNames());
        stages.add("final");
        return stages;
    }

    /** The generated class's fully qualified name, such as {@code attnc.models.Gpt2Block}. */
    public String className() {
        return generated().className();
    }

    /** The generated Java source of the model's class. */
    public String javaSource() {
        return generated().file().toString();
    }

    /**
     * Writes the generated class under {@code directory}, in folders for its package.
     *
     * @return the file written
     */
    public Path writeJava(Path directory) throws IOException {
        return generated().file().writeToPath(directory);
    }

    /** The generated class, compiled in memory (once; later calls return the same class). */
    public synchronized Class<? extends Model> modelClass() {
        if (modelClass == null) {
            JvmBackend.Generated code = generated();
            Class<?> type = options.backend() == Backend.JVM
                    ? InMemoryJavac.compile(List.of(code.file()), List.of(Model.class)).classes().get(code.className())
                    : TornadoCompilation.compileAndLoad(code.file(), code.className());
            modelClass = type.asSubclass(Model.class);
        }
        return modelClass;
    }

    /**
     * A new model instance with weights from {@code weights}, each checked by name and shape first.
     * The source is read during this call only; closing it is up to the caller.
     *
     * @throws dev.attnc.runtime.weights.WeightException if a weight is missing or has another shape
     * @throws CompilationException if the model's code cannot be generated (only after {@link Attnc#check})
     */
    public Model load(WeightSource weights) {
        return invokeLoad(new Class<?>[] {WeightSource.class}, weights);
    }

    /**
     * A new instance that decodes token by token ({@link Decoder#step}), for a model whose
     * attentions keep a KV cache ({@code cache = true}).
     *
     * @throws UnsupportedOperationException if the model cannot decode step by step: it has no
     *     attention with {@code cache = true}
     */
    public Decoder loadDecoder(WeightSource weights) {
        Model model = load(weights);
        if (model instanceof Decoder decoder) {
            return decoder;
        }
        model.close();
        throw new UnsupportedOperationException(name() + " cannot decode step by step: its attentions keep no KV cache "
                + "(add `cache = true` to each attention, with a causal mask)");
    }

    /**
     * A new TornadoVM model instance on device {@code device} of TornadoVM backend {@code backend}
     * (as {@code tornado --devices} lists them); the TornadoVM backend only.
     *
     * @throws UnsupportedOperationException for the JVM backend
     */
    public Model load(WeightSource weights, int backend, int device) {
        if (options.backend() != Backend.TORNADOVM) {
            throw new UnsupportedOperationException("a device is chosen only with the TornadoVM backend");
        }
        return invokeLoad(new Class<?>[] {WeightSource.class, int.class, int.class}, weights, backend, device);
    }

    /**
     * Seeded random inputs for {@link Model#forward}, each run-time dim (such as {@code T}) set to
     * {@code length}: floats from N(0, 1), token ids uniform over the rows of the embedding they
     * index, int scalars {@code length}, other int tensors 1. The same seed gives the same inputs.
     */
    public Map<String, Tensor> randomInputs(int length, long seed) {
        Graph graph = fusedGraph();
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (Node input : graph.inputs()) {
            inputs.put(input.attr("name"), random(graph, input, random, length));
        }
        return inputs;
    }

    /**
     * What each node of {@link #fusedGraph()} costs with every run-time dim at {@code length}: FLOPs,
     * bytes, arithmetic intensity and the roofline bound on this machine (measured once per JVM,
     * about a second), and the memory the fused attention saves.
     */
    public Explanation explain(long length) {
        return explain(length, Machine.measured());
    }

    /** As {@link #explain(long)}, on a machine with the given peaks. */
    public Explanation explain(long length, Machine machine) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String dim : checked.dims().keySet()) {
            values.put(dim, length);
        }
        return Explainer.explain(fusedGraph(), values, checked.dims(), machine, sourceName(), options.backend().spelling());
    }

    @Override
    public String toString() {
        return name() + " from " + sourceName() + ": inputs " + inputs() + ", outputs " + outputs();
    }

    /**
     * The generated code; a code generation problem is thrown as a {@link CompilationException}.
     * Activations that cannot fit are found first, so that their error points at the statement
     * of the largest value, as {@code attnc check} shows it.
     */
    synchronized JvmBackend.Generated generated() {
        if (generated == null) {
            Optional<dev.attnc.compiler.diag.Diagnostic> memory = ActivationMemory.check(name(), fusedGraph(), dims(),
                    options.maxSeq(), checked.dimDeclarations());
            if (memory.isPresent()) {
                Diagnostic error = Diagnostic.of(memory.get());
                throw new CompilationException(error.headline(), List.of(error));
            }
            try {
                generated = options.backend() == Backend.JVM
                        ? JvmBackend.generate(checked, source, options.codegen())
                        : TornadoBackend.generate(checked, source, options.codegen());
            } catch (CodegenException e) {
                Diagnostic error = Diagnostic.modelError(source.name(), e.getMessage());
                throw new CompilationException(error.headline(), List.of(error));
            }
        }
        return generated;
    }

    private Model invokeLoad(Class<?>[] parameters, Object... arguments) {
        Class<? extends Model> type = modelClass();
        try {
            return (Model) type.getMethod("load", parameters).invoke(null, arguments);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the generated class " + type.getName(), e);
        }
    }

    private static TensorSpec spec(Node node) {
        List<String> shape = node.type().shape().stream().map(Dim::toString).toList();
        return new TensorSpec(node.attr("name"), node.type().dtype() == DType.INT ? dev.attnc.runtime.DType.I32
                : dev.attnc.runtime.DType.F32, shape);
    }

    private static Tensor random(Graph graph, Node input, SplittableRandom random, int length) {
        int[] shape = input.type().shape().stream()
                .mapToInt(dim -> dim.constant().isPresent() ? Math.toIntExact(dim.constant().get()) : length).toArray();
        int count = Math.toIntExact(Tensor.sizeOf(shape));
        if (input.type().dtype() == DType.FLOAT) {
            float[] data = new float[count];
            for (int index = 0; index < count; index++) {
                double u = random.nextDouble(Double.MIN_VALUE, 1);
                data[index] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
            }
            return Tensor.floats(data, shape);
        }
        int[] data = new int[count];
        int rows = embeddingRows(graph, input);
        for (int index = 0; index < count; index++) {
            data[index] = shape.length == 0 ? length : rows > 0 ? random.nextInt(rows) : 1;
        }
        return Tensor.ints(data, shape);
    }

    /** The rows of the embedding an int input indexes, or 0 if it indexes none. */
    private static int embeddingRows(Graph graph, Node input) {
        for (Node node : graph.nodes()) {
            if (node.op() == Op.EMBEDDING && node.input(0) == input) {
                return Integer.parseInt(graph.param(Integer.parseInt(node.attr("param_id"))).attrs().get("count"));
            }
        }
        return 0;
    }
}
