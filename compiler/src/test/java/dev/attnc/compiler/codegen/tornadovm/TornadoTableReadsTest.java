package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.reference.Ref;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Tables read by clauses on the TornadoVM backend. A kernel cannot throw, so every index must
 * be proved inside its axis when the model is compiled: a proved read runs (here on the JVM, as
 * CI has no TornadoVM) and matches a float64 reference; an unproved one is refused with advice
 * to clamp, before any code exists that could read outside the table on a device.
 */
class TornadoTableReadsTest {
    static final long SEED = 20240611;

    static String model(String name, String dims, String declarations, String clauses, String headArgs) {
        return """
                model %s {
                  const H = 2
                  %s
                  input q : [T, 16]
                  input k : [T, 16]
                  input v : [T, 16]
                  %s
                  y = attention(q, k, v, heads = H%s) {
                    %s
                  }
                  output y
                }
                """.formatted(name, dims, declarations, headArgs, clauses);
    }

    static String refusal(String name, String text) {
        SourceFile file = new SourceFile(name, text);
        FrontEnd.Result result = FrontEnd.check(file);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        return assertThrows(CodegenException.class,
                () -> TornadoBackend.generate(result.models().get(0), file, JvmBackend.Options.defaults())).getMessage();
    }

    @Test
    void anUnprovedIndexIsRefused() {
        // T <= 64 and causal: i - j reaches 63, past a table of 16.
        assertEquals("t5.attn:9:15: rel[h, i - j] in score: the TornadoVM backend cannot check an index at run time (a kernel"
                + " cannot throw), and attnc could not prove `i - j` inside axis 1 of `rel` (size 16) for every query, key and head;"
                + " clamp it explicitly, e.g. `clamp(i - j, 0, 15)`, or bound the dims",
                refusal("dir/t5.attn", model("T5", "dim T <= 64", "param rel : [H, 16]", "score s + rel[h, i - j]\n    mask causal", "")));
    }

    @Test
    void aReadProvedOnlyForTheKeyRowsIsRefusedWithACache() {
        assertEquals("keep.attn:9:20: keep[j] in mask: the TornadoVM backend cannot check an index at run time (a kernel cannot"
                + " throw), and attnc could not prove `j` inside axis 0 of `keep` (size T) for every query, key and head of the"
                + " cache; clamp it explicitly, e.g. `clamp(j, 0, T - 1)`, or bound the dims",
                refusal("keep.attn", model("Keep", "dim T <= 64", "input keep : int[T]", "mask causal && keep[j] != 0", ", cache = true")));
    }

    @Test
    void provedReadsRunAndMatchTheReference() {
        int t = 24;
        RecordingTornadoWeights weights = new RecordingTornadoWeights(SEED);
        Model model = TornadoCompiled.source("clamp.attn", model("Clamp", "dim T <= 64", "param rel : [H, 16]\n  input keep : int[T]",
                "score s + 2.0 * rel[h, clamp(i - j, 0, 15)]\n    mask keep[j] != 0", "")).load(weights);
        float[] rel = weights.get("rel");
        SplittableRandom random = new SplittableRandom(SEED);
        double[][] q = normal(random, t);
        double[][] k = normal(random, t);
        double[][] v = normal(random, t);
        int[] keep = new int[t];
        for (int j = 0; j < t; j++) {
            keep[j] = random.nextInt(3) == 0 ? 0 : 1;
        }
        keep[0] = 1;
        Tensor y = model.forward(Map.of("q", Tensor.floats(flat(q), t, 16), "k", Tensor.floats(flat(k), t, 16),
                "v", Tensor.floats(flat(v), t, 16), "keep", Tensor.ints(keep, t))).get("y");
        double[][] expected = Ref.attention(q, k, v, 2, 2, Double.NaN,
                (s, i, j, h) -> s + 2.0 * rel[h * 16 + Math.min(Math.max(i - j, 0), 15)], (i, j, h) -> keep[j] != 0, 0, 1);
        float[] actual = y.floatData();
        for (int i = 0; i < t; i++) {
            for (int c = 0; c < 16; c++) {
                assertEquals(expected[i][c], actual[i * 16 + c], 1e-4 * 4, "row " + i + ", column " + c);
            }
        }
    }

    static double[][] normal(SplittableRandom random, int rows) {
        double[][] x = new double[rows][16];
        for (double[] row : x) {
            for (int c = 0; c < 16; c++) {
                row[c] = (float) (Math.sqrt(-2 * Math.log(random.nextDouble(Double.MIN_VALUE, 1))) * Math.cos(2 * Math.PI * random.nextDouble()));
            }
        }
        return x;
    }

    static float[] flat(double[][] x) {
        float[] out = new float[x.length * x[0].length];
        for (int r = 0; r < x.length; r++) {
            for (int c = 0; c < x[r].length; c++) {
                out[r * x[r].length + c] = (float) x[r][c];
            }
        }
        return out;
    }
}
