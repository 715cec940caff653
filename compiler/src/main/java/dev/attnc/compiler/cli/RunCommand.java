package dev.attnc.compiler.cli;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Param;
import dev.attnc.runtime.AttentionMaps;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.tornado.TornadoSupport;
import dev.attnc.runtime.weights.RandomWeights;
import dev.attnc.runtime.weights.Safetensors;
import dev.attnc.runtime.weights.SafetensorsFile;
import dev.attnc.runtime.weights.WeightException;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", description = {
    "Compile a .attn model in memory, load or draw its weights and inputs, run it, and summarise the outputs.",
    "Random inputs: floats from N(0, 1); token ids uniform over their embedding's rows; other int vectors 1;"
            + " int scalars the sequence length."})
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the .attn file")
    Path file;

    @Option(names = "--seq", paramLabel = "T", description = "the value of every run-time dim for random inputs (default: 32, or the bound if smaller)")
    Integer seq;

    @Option(names = "--weights", paramLabel = "W.safetensors", description = "weights to load (default: seeded random weights)")
    Path weights;

    @Option(names = "--inputs", paramLabel = "X.safetensors", description = "inputs, one tensor per model input, by name (default: seeded random)")
    Path inputs;

    @Option(names = "--out", paramLabel = "Y.safetensors", description = "write the outputs here")
    Path out;

    @Option(names = "--seed", paramLabel = "N", description = "seed for random weights and inputs (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--max-seq", paramLabel = "N", description = "the largest value of run-time dims that declare no bound (default: ${DEFAULT-VALUE})")
    long maxSeq = JvmBackend.DEFAULT_MAX_SEQ;

    @Option(names = "--dump-attention", paramLabel = "DIR", description = "write one PNG heatmap per attention, layer and head into DIR")
    Path dumpAttention;

    @Option(names = "--backend", paramLabel = "B", description = "jvm (default) or tornadovm")
    String backend = "jvm";

    @Option(names = "--device", paramLabel = "B:D", description = "with --backend tornadovm: device D of backend B, as `tornado --devices` lists them")
    String device;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SourceFile source = SourceFiles.read(file);
        FrontEnd.Result result = FrontEnd.check(source);
        err.print(result.diagnostics().render());
        err.flush();
        if (!result.ok()) {
            return Main.INPUT_ERRORS;
        }
        CheckedModel checked = result.models().get(0);
        Backends chosen = Backends.parse(backend);
        if (chosen == Backends.TORNADOVM && dumpAttention != null) {
            throw new Main.UsageError("--dump-attention needs the JVM backend: attention maps are not recorded on a device");
        }
        int[] deviceIndex = deviceIndex();
        long started = System.nanoTime();
        JvmBackend.Generated generated;
        Class<?> modelClass;
        try {
            JvmBackend.Options options = new JvmBackend.Options("attnc.models", maxSeq);
            if (chosen == Backends.JVM) {
                generated = JvmBackend.generate(checked, source, options);
                InMemoryJavac.Result compiled = InMemoryJavac.compile(List.of(generated.file()), List.of(Model.class));
                modelClass = compiled.classes().get(generated.className());
            } else {
                generated = TornadoBackend.generate(checked, source, options);
                modelClass = Backends.compileTornado(generated.file(), generated.className());
            }
        } catch (CodegenException e) {
            err.println(source.name() + ": error: " + e.getMessage());
            return Main.INPUT_ERRORS;
        }
        double compileMillis = (System.nanoTime() - started) / 1e6;
        stdout.printf("model %s from %s, %s (compiled in %.0f ms)%n", checked.name(), file, describe(chosen), compileMillis);
        try (WeightSource weightSource = weights == null ? new RandomWeights(seed) : SafetensorsFile.open(weights)) {
            Model model = load(modelClass, weightSource, deviceIndex);
            stdout.println("weights: " + weightSource.description());
            Map<String, Tensor> given = inputs(generated.graph(), stdout);
            AttentionMaps maps = dumpAttention == null ? null : AttentionMaps.all();
            if (maps != null) {
                model.recordAttention(maps);
            }
            long start = System.nanoTime();
            Map<String, Tensor> outputs = model.forward(given);
            double millis = (System.nanoTime() - start) / 1e6;
            for (Map.Entry<String, Tensor> output : outputs.entrySet()) {
                stdout.println(summary("output", output.getKey(), output.getValue()));
            }
            stdout.printf("time: %.1f ms (one forward call, first run, not warmed up)%n", millis);
            if (out != null) {
                Safetensors.write(out, outputs);
                stdout.println("wrote " + out);
            }
            if (maps != null) {
                writeMaps(maps, stdout);
            }
            model.close();
        } catch (WeightException | ModelInputException e) {
            err.println("attnc: error: " + e.getMessage());
            return Main.INPUT_ERRORS;
        }
        stdout.flush();
        return Main.OK;
    }

    private static Model load(Class<?> type, WeightSource weights, int[] device) {
        try {
            if (device != null) {
                return (Model) type.getMethod("load", WeightSource.class, int.class, int.class).invoke(null, weights, device[0], device[1]);
            }
            return (Model) type.getMethod("load", WeightSource.class).invoke(null, weights);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the generated class " + type, e);
        }
    }

    /** Which backend ran, in one line. */
    private String describe(Backends chosen) {
        if (chosen == Backends.JVM) {
            return "JVM backend";
        }
        return TornadoSupport.available()
                ? "TornadoVM backend" + (device == null ? " on TornadoVM's default device" : " on device " + device)
                : "TornadoVM backend; TornadoVM is not in this JVM, so its kernels run on the JVM"
                        + " (start attnc with TornadoVM's `tornado` launcher to use a GPU)";
    }

    private int[] deviceIndex() {
        if (device == null) {
            return null;
        }
        String[] parts = device.split(":");
        try {
            if (parts.length == 2) {
                return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Main.UsageError("--device takes BACKEND:DEVICE, two numbers as `tornado --devices` lists them, e.g. 0:1");
    }

    private Map<String, Tensor> inputs(Graph graph, PrintWriter stdout) {
        Map<String, Tensor> given = new LinkedHashMap<>();
        if (this.inputs != null) {
            try (SafetensorsFile file = SafetensorsFile.open(this.inputs)) {
                for (Node input : graph.inputs()) {
                    String name = input.attr("name");
                    if (!file.contains(name)) {
                        throw new ModelInputException(this.inputs + " has no tensor `" + name + "`; the model's inputs are "
                                + String.join(", ", graph.inputs().stream().map(n -> n.attr("name")).toList()));
                    }
                    given.put(name, file.tensor(name));
                    stdout.println(summary("input", name, given.get(name)) + " from " + this.inputs.getFileName());
                }
            }
            return given;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (Node input : graph.inputs()) {
            Tensor tensor = random(graph, input, random);
            given.put(input.attr("name"), tensor);
            stdout.println(summary("input", input.attr("name"), tensor) + " (random)");
        }
        return given;
    }

    private Tensor random(Graph graph, Node input, SplittableRandom random) {
        int[] shape = input.type().shape().stream().mapToInt(this::size).toArray();
        int count = (int) Tensor.sizeOf(shape);
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
            data[index] = shape.length == 0 ? defaultLength() : rows > 0 ? random.nextInt(rows) : 1;
        }
        return Tensor.ints(data, shape);
    }

    /** The rows of the embedding an int input indexes, or 0 if it indexes none. */
    private static int embeddingRows(Graph graph, Node input) {
        for (Node node : graph.nodes()) {
            if (node.op() == Op.EMBEDDING && node.input(0) == input) {
                Param param = graph.param(Integer.parseInt(node.attr("param_id")));
                return Integer.parseInt(param.attrs().get("count"));
            }
        }
        return 0;
    }

    private int size(Dim dim) {
        if (dim.constant().isPresent()) {
            return Math.toIntExact(dim.constant().get());
        }
        return defaultLength();
    }

    private int defaultLength() {
        return seq != null ? seq : 32;
    }

    private void writeMaps(AttentionMaps maps, PrintWriter stdout) throws IOException {
        Files.createDirectories(dumpAttention);
        int written = 0;
        for (AttentionMaps.Map map : maps.maps()) {
            Heatmap.write(map, dumpAttention.resolve(map.attention() + "_layer" + map.layer() + "_head" + map.head() + ".png"));
            written++;
        }
        stdout.println("wrote " + written + " attention maps to " + dumpAttention);
    }

    private static String summary(String kind, String name, Tensor tensor) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        long count = tensor.size();
        for (long index = 0; index < count; index++) {
            double value = tensor.dtype() == dev.attnc.runtime.DType.F32 ? tensor.floatData()[(int) index] : tensor.intData()[(int) index];
            min = Math.min(min, value);
            max = Math.max(max, value);
            sum += value;
        }
        if (tensor.dtype() == dev.attnc.runtime.DType.I32) {
            return String.format("%s %s %s: min %d, max %d, mean %.4g", kind, name, tensor.shapeString(), (long) min, (long) max,
                    count == 0 ? 0 : sum / count);
        }
        return String.format("%s %s %s: min %.4g, max %.4g, mean %.4g", kind, name, tensor.shapeString(), min, max,
                count == 0 ? 0 : sum / count);
    }
}
