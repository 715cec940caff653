package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.Init;
import dev.attnc.runtime.weights.RandomWeights;
import dev.attnc.runtime.weights.Safetensors;
import dev.attnc.runtime.weights.SafetensorsFile;
import dev.attnc.runtime.weights.WeightException;
import dev.attnc.runtime.weights.WeightSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a generated model promises its callers: thread safety, clear input and weight errors. */
class ModelContractTest {
    @TempDir
    Path dir;

    /** The class documents its methods as synchronized: concurrent calls give the sequential results. */
    @Test
    void concurrentCallsOnOneInstanceGiveTheSequentialResults() throws Exception {
        Model model = Compiled.sample("llama_block").load(new RandomWeights(8));
        List<Tensor> inputs = new ArrayList<>();
        List<float[]> sequential = new ArrayList<>();
        for (int n = 0; n < 8; n++) {
            float[] data = new float[(5 + n) * 576];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) Math.sin(i * 0.37 + n);
            }
            Tensor x = Tensor.floats(data, 5 + n, 576);
            inputs.add(x);
            sequential.add(model.forward(Map.of("x", x)).get("x").floatData());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (Tensor x : inputs) {
                    results.add(pool.submit(() -> model.forward(Map.of("x", x)).get("x").floatData()));
                }
            }
            // Equal up to float rounding: the SIMD reductions may add lanes in another order once the JIT
            // has compiled them, so a call early in the run and a later one can differ in the last bit.
            for (int index = 0; index < results.size(); index++) {
                assertArrayEquals(sequential.get(index % inputs.size()), results.get(index).get(), 1e-5f, "call " + index);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void inputMistakesNameTheTensorAndTheShapes() {
        Model model = Compiled.sample("llama_block").load(new RandomWeights(9));
        ModelInputException missing = assertThrows(ModelInputException.class, () -> model.forward(Map.of()));
        assertEquals("missing input `x` (expected [T, 576]); given: nothing", missing.getMessage());
        ModelInputException width = assertThrows(ModelInputException.class,
                () -> model.forward(Map.of("x", Tensor.floats(new float[4 * 512], 4, 512))));
        assertEquals("input `x` must be [T, 576], found [4, 512]", width.getMessage());
        ModelInputException type = assertThrows(ModelInputException.class,
                () -> model.forward(Map.of("x", Tensor.ints(new int[4], 4))));
        assertEquals("input `x` must be [T, 576], found int[4]", type.getMessage());
        ModelInputException tooLong = assertThrows(ModelInputException.class,
                () -> model.forward(Map.of("x", Tensor.floats(new float[2049 * 576], 2049, 576))));
        assertEquals("T = 2049 is more than this model accepts (2048): the model declares `dim T <= 2048` on line 7 of llama_block.attn;"
                + " raise that bound and compile again",
                tooLong.getMessage());
    }

    @Test
    void tokenIdsOutOfRangeAreRefusedBeforeAnyKernelRuns() {
        Model model = Compiled.sample("gpt2_block").load(new RandomWeights(10));
        ModelInputException thrown = assertThrows(ModelInputException.class,
                () -> model.forward(Map.of("ids", Tensor.ints(new int[] {5, 50257, 7}, 3))));
        assertEquals("input `ids` holds id 50257 at position 1, outside the 50257 rows of the embedding it indexes",
                thrown.getMessage());
    }

    @Test
    void inputsDisagreeingOnADimAreRefused() {
        Model model = Compiled.sample("minilm").load(new RandomWeights(11));
        ModelInputException thrown = assertThrows(ModelInputException.class, () -> model.forward(Map.of(
                "input_ids", Tensor.ints(new int[] {101, 102}, 2),
                "token_type_ids", Tensor.ints(new int[] {0, 0}, 2),
                "attention_mask", Tensor.ints(new int[] {1, 1, 1}, 3))));
        assertEquals("inputs disagree on T: input `attention_mask` has 3 along it (int[3]), an earlier input has 2",
                thrown.getMessage());
    }

    /** A checkpoint that does not fit the model fails at load, naming the tensor: never a partial load. */
    @Test
    void weightMismatchesFailAtLoadNamingTheTensor() throws Exception {
        Compiled compiled = Compiled.sample("llama_block");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        WeightSource capture = new CapturingWeights(tensors);
        compiled.load(capture);

        Map<String, Tensor> missing = new LinkedHashMap<>(tensors);
        missing.remove("model.layers.0.mlp.up_proj.weight");
        Path missingFile = dir.resolve("missing.safetensors");
        Safetensors.write(missingFile, missing);
        try (SafetensorsFile file = SafetensorsFile.open(missingFile)) {
            WeightException thrown = assertThrows(WeightException.class, () -> compiled.load(file));
            assertTrue(thrown.getMessage().startsWith("model.layers.0.mlp.up_proj.weight: not found in missing.safetensors"),
                    thrown.getMessage());
        }

        Map<String, Tensor> transposed = new LinkedHashMap<>(tensors);
        transposed.put("model.layers.0.self_attn.k_proj.weight", Tensor.floats(new float[576 * 192], 576, 192));
        Path transposedFile = dir.resolve("transposed.safetensors");
        Safetensors.write(transposedFile, transposed);
        try (SafetensorsFile file = SafetensorsFile.open(transposedFile)) {
            WeightException thrown = assertThrows(WeightException.class, () -> compiled.load(file));
            assertEquals("model.layers.0.self_attn.k_proj.weight: expected [192, 576], found [576, 192] in transposed.safetensors",
                    thrown.getMessage());
        }

        // The right file loads and runs like the random source it was written from.
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, tensors);
        try (SafetensorsFile file = SafetensorsFile.open(good)) {
            Model fromFile = compiled.load(file);
            Model fromRandom = compiled.load(new RandomWeights(12));
            Tensor x = Tensor.floats(new float[3 * 576], 3, 576);
            for (int i = 0; i < 3 * 576; i++) {
                x.floatData()[i] = (float) Math.cos(i);
            }
            assertArrayEquals(fromRandom.forward(Map.of("x", x)).get("x").floatData(),
                    fromFile.forward(Map.of("x", x)).get("x").floatData(), 1e-5f);
        }
    }

    /** Random weights, kept as tensors so they can be written to a file. */
    private record CapturingWeights(Map<String, Tensor> tensors) implements WeightSource {
        @Override
        public float[] floats(String name, int[] shape, Init init) {
            float[] data = new RandomWeights(12).floats(name, shape, init);
            tensors.put(name, Tensor.floats(data.clone(), shape));
            return data;
        }

        @Override
        public boolean contains(String name) {
            return true;
        }

        @Override
        public Set<String> names() {
            return tensors.keySet();
        }

        @Override
        public String description() {
            return "captured random weights";
        }

        @Override
        public void close() {
        }
    }
}
