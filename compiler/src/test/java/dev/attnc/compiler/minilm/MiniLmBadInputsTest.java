package dev.attnc.compiler.minilm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.cli.Main;
import dev.attnc.compiler.codegen.Compiled;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.MappedWeights;
import dev.attnc.runtime.weights.OnnxNameMap;
import dev.attnc.runtime.weights.WeightException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the MiniLM model does with inputs it cannot take, with a mapping that does not fit the
 * ONNX file and with a model jar built to exhaust memory: each fails before computing anything,
 * with a message naming the input, the tensor or the file.
 */
class MiniLmBadInputsTest {
    private static Compiled compiled;
    private static Model model;

    @BeforeAll
    static void load() {
        compiled = Compiled.sample("minilm");
        try (MappedWeights weights = MiniLmFiles.weights()) {
            model = compiled.load(weights);
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static Map<String, Tensor> inputs(int[] ids, int[] types, int[] mask) {
        Map<String, Tensor> in = new HashMap<>();
        in.put("input_ids", Tensor.ints(ids, ids.length));
        in.put("token_type_ids", Tensor.ints(types, types.length));
        in.put("attention_mask", Tensor.ints(mask, mask.length));
        return in;
    }

    private static int[] ids(int n) {
        int[] ids = new int[n];
        Arrays.fill(ids, 1996);
        ids[0] = 101;
        ids[n - 1] = 102;
        return ids;
    }

    private static String fails(Map<String, Tensor> in) {
        return assertThrows(ModelInputException.class, () -> model.forward(in)).getMessage();
    }

    @Test
    void tokenIdOutOfRange() {
        int[] ids = ids(8);
        ids[3] = 30522;
        assertEquals("input `input_ids` holds id 30522 at position 3, outside the 30522 rows of the embedding it indexes",
                fails(inputs(ids, new int[8], MiniLmMatchesOnnxRuntimeTest.ones(8))));
        ids[3] = -1;
        assertEquals("input `input_ids` holds id -1 at position 3, outside the 30522 rows of the embedding it indexes",
                fails(inputs(ids, new int[8], MiniLmMatchesOnnxRuntimeTest.ones(8))));
        int[] types = new int[8];
        types[5] = 2;
        assertEquals("input `token_type_ids` holds id 2 at position 5, outside the 2 rows of the embedding it indexes",
                fails(inputs(ids(8), types, MiniLmMatchesOnnxRuntimeTest.ones(8))));
    }

    @Test
    void sequenceOverMaxLength() {
        assertEquals("T = 513 is more than this model accepts (512): the model declares `dim T <= P` (512) on line 9 of minilm.attn;"
                + " raise that bound and compile again",
                fails(inputs(ids(513), new int[513], MiniLmMatchesOnnxRuntimeTest.ones(513))));
        assertEquals("T = 0: inputs must hold at least one position",
                fails(inputs(new int[0], new int[0], new int[0])));
    }

    @Test
    void maskOfTheWrongLength() {
        assertEquals("inputs disagree on T: input `attention_mask` has 7 along it (int[7]), an earlier input has 8",
                fails(inputs(ids(8), new int[8], MiniLmMatchesOnnxRuntimeTest.ones(7))));
        Map<String, Tensor> in = inputs(ids(8), new int[8], MiniLmMatchesOnnxRuntimeTest.ones(8));
        in.put("attention_mask", Tensor.floats(new float[8], 8));
        assertEquals("input `attention_mask` must be int[T], found [8]", fails(in));
        in.remove("attention_mask");
        assertEquals("missing input `attention_mask` (expected int[T]); given: ", fails(in).replaceAll("given: .*", "given: "));
        in.put("attention_mask", Tensor.ints(new int[16], 2, 8));
        assertEquals("input `attention_mask` must be int[T], found int[2, 8]", fails(in));
    }

    @Test
    void mappingThatDoesNotFitTheOnnxFile() {
        // Without `transposed`, a [384, 1536] MatMul weight does not have the [1536, 384] shape of inter.
        OnnxNameMap untransposed = OnnxNameMap.parse("bad.onnx-map",
                "encoder.layer.{n}.intermediate.dense.weight <- input 1 of /encoder/layer.{n}/intermediate/dense/MatMul\n"
                + "encoder.layer.{n}.attention.self.query.weight <- input 1 of /encoder/layer.{n}/attention/self/query/MatMul transposed\n"
                + "encoder.layer.{n}.attention.self.key.weight <- input 1 of /encoder/layer.{n}/attention/self/key/MatMul transposed\n"
                + "encoder.layer.{n}.attention.self.value.weight <- input 1 of /encoder/layer.{n}/attention/self/value/MatMul transposed\n"
                + "encoder.layer.{n}.attention.output.dense.weight <- input 1 of /encoder/layer.{n}/attention/output/dense/MatMul transposed\n");
        try (MappedWeights weights = untransposed.apply(MiniLmFiles.onnx())) {
            WeightException e = assertThrows(WeightException.class, () -> compiled.load(weights));
            assertEquals("encoder.layer.0.intermediate.dense.weight (bad.onnx-map:1: input 1 of"
                    + " /encoder/layer.0/intermediate/dense/MatMul): expected [1536, 384], found onnx::MatMul_798 stored as"
                    + " [384, 1536] in all-minilm-l6-v2.onnx", e.getMessage());
        }
        // A node name with a typo.
        OnnxNameMap typo = OnnxNameMap.parse("typo.onnx-map",
                "encoder.layer.{n}.attention.self.query.weight <- input 1 of /encoder/layer.{n}/attention/self/querry/MatMul transposed\n");
        try (MappedWeights weights = typo.apply(MiniLmFiles.onnx())) {
            WeightException e = assertThrows(WeightException.class, () -> compiled.load(weights));
            assertEquals("encoder.layer.0.attention.self.query.weight (typo.onnx-map:1: input 1 of"
                    + " /encoder/layer.0/attention/self/querry/MatMul, transposed): there is no node named"
                    + " /encoder/layer.0/attention/self/querry/MatMul in all-minilm-l6-v2.onnx (did you mean"
                    + " \"/encoder/layer.0/attention/self/query/MatMul\"?)", e.getMessage());
        }
        // No mapping at all: the generated names are not in the file.
        try (var onnx = MiniLmFiles.onnx()) {
            WeightException e = assertThrows(WeightException.class, () -> compiled.load(onnx));
            assertEquals("encoder.layer.0.attention.self.query.weight: not found in all-minilm-l6-v2.onnx"
                    + " (did you mean \"encoder.layer.0.attention.self.query.bias\"?)", e.getMessage());
        }
    }

    @TempDir
    Path dir;

    /** A jar of {@code entries}: name, then the bytes; a {@code long} instead is that many zeros. */
    private Path jar(String name, Object... entries) throws IOException {
        Path jar = dir.resolve(name);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            zip.setLevel(Deflater.BEST_SPEED);
            for (int i = 0; i < entries.length; i += 2) {
                zip.putNextEntry(new ZipEntry((String) entries[i]));
                if (entries[i + 1] instanceof byte[] bytes) {
                    zip.write(bytes);
                } else {
                    writeZeros(zip, (Long) entries[i + 1]);
                }
                zip.closeEntry();
            }
        }
        return jar;
    }

    private static void writeZeros(OutputStream out, long count) throws IOException {
        byte[] zeros = new byte[1 << 20];
        for (long left = count; left > 0; left -= zeros.length) {
            out.write(zeros, 0, (int) Math.min(zeros.length, left));
        }
    }

    private record Run(int code, String err) {}

    private static Run embed(Path jar) {
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"embed", "--model", jar.toString(), "--attn",
                Repo.path("samples/minilm/minilm.attn").toString(), "hi"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err, true));
        return new Run(code, err.toString().strip());
    }

    @Test
    void aJarWhoseTokenizerUnpacksToTooMuchIsRefusedAsItPassesTheLimit() throws IOException {
        // 64 MiB of zeros, a few hundred KB packed; the entry's declared size is not trusted.
        Path jar = jar("bomb.jar", MiniLmFiles.TOKENIZER, 64L << 20, MiniLmFiles.ONNX, new byte[16]);
        assertEquals(new Run(Main.INPUT_ERRORS, "attnc: error: " + MiniLmFiles.TOKENIZER + " in " + jar
                + ": unpacks to more than 16777216 bytes, more than all-MiniLM-L6-v2 can need; stopped reading"),
                embed(jar));
    }

    @Test
    void aJarWhoseModelUnpacksToTooMuchIsRefusedAsItPassesTheLimit() throws IOException {
        byte[] tokenizer;
        try (InputStream in = MiniLmFiles.class.getClassLoader().getResourceAsStream(MiniLmFiles.TOKENIZER)) {
            tokenizer = in.readAllBytes();
        }
        Path jar = jar("bomb.jar", MiniLmFiles.TOKENIZER, tokenizer, MiniLmFiles.ONNX, 129L << 20);
        assertEquals(new Run(Main.INPUT_ERRORS, "attnc: error: " + MiniLmFiles.ONNX + " in " + jar
                + ": unpacks to more than 134217728 bytes, more than all-MiniLM-L6-v2 can need; stopped reading"),
                embed(jar));
    }
}
