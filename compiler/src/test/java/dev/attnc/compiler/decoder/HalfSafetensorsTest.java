package dev.attnc.compiler.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.Weights;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.kernels.Kernels;
import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.HalfMatrix;
import dev.attnc.runtime.weights.Init;
import dev.attnc.runtime.weights.QuantizedMatrix;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hugging Face checkpoints stored in F16 or BF16 keep their linear weights in 16 bits
 * ({@link Kernels.Half}), as GGUF files do, instead of being widened to float32 at load:
 * samples/llama/llama.attn on small random checkpoints (one file, and two shards with an index)
 * never reads a linear weight as floats, and its logits match a float64 forward pass of the
 * stored values ({@link LlamaReference}) to 2e-4 of their largest magnitude, the tolerance of
 * the float32 layouts in {@link LlamaSampleTest}: 16-bit values widen to float32 exactly, so
 * the only error is float32 arithmetic.
 */
class HalfSafetensorsTest {
    private static final double TOLERANCE = 2e-4;
    private static final int[] IDS = {3, 17, 0, 29, 8, 8, 31, 5};

    enum Layout {
        F16_SINGLE(HalfMatrix.Format.F16, false),
        BF16_SINGLE(HalfMatrix.Format.BF16, false),
        BF16_SHARDED(HalfMatrix.Format.BF16, true);

        final HalfMatrix.Format format;
        final boolean sharded;

        Layout(HalfMatrix.Format format, boolean sharded) {
            this.format = format;
            this.sharded = sharded;
        }
    }

    @TempDir
    Path folder;

    @ParameterizedTest
    @EnumSource(Layout.class)
    void linearWeightsStay16BitAndLogitsMatchTheReference(Layout layout) throws IOException {
        LlamaReference.Config config = new LlamaReference.Config(32, 4, 2, 2, 48, 40, 1e-5, 10000, false, false,
                1, 1, 4, 8192);
        Map<String, Checkpoints.Stored> hf = rounded(LlamaSampleTest.randomWeights(config, false, 71 + layout.ordinal()),
                layout.format);
        double[][] expected = new LlamaReference(config, hf).logits(IDS);
        WeightSource opened = write(layout, config, hf);
        try (Recording weights = new Recording(opened)) {
            int[] qShape = {config.heads() * config.headDim(), config.d()};
            Kernels.Matrix q = Kernels.matrix(weights, "model.layers.0.self_attn.q_proj.weight", qShape, Init.LINEAR);
            Kernels.Half half = assertInstanceOf(Kernels.Half.class, q, layout + ": q_proj");
            assertEquals(layout.format, half.values().format(), layout + ": q_proj format");

            AttnModel model = Attnc.compile(Repo.path("samples/llama/llama.attn"),
                    CompileOptions.defaults().withCheckpoint(weights.checkpointMetadata())).orElseThrow();
            weights.readAsFloats.clear();
            try (Decoder decoder = model.loadDecoder(weights)) {
                List<String> widened = weights.readAsFloats.stream()
                        .filter(name -> name.contains("_proj.") || name.startsWith("lm_head")).sorted().toList();
                assertEquals(List.of(), widened, layout + ": linear weights read as float32");
                assertEquals(7 * config.layers() + 1, weights.keptHalf.size(), layout + ": matrices kept in 16 bits");

                float[] logits = decoder.forward(Map.of("ids", Tensor.ints(IDS, IDS.length))).get("logits").floatData();
                compare(expected, logits, 0, IDS.length, layout + " forward");
                decoder.reset();
                for (int t = 0; t < IDS.length; t++) {
                    float[] row = decoder.step(Map.of("ids", Tensor.ints(new int[] {IDS[t]}, 1))).get("logits").floatData();
                    compare(expected, row, t, t + 1, layout + " step " + t);
                }
            }
        }
    }

    /** Every value rounded to {@code format}, so that the reference uses exactly what the file stores. */
    private static Map<String, Checkpoints.Stored> rounded(Map<String, Checkpoints.Stored> weights, HalfMatrix.Format format) {
        Map<String, Checkpoints.Stored> out = new LinkedHashMap<>();
        weights.forEach((name, stored) -> {
            float[] values = stored.values().clone();
            for (int i = 0; i < values.length; i++) {
                values[i] = format == HalfMatrix.Format.F16
                        ? Float.float16ToFloat(Float.floatToFloat16(values[i]))
                        : Checkpoints.fromBf16(Checkpoints.bf16(values[i]));
            }
            out.put(name, new Checkpoints.Stored(values, stored.shape()));
        });
        return out;
    }

