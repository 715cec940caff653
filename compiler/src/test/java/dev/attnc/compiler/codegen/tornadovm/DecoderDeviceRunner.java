package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.Weights;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.text.Tokenizer;
import dev.attnc.runtime.tornado.TornadoSupport;
import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.WeightSource;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A decoder sample on TornadoVM's default device against the JVM backend, in this JVM, which is
 * meant to be started with TornadoVM's argfile ({@link #fork} does): the .attn file compiled
 * against the checkpoint's metadata by both backends, the prompt prefilled in one call, then
 * greedy decoding one token per step on each backend (each following its own argmax). Prints
 * {@code TOKENS}, {@code TEXT} (when the checkpoint has a GGUF vocabulary) and one line
 * {@code RESULT <model> ok|mismatch max_abs=... max_rel=... ...}, the errors taken over every row of
 * logits, prefill and steps, relative to the largest |JVM logit|. Exit 0 when the tokens are the
 * same and max_rel is within 1e-4, 1 otherwise, 3 when TornadoVM is not in this JVM.
 *
 * <pre>
 * DecoderDeviceRunner FILE.attn WEIGHTS (--prompt TEXT | --ids 1,2,3) --steps N
 * </pre>
 */
public final class DecoderDeviceRunner {
    static final double TOLERANCE = 1e-4;

    private DecoderDeviceRunner() {
    }

    public static void main(String[] args) {
        if (!TornadoSupport.available()) {
            System.out.println("RESULT - error TornadoVM is not in this JVM: start it with @$TORNADOVM_HOME/tornado-argfile");
            System.exit(3);
        }
        Path file = Path.of(args[0]);
        Path weightsPath = Path.of(args[1]);
        String prompt = null;
        int[] ids = null;
        int steps = 0;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--prompt" -> prompt = args[++i];
                case "--ids" -> ids = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        String name = weightsPath.getFileName().toString();
        try (WeightSource weights = Weights.open(weightsPath)) {
            CheckpointMetadata meta = weights.checkpointMetadata();
            Tokenizer tokenizer = meta.value("tokenizer.ggml.model").isPresent() ? gguf(meta) : null;
            if (prompt != null) {
                ids = tokenizer.encode(prompt, tokenizer.addsBosByDefault());
            }
            long started = System.nanoTime();
            Run device = run(compile(file, Backend.TORNADOVM, meta), weights, ids, steps);
            double deviceSeconds = (System.nanoTime() - started) / 1e9;
            started = System.nanoTime();
            Run jvm = run(compile(file, Backend.JVM, meta), weights, ids, steps);
            double jvmSeconds = (System.nanoTime() - started) / 1e9;
            double scale = 0;
            double error = 0;
            int rows = Math.min(device.rows.size(), jvm.rows.size());
            for (int r = 0; r < rows; r++) {
                float[] expected = jvm.rows.get(r);
                float[] actual = device.rows.get(r);
                for (int v = 0; v < expected.length; v++) {
                    scale = Math.max(scale, Math.abs(expected[v]));
                    error = Math.max(error, Math.abs((double) actual[v] - expected[v]));
                }
            }
            boolean same = device.tokens.equals(jvm.tokens);
            System.out.println("TOKENS device " + device.tokens);
            System.out.println("TOKENS jvm    " + jvm.tokens);
            if (tokenizer != null) {
                System.out.println("TEXT " + (prompt == null ? "" : prompt) + tokenizer.decode(device.tokens.stream().mapToInt(Integer::intValue).toArray()));
            }
            boolean ok = same && error <= TOLERANCE * scale;
            System.out.printf("RESULT %s %s max_abs=%.3g max_rel=%.3g rows=%d prompt=%d steps=%d device_s=%.1f jvm_s=%.1f"
                    + " device_first_call_s=%.1f device_decode_tok_s=%.1f jvm_decode_tok_s=%.1f%n", name, ok ? "ok" : "mismatch",
                    error, error / scale, rows, ids.length, steps, deviceSeconds, jvmSeconds, device.firstCallSeconds,
                    device.tokensPerSecond(), jvm.tokensPerSecond());
            System.exit(ok ? 0 : 1);
        }
    }

    private static Tokenizer gguf(CheckpointMetadata meta) {
        Map<String, Object> values = new HashMap<>();
        for (String key : meta.keys()) {
            if (key.startsWith("tokenizer.")) {
                values.put(key, meta.value(key).orElseThrow());
            }
        }
        return Tokenizer.fromGgufMetadata(values);
    }

    private static AttnModel compile(Path file, Backend backend, CheckpointMetadata meta) {
        return Attnc.compile(file, CompileOptions.defaults().withBackend(backend).withCheckpoint(meta)).orElseThrow();
    }

    /** Every row of logits (prefill rows, then one per step), the greedy tokens, and timings. */
    private record Run(List<float[]> rows, List<Integer> tokens, double firstCallSeconds, double decodeSeconds) {
        double tokensPerSecond() {
            return tokens.size() <= 1 ? 0 : (tokens.size() - 1) / decodeSeconds;
        }
    }

    private static Run run(AttnModel model, WeightSource weights, int[] ids, int steps) {
        List<float[]> rows = new ArrayList<>();
        List<Integer> tokens = new ArrayList<>();
        try (Decoder decoder = model.loadDecoder(weights)) {
            long started = System.nanoTime();
            float[] prefill = decoder.forward(Map.of("ids", Tensor.ints(ids, ids.length))).get("logits").floatData();
            double first = (System.nanoTime() - started) / 1e9;
            int vocab = prefill.length / ids.length;
            for (int r = 0; r < ids.length; r++) {
                rows.add(Arrays.copyOfRange(prefill, r * vocab, (r + 1) * vocab));
            }
            started = System.nanoTime();
            float[] last = rows.getLast();
            for (int step = 0; step < steps; step++) {
                int next = argmax(last);
                tokens.add(next);
                if (step + 1 < steps) {
                    last = decoder.step(Map.of("ids", Tensor.ints(new int[] {next}, 1))).get("logits").floatData();
                    rows.add(last);
                }
            }
            return new Run(rows, tokens, first, (System.nanoTime() - started) / 1e9);
        }
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Runs this class with {@code args} in a JVM started with TornadoVM's argfile and bailouts off
     * (a kernel TornadoVM cannot compile is an error, not a silent run on the host); its output,
     * after checking that it exited with 0 within {@code minutes}.
     */
    public static String fork(Path argfile, Path scratch, String what, int minutes, String... args)
            throws IOException, InterruptedException {
        Path classes = scratch.resolve("tornado-classes");
        Files.createDirectories(classes); // before the JVM starts, or it never searches it
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "@" + argfile, "-Dtornado.recover.bailout=False",
                "-Dattnc.tornado.classes=" + classes, "-cp", classes + File.pathSeparator + System.getProperty("java.class.path"),
                DecoderDeviceRunner.class.getName()));
        command.addAll(List.of(args));
        Path log = scratch.resolve(what.replaceAll("[^A-Za-z0-9_.-]", "_") + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = process.waitFor(minutes, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(output.lines().filter(line -> line.startsWith("RESULT") || line.startsWith("TOKENS") || line.startsWith("TEXT"))
                .collect(Collectors.joining("\n")));
        assertTrue(finished && process.exitValue() == 0, what + " on the TornadoVM device failed or differs from the JVM backend:\n"
                + output);
        return output;
    }
}
