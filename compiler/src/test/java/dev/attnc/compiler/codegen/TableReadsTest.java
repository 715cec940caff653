package dev.attnc.compiler.codegen;

import static dev.attnc.compiler.codegen.TestTensors.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.reference.Ref;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.TableIndexException;
import dev.attnc.runtime.Tensor;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Tables read by attention clauses ({@code rel[h, i - j]}), through the whole JVM backend: reads
 * inside their table match a float64 reference written here; a read outside its table throws
 * {@link TableIndexException} naming the read, the index, the axis, its size, the variables and
 * the .attn position, where it used to read the next row or crash; reads the checker proved
 * inside carry no check.
 */
class TableReadsTest {
    static final long SEED = 20240611;
    static final double TOL = 1e-4;
    static final int WIDTH = 32;

    private final SplittableRandom random = new SplittableRandom(SEED);

    /** A model of one attention over q, k, v : [T, 32]; the clauses are on line 9, from column 5. */
    static String model(String name, int heads, String dims, String declarations, String clauses) {
        return """
                model %s {
                  const H = %d
                  %s
                  input q : [T, %d]
                  input k : [T, %d]
                  input v : [T, %d]
                  %s
                  y = attention(q, k, v, heads = H) {
                    %s
                  }
                  output y
                }
                """.formatted(name, heads, dims, WIDTH, WIDTH, WIDTH, declarations, clauses);
    }

    /** Seeded random q, k, v of t rows, and any extra inputs. */
    final class Call {
        final double[][] q;
        final double[][] k;
        final double[][] v;
        final Map<String, Tensor> inputs = new HashMap<>();

        Call(int t) {
            q = normal(t);
            k = normal(t);
            v = normal(t);
            inputs.put("q", floats(q));
            inputs.put("k", floats(k));
            inputs.put("v", floats(v));
        }

        double[][] run(Model model) {
            Tensor y = model.forward(inputs).get("y");
            return Ref.matrix(y.floatData(), y.dim(0), y.dim(1));
        }
    }

    // ------------------------------------------------------------------ the two cases

    @Test
    void aDistancePastTheLastColumnNoLongerReadsTheNextRow() {
        // rel : [2, 16]: row 0 at distances 16 and more used to read row 1.
        RecordingWeights weights = new RecordingWeights(SEED);
        Compiled compiled = Compiled.source("Row.attn",
                model("Row", 1, "dim T <= 64", "param rel : [2, 16]", "score s + rel[0, i - j]\n    mask causal"));
        assertTrue(compiled.source().contains("TableIndexException.check("), compiled.source());
        Model model = compiled.load(weights);
        float[] rel = weights.get("rel");

        Call inside = new Call(16);
        check(Ref.attention(inside.q, inside.k, inside.v, 1, 1, Double.NaN, (s, i, j, h) -> s + rel[i - j], Ref.CAUSAL, 0, 1),
                inside.run(model));

        // At T = 17 exactly one read leaves the table: query 16 against key 0.
        TableIndexException outside = assertThrows(TableIndexException.class, () -> new Call(17).run(model));
        assertEquals("rel[0, i - j]: index 16 of axis 1 is outside [0, 16) at i = 16, j = 0 (score at Row.attn:9:15)",
                outside.getMessage());

        // The model is still usable after the error.
        check(Ref.attention(inside.q, inside.k, inside.v, 1, 1, Double.NaN, (s, i, j, h) -> s + rel[i - j], Ref.CAUSAL, 0, 1),
                inside.run(model));
    }

    @Test
    void readsBeforeTheFirstColumnAreErrorsToo() {
        // Without a mask, keys after the query give i - j < 0: any of them may be the one reported.
        Model model = Compiled.source("Neg.attn", model("Neg", 2, "dim T <= 64", "param rel : [H, 16]", "score s + rel[h, i - j]"))
                .load(new RecordingWeights(SEED));
        TableIndexException outside = assertThrows(TableIndexException.class, () -> new Call(6).run(model));
        Matcher m = Pattern.compile("rel\\[h, i - j\\]: index (-?\\d+) of axis 1 is outside \\[0, 16\\) at h = ([01]), i = (\\d), j = (\\d)"
                + " \\(score at Neg\\.attn:9:15\\)").matcher(outside.getMessage());
        assertTrue(m.matches(), outside.getMessage());
        int index = Integer.parseInt(m.group(1));
        assertEquals(Integer.parseInt(m.group(3)) - Integer.parseInt(m.group(4)), index, "the index is i - j");
        assertTrue(index < 0, "the reported index is outside: " + index);
    }

