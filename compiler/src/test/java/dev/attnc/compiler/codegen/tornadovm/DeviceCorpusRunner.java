package dev.attnc.compiler.codegen.tornadovm;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.tornado.TornadoSupport;
import dev.attnc.runtime.weights.RandomWeights;
import dev.attnc.runtime.weights.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one model through the TornadoVM backend in this JVM, which is meant to be started with
 * TornadoVM's argfile (see docs/tornadovm.md), so that it runs on TornadoVM's default device.
 * {@link DeviceCorpusTest} starts it once per corpus file, and {@code bench/tornado-device.sh}
 * once per corpus file and sample.
 *
 * <pre>
 * DeviceCorpusRunner FILE... [--seq N] [--out OUT.safetensors] [--compare] [--repeat N] [--profile PROFILE.json]
 * </pre>
 *
 * <ul>
 *   <li>The calls are {@link DeviceCorpus#run}'s: the file's {@code // run:} line, or one
 *       forward of {@code --seq} rows (default 32) for a file without one (a sample).</li>
 *   <li>{@code --out}: writes every call's outputs.</li>
 *   <li>{@code --compare}: also runs the JVM backend on the same weights and inputs and prints
 *       whether they match within the file's tolerance.</li>
 *   <li>{@code --repeat N}: times N more runs of the calls (warm) and prints the best; with
 *       {@code --profile}, the file TornadoVM's profiler appends to
 *       ({@code -Dtornado.profiler=True -Dtornado.log.profiler=True -Dtornado.profiler.dump.dir=FILE}),
 *       prints each task's smallest TASK_KERNEL_TIME over the warm runs.</li>
 * </ul>
 *
 * <p>Several files run one after another in this JVM (TornadoVM starts once). For each it prints
 * one line {@code RESULT <model> <ok|mismatch|error|ran> ...}, then {@code KERNEL <model> <task> <ms>}
 * lines. Exit 0 when every model ran (and matched, with --compare), 1 when one failed or did not
 * match, 2 for a usage mistake, 3 when TornadoVM is not in this JVM.
 */
public final class DeviceCorpusRunner {
    private static final Pattern TASK_BLOCK = Pattern.compile("\"([^\"{}]+)\":\\s*\\{([^{}]*)\\}");
    private static final Pattern KERNEL_TIME = Pattern.compile("\"TASK_KERNEL_TIME\":\\s*\"(\\d+)\"");
    private static final Pattern METHOD = Pattern.compile("\"METHOD\":\\s*\"([^\"]*)\"");

    private DeviceCorpusRunner() {
    }

    public static void main(String[] args) throws IOException {
        List<Path> files = new ArrayList<>();
        Options options = new Options();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--seq" -> options.seq = Integer.parseInt(args[++i]);
                    case "--out" -> options.out = Path.of(args[++i]);
                    case "--profile" -> options.profile = Path.of(args[++i]);
                    case "--compare" -> options.compare = true;
                    case "--repeat" -> options.repeat = Integer.parseInt(args[++i]);
                    default -> {
                        if (args[i].startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + args[i]);
                        }
                        files.add(Path.of(args[i]));
                    }
                }
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException("no .attn file given");
            }
            if (options.out != null && files.size() > 1) {
                throw new IllegalArgumentException("--out takes one .attn file");
            }
        } catch (RuntimeException e) {
            System.err.println("DeviceCorpusRunner: " + e.getMessage() + "\nusage: DeviceCorpusRunner FILE... [--seq N]"
                    + " [--out OUT.safetensors] [--compare] [--repeat N] [--profile FILE]");
            System.exit(2);
            return;
        }
        if (!TornadoSupport.available()) {
            System.err.println("DeviceCorpusRunner: TornadoVM is not in this JVM; start it with java @$TORNADOVM_HOME/tornado-argfile");
            System.exit(3);
        }
        boolean allOk = true;
        for (Path file : files) {
            allOk &= runOne(file, options);
        }
        System.exit(allOk ? 0 : 1);
    }

    private static final class Options {
        Integer seq;
        Path out;
        Path profile;
        boolean compare;
        int repeat;
    }

    /** One model: prints its RESULT line (and KERNEL lines); true when it ran and, with --compare, matched. */
    private static boolean runOne(Path file, Options options) throws IOException {
        DeviceCorpus.Entry entry;
        AttnModel jvmModel;
        Map<String, Tensor> inputs;
        try {
            entry = entryOf(file, options.seq);
            jvmModel = model(entry, entry.text(), Backend.JVM);
            inputs = DeviceCorpus.inputs(jvmModel, entry);
        } catch (RuntimeException e) {
            System.out.println("RESULT " + file.getFileName() + " error " + oneLine(e));
            return false;
        }
        Map<String, Tensor> onDevice;
        long firstNanos;
        List<Long> warm = new ArrayList<>();
        Map<String, Long> kernels = new TreeMap<>();
        try {
            AttnModel tornadoModel = model(entry, entry.text(), Backend.TORNADOVM);
            try (Model loaded = tornadoModel.load(new RandomWeights(DeviceCorpus.WEIGHT_SEED))) {
                long start = System.nanoTime();
                onDevice = DeviceCorpus.run(loaded, inputs, entry);
                firstNanos = System.nanoTime() - start;
                if (options.profile != null) {
                    Files.write(options.profile, new byte[0]); // only the warm runs count
                }
                for (int r = 0; r < options.repeat; r++) {
                    start = System.nanoTime();
                    DeviceCorpus.run(loaded, inputs, entry);
                    warm.add(System.nanoTime() - start);
                }
                if (options.profile != null && options.repeat > 0) {
                    kernels = kernelTimes(Files.readString(options.profile, StandardCharsets.UTF_8));
                }
            }
        } catch (RuntimeException | Error e) {
            System.out.println("RESULT " + entry.name() + " error " + oneLine(e));
            e.printStackTrace();
            return false;
        }
        if (options.out != null) {
            Safetensors.write(options.out, onDevice);
        }
        StringBuilder line = new StringBuilder("RESULT " + entry.name());
        boolean ok = true;
        if (options.compare) {
            Map<String, Tensor> onJvm;
            try (Model reference = jvmModel.load(new RandomWeights(DeviceCorpus.WEIGHT_SEED))) {
                onJvm = DeviceCorpus.run(reference, inputs, entry);
            }
            String problems = DeviceCorpus.compare(onJvm, onDevice, entry.tolerance());
            double worst = 0;
            for (Map.Entry<String, Tensor> output : onJvm.entrySet()) {
                Tensor actual = onDevice.get(output.getKey());
                if (actual != null && actual.size() == output.getValue().size()) {
                    double[] error = DeviceCorpus.error(output.getValue(), actual);
                    worst = Math.max(worst, error[1] == 0 ? error[0] : error[0] / error[1]);
                }
            }
            ok = problems == null;
            line.append(ok ? " ok" : " mismatch").append(String.format(" rel_error=%.2e tolerance=%.0e", worst, entry.tolerance()));
            if (!ok) {
                line.append(" | ").append(problems.replace('\n', ';'));
            }
        } else {
            line.append(" ran");
        }
        line.append(String.format(" first_ms=%.1f", firstNanos / 1e6));
        if (!warm.isEmpty()) {
            line.append(String.format(" warm_ms=%.2f", warm.stream().mapToLong(Long::longValue).min().orElseThrow() / 1e6));
        }
        System.out.println(line);
        String name = entry.name();
        kernels.forEach((task, nanos) -> System.out.printf("KERNEL %s %s %.3f%n", name, task, nanos / 1e6));
        System.out.flush();
        return ok;
    }

    private static DeviceCorpus.Entry entryOf(Path file, Integer seq) {
        try {
            DeviceCorpus.Entry entry = DeviceCorpus.entry(file);
            return seq == null ? entry : new DeviceCorpus.Entry(file, entry.name(), seq, 0, entry.tolerance());
        } catch (IllegalArgumentException e) {
            // A sample: no run line, one forward.
            String name = file.getFileName().toString().replaceFirst("\\.attn$", "");
            return new DeviceCorpus.Entry(file, name, seq == null ? 32 : seq, 0, DeviceCorpus.DEFAULT_TOLERANCE);
        }
    }

    private static AttnModel model(DeviceCorpus.Entry entry, String text, Backend backend) {
        Compilation compilation = Attnc.check(entry.path().toString(), text, CompileOptions.defaults().withBackend(backend));
        if (!compilation.ok()) {
            throw new IllegalStateException(compilation.render());
        }
        return compilation.models().get(0);
    }

    /** Each task's smallest TASK_KERNEL_TIME in TornadoVM's profiler log, by "task (kernel method)". */
    static Map<String, Long> kernelTimes(String log) {
        Map<String, Long> best = new LinkedHashMap<>();
        Matcher block = TASK_BLOCK.matcher(log);
        while (block.find()) {
            Matcher time = KERNEL_TIME.matcher(block.group(2));
            if (!time.find()) {
                continue;
            }
            Matcher method = METHOD.matcher(block.group(2));
            // "gqatornado.wq" and "attnc.models.GqaTornado.linear" as "wq (linear)": the task, then its kernel
            String task = block.group(1).substring(block.group(1).lastIndexOf('.') + 1);
            String kernel = method.find() ? method.group(1) : "?";
            String key = task + " (" + kernel.substring(kernel.lastIndexOf('.') + 1) + ")";
            best.merge(key, Long.parseLong(time.group(1)), Math::min);
        }
        return new TreeMap<>(best);
    }

    private static String oneLine(Throwable e) {
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        Throwable cause = e.getCause();
        while (cause != null && cause != e) {
            message += " <- " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
            e = cause;
            cause = cause.getCause();
        }
        return message.replace('\n', ' ').replaceAll(" +", " ");
    }
}
