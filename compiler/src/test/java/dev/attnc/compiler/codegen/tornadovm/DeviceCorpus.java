package dev.attnc.compiler.codegen.tornadovm;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.runtime.DType;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real-device corpus, {@code compiler/src/test/resources/tornado-corpus}: small models that are
 * not the samples, and the calls each one makes. Shared by {@link DeviceCorpusTest} (in the test
 * JVM), by {@link DeviceCorpusRunner} (in a JVM started with TornadoVM's argfile) and by
 * {@code bench/tornado-device.sh}, so it uses no JUnit.
 *
 * <p>Each file's second line says how it runs: {@code // run: seq=N [prefill=P] [tolerance=X]}.
 * Without {@code prefill} the model gets one {@code forward} of {@code N} rows; with it, a
 * {@code forward} of the first {@code P} rows and then one {@code step} per remaining row, which
 * reads the KV cache. Outputs are keyed {@code name} for a single forward, else
 * {@code name@prefill} and {@code name@stepR} (R the row the step decodes).
 */
final class DeviceCorpus {
    /** Weights: {@code RandomWeights(WEIGHT_SEED)} on both backends. */
    static final long WEIGHT_SEED = 7;
    /** Inputs: {@code AttnModel.randomInputs(seq, INPUT_SEED)}, then the int inputs made less uniform (see {@link #inputs}). */
    static final long INPUT_SEED = 11;
    /** Max abs error against the JVM backend, as a fraction of the output's largest value, unless the file says otherwise. */
    static final double DEFAULT_TOLERANCE = 1e-4;

    static final String DIRECTORY = "compiler/src/test/resources/tornado-corpus";

    private static final Pattern RUN_LINE = Pattern.compile(
            "^// run: seq=(\\d+)(?: prefill=(\\d+))?(?: tolerance=([0-9.eE-]+))?\\s*$");

    /** One corpus file and how it runs. */
    record Entry(Path path, String name, int seq, int prefill, double tolerance) {
        boolean steps() {
            return prefill > 0;
        }

        String text() {
            try {
                return Files.readString(path, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private DeviceCorpus() {
    }

    /** Every {@code .attn} file of {@code directory}, sorted by name. */
    static List<Entry> entries(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".attn")).sorted().map(DeviceCorpus::entry).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a file's {@code // run:} line; a file without a valid one is a mistake in the corpus. */
    static Entry entry(Path path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String file = path.getFileName().toString();
        String name = file.substring(0, file.length() - ".attn".length());
        if (lines.size() < 2 || !lines.get(0).startsWith("// Exercises: ")) {
            throw new IllegalArgumentException(path + ": the first line must say what the model exercises (// Exercises: ...)");
        }
        Matcher run = RUN_LINE.matcher(lines.get(1));
        if (!run.matches()) {
            throw new IllegalArgumentException(path + ": the second line must be `// run: seq=N [prefill=P] [tolerance=X]`");
        }
        int seq = Integer.parseInt(run.group(1));
        int prefill = run.group(2) == null ? 0 : Integer.parseInt(run.group(2));
        double tolerance = run.group(3) == null ? DEFAULT_TOLERANCE : Double.parseDouble(run.group(3));
        if (seq < 1 || prefill < 0 || prefill >= seq || !(tolerance > 0 && tolerance < 1)) {
            throw new IllegalArgumentException(path + ": seq must be at least 1, prefill below seq, tolerance in (0, 1)");
        }
        return new Entry(path, name, seq, prefill, tolerance);
    }

    /**
     * The inputs: {@link AttnModel#randomInputs} (floats from N(0, 1), token ids uniform), except
     * that an int scalar (a length) becomes two thirds of the sequence, so that padding masks
     * leave keys out, and an int vector of flags (all 1 from randomInputs) becomes seeded 0s and 1s.
     */
    static Map<String, Tensor> inputs(AttnModel model, Entry entry) {
        Map<String, Tensor> inputs = new LinkedHashMap<>(model.randomInputs(entry.seq(), INPUT_SEED));
        SplittableRandom flags = new SplittableRandom(INPUT_SEED + 1);
        inputs.replaceAll((name, tensor) -> {
            if (tensor.dtype() != DType.I32) {
                return tensor;
            }
            int[] data = tensor.intData();
            if (tensor.rank() == 0) {
                return Tensor.ints(new int[] {Math.max(1, 2 * entry.seq() / 3)});
            }
            if (Arrays.stream(data).allMatch(value -> value == 1)) {
                int[] mixed = new int[data.length];
                for (int i = 0; i < mixed.length; i++) {
                    mixed[i] = flags.nextInt(3) == 0 ? 0 : 1;
                }
                return Tensor.ints(mixed, tensor.shape());
            }
            return tensor;
        });
        return inputs;
    }

    /** The entry's calls on {@code model}: one forward, or a prefill and then a step per row. */
    static Map<String, Tensor> run(Model model, Map<String, Tensor> inputs, Entry entry) {
        Map<String, Tensor> results = new LinkedHashMap<>();
        if (!entry.steps()) {
            results.putAll(model.forward(inputs));
            return results;
        }
        Method step;
        try {
            step = model.getClass().getMethod("step", Map.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(entry + " has prefill= but its class has no step method (is the attention cache = true?)", e);
        }
        model.forward(rows(inputs, entry.seq(), 0, entry.prefill()))
                .forEach((name, tensor) -> results.put(name + "@prefill", tensor));
        for (int row = entry.prefill(); row < entry.seq(); row++) {
            Map<String, Tensor> outputs = invokeStep(step, model, rows(inputs, entry.seq(), row, row + 1));
            int decoded = row;
            outputs.forEach((name, tensor) -> results.put(name + "@step" + decoded, tensor));
        }
        return results;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Tensor> invokeStep(Method step, Model model, Map<String, Tensor> inputs) {
        try {
            return (Map<String, Tensor>) step.invoke(model, inputs);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rows [from, to) of every input whose first dim is the sequence; other inputs as they are. */
    static Map<String, Tensor> rows(Map<String, Tensor> inputs, int seq, int from, int to) {
        Map<String, Tensor> sliced = new LinkedHashMap<>();
        inputs.forEach((name, tensor) -> {
            if (tensor.rank() == 0 || tensor.dim(0) != seq) {
                sliced.put(name, tensor);
                return;
            }
            int[] shape = tensor.shape().clone();
            int width = (int) (tensor.size() / seq);
            shape[0] = to - from;
            sliced.put(name, tensor.dtype() == DType.I32
                    ? Tensor.ints(Arrays.copyOfRange(tensor.intData(), from * width, to * width), shape)
                    : Tensor.floats(Arrays.copyOfRange(tensor.floatData(), from * width, to * width), shape));
        });
        return sliced;
    }

    /**
     * How far {@code actual} is from {@code expected}, output by output: null when every output
     * is within {@code tolerance} of its largest value, else a line per output that is not.
     */
    static String compare(Map<String, Tensor> expected, Map<String, Tensor> actual, double tolerance) {
        StringBuilder problems = new StringBuilder();
        if (!expected.keySet().equals(actual.keySet())) {
            return "outputs " + actual.keySet() + ", expected " + expected.keySet();
        }
        for (Map.Entry<String, Tensor> output : expected.entrySet()) {
            Tensor want = output.getValue();
            Tensor got = actual.get(output.getKey());
            if (!Arrays.equals(want.shape(), got.shape())) {
                problems.append(output.getKey()).append(": shape ").append(got.shapeString()).append(", expected ")
                        .append(want.shapeString()).append('\n');
                continue;
            }
            double[] error = error(want, got);
            if (!(error[0] <= tolerance * error[1])) {
                problems.append(String.format("%s: max abs error %.3g at flat index %d, over %.0e x scale %.3g%n",
                        output.getKey(), error[0], (long) error[2], tolerance, error[1]));
            }
        }
        return problems.isEmpty() ? null : problems.toString().strip();
    }

    /** {max abs error, scale (largest |expected|), index of the largest error}; NaN counts as an infinite error. */
    static double[] error(Tensor expected, Tensor actual) {
        double scale = 0;
        double worst = 0;
        long where = -1;
        boolean ints = expected.dtype() == DType.I32;
        long size = expected.size();
        for (int i = 0; i < size; i++) {
            double want = ints ? expected.intData()[i] : expected.floatData()[i];
            double got = actual.dtype() == DType.I32 ? actual.intData()[i] : actual.floatData()[i];
            scale = Math.max(scale, Math.abs(want));
            double difference = Double.isNaN(got) || Double.isNaN(want) ? Double.POSITIVE_INFINITY : Math.abs(want - got);
            if (difference > worst || where < 0) {
                worst = Math.max(worst, difference);
                where = i;
            }
        }
        return new double[] {worst, scale, where};
    }
}
