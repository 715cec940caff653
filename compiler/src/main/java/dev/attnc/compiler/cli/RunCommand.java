package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompilationException;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.TensorSpec;
import dev.attnc.compiler.api.Weights;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.AttentionMaps;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.TableIndexException;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.Safetensors;
import dev.attnc.runtime.weights.SafetensorsFile;
import dev.attnc.runtime.weights.WeightException;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
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

    @Option(names = "--seq", paramLabel = "T",
            description = "the value of every run-time dim for random inputs, from 1 to the model's bound (default: 32, or the bound if smaller)")
    Integer seq;

    @Option(names = "--weights", paramLabel = "W.safetensors", description = "weights to load (default: seeded random weights)")
    Path weights;

    @Mixin
    WeightNamesOption weightNames = new WeightNamesOption();

    @Option(names = "--inputs", paramLabel = "X.safetensors", description = "inputs, one tensor per model input, by name (default: seeded random)")
    Path inputs;

    @Option(names = "--out", paramLabel = "Y.safetensors",
            description = "write the outputs to this file, in a folder that exists; an existing file only with --force")
    Path out;

    @Option(names = "--force", description = "let --out replace an existing file and --dump-attention write into a folder"
            + " that holds files (maps of the same name are replaced)")
    boolean force;

    @Option(names = "--seed", paramLabel = "N", description = "seed for random weights and inputs (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--max-seq", paramLabel = "N", description = "the largest value of run-time dims that declare no bound (default: ${DEFAULT-VALUE})")
    long maxSeq = JvmBackend.DEFAULT_MAX_SEQ;

    @Option(names = "--dump-attention", paramLabel = "DIR",
            description = "write one PNG heatmap per attention, layer and head into DIR: a new or empty folder, or any with --force")
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
        checkArguments();
        SourceFile source = SourceFiles.read(file);
        Backends chosen = null;
        Main.UsageError badBackend = null;
        try {
            chosen = Backends.parse(backend);
        } catch (Main.UsageError e) {
            badBackend = e;
        }
        dev.attnc.runtime.weights.CheckpointMetadata metadata;
        try {
            metadata = CheckpointOption.metadata(weights);
        } catch (WeightException e) {
            err.println("attnc: error: " + Terminal.safe(String.valueOf(e.getMessage())));
            return Main.INPUT_ERRORS;
        }
        CompileOptions options = new CompileOptions(chosen == Backends.TORNADOVM ? Backend.TORNADOVM : Backend.JVM,
                CompileOptions.DEFAULT_PACKAGE, maxSeq, metadata);
        Compilation compilation = Attnc.check(source.name(), source.text(), options);
        err.print(compilation.render());
        err.flush();
        if (!compilation.ok()) {
            return Main.INPUT_ERRORS;
        }
        if (badBackend != null) {
            throw badBackend;
        }
        AttnModel model = compilation.models().get(0);
        MaxSeqOption.warnIfUnused(spec, List.of(model), maxSeq, err);
        if (chosen == Backends.TORNADOVM && dumpAttention != null) {
            throw new Main.UsageError("--dump-attention needs the JVM backend: attention maps are not recorded on a device");
        }
        int[] deviceIndex = deviceIndex();
        if (deviceIndex != null && chosen != Backends.TORNADOVM) {
            throw new Main.UsageError("--device needs --backend tornadovm");
        }
        int length = length(model);
        if (CheckCommand.generationErrors(List.of(model), err) > 0) {
            return Main.INPUT_ERRORS;
        }
        long started = System.nanoTime();
        try {
            model.modelClass();
        } catch (CompilationException e) {
            err.println(e.getMessage());
            return Main.INPUT_ERRORS;
        }
        double compileMillis = (System.nanoTime() - started) / 1e6;
        stdout.printf("model %s from %s, %s (compiled in %.0f ms)%n", model.name(), file, describe(chosen), compileMillis);
        try (WeightSource weightSource = weights == null ? Weights.random(seed)
                : weightNames.open(weights)) {
            java.util.function.Function<WeightSource, Model> load = from -> deviceIndex == null ? model.load(from)
                    : model.load(from, deviceIndex[0], deviceIndex[1]);
            // A checkpoint's every missing or mismatched tensor is reported at once.
            Model loaded = weights == null ? load.apply(weightSource)
                    : CheckpointOption.loadAll(weightSource, "model " + model.name(), load);
            stdout.println("weights: " + weightSource.description());
            Map<String, Tensor> given = inputs(model, length, stdout);
            AttentionMaps maps = dumpAttention == null ? null : AttentionMaps.all();
            if (maps != null) {
                loaded.recordAttention(maps);
            }
            long start = System.nanoTime();
            Map<String, Tensor> outputs = loaded.forward(given);
            double millis = (System.nanoTime() - start) / 1e6;
            for (Map.Entry<String, Tensor> output : outputs.entrySet()) {
                stdout.println(summary("output", output.getKey(), output.getValue()));
            }
            stdout.printf("time: %.1f ms (one forward call, first run, not warmed up)%n", millis);
            if (out != null) {
                try {
                    Safetensors.write(out, outputs);
                } catch (UncheckedIOException e) {
                    throw new Main.UsageError(e.getMessage());
                }
                stdout.println("wrote " + Terminal.safe(out.toString()));
            }
            if (maps != null) {
                writeMaps(maps, stdout);
            }
            loaded.close();
        } catch (WeightException | ModelInputException | TableIndexException e) {
            // A report of several tensors comes a line each, every line made safe to print.
            String[] lines = String.valueOf(e.getMessage()).split("\n", -1);
            err.println("attnc: error: " + Terminal.safe(lines[0]));
            for (int line = 1; line < lines.length; line++) {
                err.println(Terminal.safe(lines[line]));
            }
            return Main.INPUT_ERRORS;
        }
        stdout.flush();
        return Main.OK;
    }

    /** The flags' values and the files they name, checked before any work: each mistake is one line, exit 2. */
    private void checkArguments() {
        if (seq != null && seq < 1) {
            throw new Main.UsageError("--seq must be at least 1, not " + seq);
        }
        if (maxSeq < 1) {
            throw new Main.UsageError("--max-seq must be at least 1, not " + maxSeq);
        }
        Main.checkThreadSetting();
        if (weights != null) {
            SourceFiles.checkReadable("--weights", weights);
        }
        weightNames.check(weights);
        if (inputs != null) {
            SourceFiles.checkReadable("--inputs", inputs);
        }
        if (out != null) {
            OutputPaths.checkFile("--out", out, force);
        }
        if (dumpAttention != null) {
            OutputPaths.checkFolder("--dump-attention", dumpAttention);
            if (!force && OutputPaths.holdsFiles(dumpAttention)) {
                throw new Main.UsageError("--dump-attention " + Terminal.safe(dumpAttention.toString())
                        + " already holds files; name a new or empty folder, or pass --force to write into it");
            }
        }
    }

    /**
     * The value random inputs give every run-time dim: --seq, checked against the smallest bound
     * of the model's dims before anything is drawn; without --seq, 32 or that bound if smaller.
     */
    private int length(AttnModel model) {
        long bound = Long.MAX_VALUE;
        String bounded = null;
        for (Map.Entry<String, Optional<Long>> dim : model.dims().entrySet()) {
            long largest = dim.getValue().orElse(maxSeq);
            if (largest < bound) {
                bound = largest;
                bounded = dim.getKey();
            }
        }
        if (bounded == null) {
            return seq != null ? seq : DEFAULT_SEQ;
        }
        if (seq == null) {
            return (int) Math.min(DEFAULT_SEQ, bound);
        }
        if (seq > bound) {
            String why;
            if (model.dims().get(bounded).isPresent()) {
                // --max-seq sizes only dims without a bound: name the bound and where to raise it.
                var declared = dev.attnc.compiler.check.ActivationMemory.dimDeclarations(SourceFiles.read(file), model.name())
                        .get(bounded);
                why = " (`dim " + bounded + " <= " + bound + "`" + (declared == null ? "" : " on line " + declared.line()
                        + " of " + file.getFileName()) + "; raise that bound to take more)";
            } else {
                why = " (--max-seq " + maxSeq + ", since the model declares no bound for it)";
            }
            throw new Main.UsageError("--seq " + seq + " is more than the model takes: " + Terminal.safe(bounded)
                    + " is at most " + bound + Terminal.safe(why) + "; pass --seq " + bound + " or less");
        }
        return seq;
    }

    /** The length of random inputs without --seq (or the model's bound if smaller). */
    static final int DEFAULT_SEQ = 32;

    /** Which backend ran, in one line. */
    private String describe(Backends chosen) {
        return Backends.describe(chosen, device);
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

    private Map<String, Tensor> inputs(AttnModel model, int length, PrintWriter stdout) {
        Map<String, Tensor> given = new LinkedHashMap<>();
        if (this.inputs != null) {
            List<String> names = model.inputs().stream().map(TensorSpec::name).toList();
            try (SafetensorsFile file = SafetensorsFile.open(this.inputs)) {
                for (String name : names) {
                    if (!file.contains(name)) {
                        throw new ModelInputException(this.inputs + " has no tensor `" + name + "`; the model's inputs are "
                                + String.join(", ", names));
                    }
                }
                // Shapes come from the header: every one is checked against the model before any data is read.
                InputShapes.check(model, file, this.inputs.getFileName().toString());
                for (String name : names) {
                    given.put(name, file.tensor(name));
                    stdout.println(summary("input", name, given.get(name)) + " from "
                            + Terminal.safe(this.inputs.getFileName().toString()));
                }
            }
            return given;
        }
        given.putAll(model.randomInputs(length, seed));
        given.forEach((name, tensor) -> stdout.println(summary("input", name, tensor) + " (random)"));
        return given;
    }

    private void writeMaps(AttentionMaps maps, PrintWriter stdout) {
        int written = 0;
        try {
            Files.createDirectories(dumpAttention);
            // Numbers padded to the widest, so that head10 sorts after head9 in a file list.
            int layerDigits = Integer.toString(maps.maps().stream().mapToInt(AttentionMaps.Map::layer).max().orElse(0)).length();
            int headDigits = Integer.toString(maps.maps().stream().mapToInt(AttentionMaps.Map::head).max().orElse(0)).length();
            for (AttentionMaps.Map map : maps.maps()) {
                String name = String.format("%s_layer%0" + layerDigits + "d_head%0" + headDigits + "d.png", map.attention(),
                        map.layer(), map.head());
                Path target = OutputPaths.inside(dumpAttention, name);
                Heatmap.write(map, target);
                written++;
            }
        } catch (IOException e) {
            throw new Main.UsageError("cannot write to --dump-attention " + Terminal.safe(dumpAttention.toString()) + ": "
                    + e.getMessage());
        }
        stdout.println("wrote " + written + " attention maps to " + Terminal.safe(dumpAttention.toString()));
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