    @Test
    void pastTheEndOfTheTableIsAnErrorNotACrash() {
        // rel[h, i - j] in the last row past its end used to throw ArrayIndexOutOfBoundsException.
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = Compiled.source("End.attn", model("End", 1, "dim T <= 64", "param rel : [H, 16]", "score s + rel[h, i - j]\n    mask causal"))
                .load(weights);
        float[] rel = weights.get("rel");
        Call inside = new Call(12);
        check(Ref.attention(inside.q, inside.k, inside.v, 1, 1, Double.NaN, (s, i, j, h) -> s + rel[h * 16 + i - j], Ref.CAUSAL, 0, 1),
                inside.run(model));
        TableIndexException outside = assertThrows(TableIndexException.class, () -> new Call(17).run(model));
        assertEquals("rel[h, i - j]: index 16 of axis 1 is outside [0, 16) at h = 0, i = 16, j = 0 (score at End.attn:9:15)",
                outside.getMessage());
    }

    // ------------------------------------------------------------------ masks, nested reads

    @Test
    void aMaskReadIsCheckedWhereTheMaskEvaluatesIt() {
        int t = 10;
        int[] keep = new int[t];
        for (int j = 0; j < t; j++) {
            keep[j] = random.nextInt(4) == 0 ? 0 : 1;
        }
        keep[1] = 1; // query 1 sees key 0 at least
        String declarations = "input keep : int[T]";
        // keep[j + 1] with j < i: inside for every key the mask reaches.
        Model shifted = Compiled.source("Keep.attn", model("Keep", 2, "dim T <= 64", declarations, "mask j < i && keep[j + 1] != 0"))
                .load(new RecordingWeights(SEED));
        Call call = new Call(t);
        call.inputs.put("keep", Tensor.ints(keep, t));
        check(Ref.attention(call.q, call.k, call.v, 2, 2, Double.NaN, null, (i, j, h) -> j < i && keep[j + 1] != 0, 0, 1),
                call.run(shifted));
        // With j <= i the last query reaches keep[T].
        Model past = Compiled.source("Keep2.attn", model("Keep2", 2, "dim T <= 64", declarations, "mask j <= i && keep[j + 1] != 0"))
                .load(new RecordingWeights(SEED));
        TableIndexException outside = assertThrows(TableIndexException.class, () -> call.run(past));
        assertEquals("keep[j + 1]: index 10 of axis 0 is outside [0, 10) at j = 9 (mask at Keep2.attn:9:20)", outside.getMessage());
        // A bound on the keys (j < e) is evaluated for every query, whatever the conjuncts before it: i >= 1 does not guard it.
        Model bound = Compiled.source("Keep3.attn", model("Keep3", 2, "dim T <= 64", declarations, "mask i >= 1 && j < keep[i - 1]"))
                .load(new RecordingWeights(SEED));
        TableIndexException unguarded = assertThrows(TableIndexException.class, () -> call.run(bound));
        assertEquals("keep[i - 1]: index -1 of axis 0 is outside [0, 10) at i = 0 (mask at Keep3.attn:9:24)", unguarded.getMessage());
    }

    @Test
    void anIndexReadFromATensorIsChecked() {
        // Before, an index reading a tensor was refused at code generation.
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = Compiled.source("Bucket.attn",
                model("Bucket", 1, "dim T <= 64", "param rel : [H, 16]\n  input bucket : int[1]", "score s + rel[h, bucket[0]]"))
                .load(weights);
        float[] rel = weights.get("rel");
        Call call = new Call(8);
        call.inputs.put("bucket", Tensor.ints(new int[] {3}, 1));
        check(Ref.attention(call.q, call.k, call.v, 1, 1, Double.NaN, (s, i, j, h) -> s + rel[3], null, 0, 1), call.run(model));
        call.inputs.put("bucket", Tensor.ints(new int[] {16}, 1));
        TableIndexException outside = assertThrows(TableIndexException.class, () -> call.run(model));
        assertEquals("rel[h, bucket[0]]: index 16 of axis 1 is outside [0, 16) at h = 0 (score at Bucket.attn:10:15)",
                outside.getMessage());
    }