    private WeightSource write(Layout layout, LlamaReference.Config c, Map<String, Checkpoints.Stored> hf) throws IOException {
        Files.writeString(folder.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", "
                + "\"hidden_size\": " + c.d() + ", \"num_attention_heads\": " + c.heads() + ", \"num_key_value_heads\": "
                + c.kvHeads() + ", \"num_hidden_layers\": " + c.layers() + ", \"intermediate_size\": " + c.ffn()
                + ", \"vocab_size\": " + c.vocab() + ", \"rms_norm_eps\": " + c.eps() + ", \"rope_theta\": " + c.base()
                + ", \"max_position_embeddings\": 2048, \"tie_word_embeddings\": false, \"torch_dtype\": \""
                + (layout.format == HalfMatrix.Format.F16 ? "float16" : "bfloat16") + "\"}");
        if (!layout.sharded) {
            writeSafetensors(folder.resolve("model.safetensors"), hf, layout.format);
            return Weights.huggingFace(folder);
        }
        Map<String, Checkpoints.Stored> first = new LinkedHashMap<>();
        Map<String, Checkpoints.Stored> second = new LinkedHashMap<>();
        List<String> entries = new ArrayList<>();
        for (Map.Entry<String, Checkpoints.Stored> entry : hf.entrySet()) {
            boolean early = entry.getKey().startsWith("model.embed") || entry.getKey().startsWith("model.layers.0.");
            (early ? first : second).put(entry.getKey(), entry.getValue());
            entries.add("\"" + entry.getKey() + "\": \"model-0000" + (early ? 1 : 2) + "-of-00002.safetensors\"");
        }
        writeSafetensors(folder.resolve("model-00001-of-00002.safetensors"), first, layout.format);
        writeSafetensors(folder.resolve("model-00002-of-00002.safetensors"), second, layout.format);
        Path index = folder.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {" + String.join(", ", entries) + "}}");
        return Weights.huggingFace(index);
    }

    /** A safetensors file with every tensor in {@code format}, values already representable in it. */
    private static void writeSafetensors(Path file, Map<String, Checkpoints.Stored> tensors, HalfMatrix.Format format)
            throws IOException {
        Map<String, Checkpoints.Stored> sorted = new TreeMap<>(tensors);
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, Checkpoints.Stored> entry : sorted.entrySet()) {
            long bytes = 2L * entry.getValue().values().length;
            header.append(header.length() > 1 ? "," : "").append('"').append(entry.getKey()).append("\":{\"dtype\":\"")
                    .append(format.name()).append("\",\"shape\":")
                    .append(Arrays.toString(entry.getValue().shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (Checkpoints.Stored tensor : sorted.values()) {
                ByteBuffer data = ByteBuffer.allocate(2 * tensor.values().length).order(ByteOrder.LITTLE_ENDIAN);
                for (float value : tensor.values()) {
                    short bits = format == HalfMatrix.Format.F16 ? Float.floatToFloat16(value) : Checkpoints.bf16(value);
                    assertEquals(value, format.toFloat(bits), "not representable in " + format);
                    data.putShort(bits);
                }
                out.write(data.array());
            }
        }
    }

    private static void compare(double[][] expected, float[] actual, int from, int to, String what) {
        int vocab = expected[0].length;
        assertEquals((to - from) * vocab, actual.length, what + ": logits size");
        double scale = 0;
        for (double[] row : expected) {
            for (double value : row) {
                scale = Math.max(scale, Math.abs(value));
            }
        }
        double error = 0;
        for (int r = from; r < to; r++) {
            for (int v = 0; v < vocab; v++) {
                error = Math.max(error, Math.abs(actual[(r - from) * vocab + v] - expected[r][v]));
            }
        }
        assertTrue(error <= TOLERANCE * Math.max(1, scale), what + ": max abs error " + error + " at scale " + scale);
    }

    /** A checkpoint that notes which tensors were read as floats and which were kept in 16 bits. */
    private static final class Recording implements WeightSource {
        final WeightSource inner;
        final Set<String> readAsFloats = ConcurrentHashMap.newKeySet();
        final Set<String> keptHalf = ConcurrentHashMap.newKeySet();

        Recording(WeightSource inner) {
            this.inner = inner;
        }

        @Override
        public float[] floats(String name, int[] shape, Init init) {
            readAsFloats.add(name);
            return inner.floats(name, shape, init);
        }

        @Override
        public Optional<QuantizedMatrix> quantized(String name, int[] shape) {
            return inner.quantized(name, shape);
        }

        @Override
        public Optional<HalfMatrix> halves(String name, int[] shape) {
            Optional<HalfMatrix> kept = inner.halves(name, shape);
            kept.ifPresent(m -> keptHalf.add(name));
            return kept;
        }

        @Override
        public boolean contains(String name) {
            return inner.contains(name);
        }

        @Override
        public Set<String> names() {
            return inner.names();
        }

        @Override
        public CheckpointMetadata checkpointMetadata() {
            return inner.checkpointMetadata();
        }

        @Override
        public String description() {
            return inner.description();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