    // ------------------------------------------------------------------ proved inside: no check

    @Test
    void explicitClampingIsProvedAndMatchesTheReference() {
        int heads = 2;
        RecordingWeights weights = new RecordingWeights(SEED);
        Compiled compiled = Compiled.source("Clamp.attn",
                model("Clamp", heads, "dim T", "param rel : [H, 16]", "score s + 2.0 * rel[h, clamp(i - j, 0, 15)]"));
        assertFalse(compiled.source().contains("TableIndexException"), compiled.source());
        Model model = compiled.load(weights);
        float[] rel = weights.get("rel");
        Call call = new Call(40);
        check(Ref.attention(call.q, call.k, call.v, heads, heads, Double.NaN,
                (s, i, j, h) -> s + 2.0 * rel[h * 16 + Math.min(Math.max(i - j, 0), 15)], null, 0, 1), call.run(model));
    }

    @Test
    void aGuardingWhereIsProvedAndMatchesTheReference() {
        int heads = 2;
        RecordingWeights weights = new RecordingWeights(SEED);
        Compiled compiled = Compiled.source("Guard.attn", model("Guard", heads, "dim T", "param rel : [H, 16]",
                "score where(i - j >= 0 && i - j < 16, s + 3.0 * rel[h, i - j], s - 1.0)"));
        assertFalse(compiled.source().contains("TableIndexException"), compiled.source());
        Model model = compiled.load(weights);
        float[] rel = weights.get("rel");
        Call call = new Call(40);
        check(Ref.attention(call.q, call.k, call.v, heads, heads, Double.NaN,
                (s, i, j, h) -> i - j >= 0 && i - j < 16 ? s + 3.0 * rel[h * 16 + i - j] : s - 1.0, null, 0, 1), call.run(model));
    }

    @Test
    void aBoundedDimProvesACausalTable() {
        // T <= 16 and causal: 0 <= i - j <= 15, so T5's table needs no clamp and no check.
        int heads = 2;
        RecordingWeights weights = new RecordingWeights(SEED);
        Compiled compiled = Compiled.source("T5.attn",
                model("T5", heads, "dim T <= 16", "param rel : [H, 16]", "score s + rel[h, i - j]\n    mask causal"));
        assertFalse(compiled.source().contains("TableIndexException"), compiled.source());
        Model model = compiled.load(weights);
        float[] rel = weights.get("rel");
        Call call = new Call(16);
        check(Ref.attention(call.q, call.k, call.v, heads, heads, Double.NaN, (s, i, j, h) -> s + rel[h * 16 + i - j], Ref.CAUSAL,
                0, 1), call.run(model));
    }

    @Test
    void aKvCacheKeepsTheCheckOfAReadProvedOnlyForTheKeyRows() {
        // keep[j] is inside keep : int[T] while keys are k's rows; a cache adds keys past them.
        String text = model("Cached", 1, "dim T <= 32", "input keep : int[T]", "mask causal && keep[j] != 0")
                .replace("heads = H)", "heads = H, cache = true)");
        assertTrue(Compiled.source("Cached.attn", text).source().contains("TableIndexException.check("));
        String uncached = model("Plain", 1, "dim T <= 32", "input keep : int[T]", "mask causal && keep[j] != 0");
        assertFalse(Compiled.source("Plain.attn", uncached).source().contains("TableIndexException"));
    }

    // ------------------------------------------------------------------ helpers

    double[][] normal(int rows) {
        double[][] x = new double[rows][WIDTH];
        for (double[] row : x) {
            for (int c = 0; c < WIDTH; c++) {
                double u = random.nextDouble(Double.MIN_VALUE, 1);
                double w = random.nextDouble();
                row[c] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w));
            }
        }
        return x;
    }

    /** Equal within TOL times the larger of 1 and the expected output's largest magnitude. */
    static void check(double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length, "rows");
        double scale = 1;
        for (double[] row : expected) {
            for (double x : row) {
                scale = Math.max(scale, Math.abs(x));
            }
        }
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r].length, actual[r].length, "columns of row " + r);
            for (int c = 0; c < expected[r].length; c++) {
                assertEquals(expected[r][c], actual[r][c], TOL * scale, "row " + r + ", column " + c);
            }
        }
    }
}
