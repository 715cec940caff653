package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.Repo;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.Compiled;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.reference.Ref;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.TableIndexException;
import dev.attnc.runtime.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Tensor math outside attention clauses (abs, min, max, where, powers, comparisons, reductions,
 * pooling, normalisation, x[k], whole numbers on positions, run-time numbers): the examples of
 * the language reference, compiled by each backend (TornadoVM's kernels run on the JVM here),
 * against float64 references written from the math below. Tolerances: 1e-5 relative to
 * max(1, |reference|) for elementwise results and sums of up to 64 float32 inputs.
 */
class TensorMathTest {
    static final long SEED = 20261206;
    static final double TOLERANCE = 1e-5;

    enum Backend { JVM, TORNADOVM }

    private static Model load(Backend backend, String name, String text, RecordingTornadoWeights weights) {
        return backend == Backend.JVM ? Compiled.source(name, text).load(weights) : TornadoCompiled.source(name, text).load(weights);
    }

    /** The {@code attn} block of the language reference that declares {@code model name}. */
    static String example(String name) {
        Pattern fence = Pattern.compile("```attn\\n(.*?)```", Pattern.DOTALL);
        for (String doc : new String[] {"docs/language.md"}) {
            java.nio.file.Path path = Repo.path(doc);
            if (!java.nio.file.Files.exists(path)) {
                continue;
            }
            Matcher matcher = fence.matcher(Repo.read(path));
            while (matcher.find()) {
                if (matcher.group(1).contains("model " + name + " {")) {
                    return matcher.group(1);
                }
            }
        }
        throw new AssertionError("no example declares model " + name + " in docs/language.md");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void elementwise(Backend backend) {
        int t = 23;
        SplittableRandom random = new SplittableRandom(SEED);
        double[][] x = normal(random, t, 16);
        double[][] y = normal(random, t, 16);
        x[0][0] = 0.5; // ties of min(x, 0.5) and x >= y
        y[0][1] = x[0][1];
        Model model = load(backend, "elementwise.attn", example("Elementwise"), new RecordingTornadoWeights(SEED));
        Map<String, Tensor> out = model.forward(Map.of("x", tensor(x), "y", tensor(y)));
        double[][] a = new double[t][16];
        double[][] p = new double[t][16];
        double[][] leaky = new double[t][16];
        double[][] r = new double[t][16];
        for (int i = 0; i < t; i++) {
            for (int c = 0; c < 16; c++) {
                double u = x[i][c];
                double w = y[i][c];
                a[i][c] = Math.abs(u) + Math.max(u, w) - Math.min(u, 0.5);
                p[i][c] = u * u + Math.sqrt(Math.abs(w)) - Math.pow(2, -u);
                leaky[i][c] = u > 0 ? u : 0.01 * u;
                r[i][c] = u >= w ? u - w : w;
            }
        }
        assertClose(a, out.get("a"), "a");
        assertClose(p, out.get("p"), "p");
        assertClose(leaky, out.get("leaky"), "leaky");
        assertClose(r, out.get("r"), "r");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void whereWithNumbersAndBroadcasting(Backend backend) {
        String text = """
                model Sides {
                  const D = 16
                  dim T <= 64
                  input x : [T, D]
                  input g : [D]
                  first  = where(x > g, 1.0, x)          // a number, then a tensor
                  second = where(x > 0, x * g, 0.0)      // a tensor, then a number
                  both   = where(x < g, -1.0, 1.0)       // two numbers
                  scaled = where(x > 0, x, x * (sqrt(T) / 8)) // a run-time number inside
                  output first, second, both, scaled
                }
                """;
        int t = 13;
        SplittableRandom random = new SplittableRandom(SEED + 7);
        double[][] x = normal(random, t, 16);
        double[][] g = normal(random, 1, 16);
        Model model = load(backend, "sides.attn", text, new RecordingTornadoWeights(SEED));
        Map<String, Tensor> out = model.forward(Map.of("x", tensor(x), "g", Tensor.floats(tensor(g).floatData(), 16)));
        double[][] first = new double[t][16];
        double[][] second = new double[t][16];
        double[][] both = new double[t][16];
        double[][] scaled = new double[t][16];
        for (int i = 0; i < t; i++) {
            for (int c = 0; c < 16; c++) {
                double u = x[i][c];
                first[i][c] = u > g[0][c] ? 1.0 : u;
                second[i][c] = u > 0 ? u * g[0][c] : 0.0;
                both[i][c] = u < g[0][c] ? -1.0 : 1.0;
                scaled[i][c] = u > 0 ? u : u * (Math.sqrt(t) / 8);
            }
        }
        assertClose(first, out.get("first"), "first");
        assertClose(second, out.get("second"), "second");
        assertClose(both, out.get("both"), "both");
        assertClose(scaled, out.get("scaled"), "scaled");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void reductions(Backend backend) {
        int t = 37;
        double[][] x = normal(new SplittableRandom(SEED + 1), t, 16);
        Model model = load(backend, "reductions.attn", example("Reductions"), new RecordingTornadoWeights(SEED));
        Map<String, Tensor> out = model.forward(Map.of("x", tensor(x)));
        double[] overPositions = new double[16];
        double[] smallest = new double[16];
        java.util.Arrays.fill(smallest, Double.POSITIVE_INFINITY);
        double[][] totals = new double[t][1];
        double[][] largest = new double[1][t];
        double[][] centered = new double[t][16];
        for (int i = 0; i < t; i++) {
            double rowSum = 0;
            largest[0][i] = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 16; c++) {
                overPositions[c] += x[i][c] / t;
                smallest[c] = Math.min(smallest[c], x[i][c]);
                rowSum += x[i][c];
                largest[0][i] = Math.max(largest[0][i], x[i][c]);
            }
            totals[i][0] = rowSum;
            for (int c = 0; c < 16; c++) {
                centered[i][c] = x[i][c] - rowSum / 16;
            }
        }
        assertClose(new double[][] {overPositions}, out.get("over_positions"), "over_positions");
        assertEquals(java.util.List.of(16), shape(out.get("over_positions")));
        assertClose(totals, out.get("totals"), "totals");
        assertEquals(java.util.List.of(t, 1), shape(out.get("totals")));
        assertClose(largest, out.get("largest"), "largest");
        assertClose(new double[][] {smallest}, out.get("smallest"), "smallest");
        assertClose(centered, out.get("centered"), "centered");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void reductionsOverViewsAndRankThree(Backend backend) {
        // heads(x, 4) is a strided view [4, T, 4]: a mean over its positions reads it in place.
        String text = """
                model Heads {
                  const D = 16
                  dim T <= 64
                  input x : [T, D]
                  per_head = mean(heads(x, 4), dim = 1)       // [4, 4]
                  tops = max(heads(x, 4), dim = -1, keepdim = true)   // [4, T, 1]
                  output per_head, tops
                }
                """;
        int t = 9;
        double[][] x = normal(new SplittableRandom(SEED + 2), t, 16);
        Model model = load(backend, "heads.attn", text, new RecordingTornadoWeights(SEED));
        Map<String, Tensor> out = model.forward(Map.of("x", tensor(x)));
        double[][] perHead = new double[4][4];
        double[][] tops = new double[4 * t][1];
        for (int h = 0; h < 4; h++) {
            for (int i = 0; i < t; i++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int d = 0; d < 4; d++) {
                    perHead[h][d] += x[i][h * 4 + d] / t;
                    best = Math.max(best, x[i][h * 4 + d]);
                }
                tops[h * t + i][0] = best;
            }
        }
        assertClose(perHead, out.get("per_head"), "per_head");
        assertEquals(java.util.List.of(4, t, 1), shape(out.get("tops")));
        assertClose(tops, out.get("tops"), "tops");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void meanPoolingClsAndNormalisation(Backend backend) {
        int t = 19;
        SplittableRandom random = new SplittableRandom(SEED + 3);
        int[] ids = new int[t];
        int[] mask = new int[t];
        for (int i = 0; i < t; i++) {
            ids[i] = random.nextInt(100);
            mask[i] = i < 14 && i != 5 ? 1 : 0; // padding at the end, and one position left out in the middle
        }
        RecordingTornadoWeights weights = new RecordingTornadoWeights(SEED);
        Model model = load(backend, "pooled.attn", example("Pooled"), weights);
        Map<String, Tensor> out = model.forward(Map.of("ids", Tensor.ints(ids, t), "attention_mask", Tensor.ints(mask, t)));
        float[] word = weights.get("word.weight");
        double[] mean = new double[32];
        int real = 0;
        for (int i = 0; i < t; i++) {
            if (mask[i] != 0) {
                real++;
                for (int c = 0; c < 32; c++) {
                    mean[c] += word[ids[i] * 32 + c];
                }
            }
        }
        double[] cls = new double[32];
        for (int c = 0; c < 32; c++) {
            mean[c] /= real;
            cls[c] = word[ids[0] * 32 + c];
        }
        assertClose(new double[][] {normalized(mean)}, out.get("sentence"), "sentence");
        assertClose(new double[][] {normalized(cls)}, out.get("cls"), "cls");
        assertEquals(java.util.List.of(32), shape(out.get("sentence")));

        // A sequence of padding only: the mean over no token is 0, and 0 / max(0, 1e-12) stays 0 (no NaN).
        Map<String, Tensor> empty = model.forward(Map.of("ids", Tensor.ints(ids, t), "attention_mask", Tensor.ints(new int[t], t)));
        assertClose(new double[1][32], empty.get("sentence"), "sentence of padding only");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void miniLmEndsInItsPooledNormalisedSentenceEmbedding(Backend backend) {
        // samples/minilm on seeded random weights, with padding: `embedding` must be the float64
        // mean of the hidden states `x` of the real tokens, divided by its L2 norm.
        int t = 12;
        int real = 9;
        SplittableRandom random = new SplittableRandom(SEED + 6);
        int[] ids = new int[t];
        int[] types = new int[t];
        int[] mask = new int[t];
        for (int i = 0; i < t; i++) {
            ids[i] = i < real ? random.nextInt(30522) : 0;
            types[i] = i < real / 2 ? 0 : 1;
            mask[i] = i < real ? 1 : 0;
        }
        RecordingTornadoWeights weights = new RecordingTornadoWeights(SEED);
        Model model = backend == Backend.JVM ? Compiled.sample("minilm").load(weights) : TornadoCompiled.sample("minilm").load(weights);
        assertEquals(java.util.List.of("x", "embedding"), model.outputNames(), "hidden states first, as `attnc embed` reads them");
        Map<String, Tensor> out = model.forward(Map.of("input_ids", Tensor.ints(ids, t), "token_type_ids", Tensor.ints(types, t),
                "attention_mask", Tensor.ints(mask, t)));
        float[] hidden = out.get("x").floatData();
        double[] mean = new double[384];
        for (int i = 0; i < real; i++) {
            for (int c = 0; c < 384; c++) {
                mean[c] += hidden[i * 384 + c] / (double) real;
            }
        }
        assertEquals(java.util.List.of(384), shape(out.get("embedding")));
        assertClose(new double[][] {normalized(mean)}, out.get("embedding"), "embedding");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void positionIdsComputedFromArange(Backend backend) {
        int t = 64; // the largest T: arange(T) + 2 reaches row 65 of 66, arange(T) * 2 + 1 row 127 of 132
        SplittableRandom random = new SplittableRandom(SEED + 4);
        int[] ids = new int[t];
        for (int i = 0; i < t; i++) {
            ids[i] = random.nextInt(100);
        }
        RecordingTornadoWeights weights = new RecordingTornadoWeights(SEED);
        Model model = load(backend, "roberta.attn", example("RobertaPositions"), weights);
        Map<String, Tensor> out = model.forward(Map.of("ids", Tensor.ints(ids, t)));
        float[] word = weights.get("word.weight");
        float[] pos = weights.get("pos.weight");
        float[] stride = weights.get("stride.weight");
        double[][] x = new double[t][32];
        double[][] y = new double[t][32];
        for (int i = 0; i < t; i++) {
            for (int c = 0; c < 32; c++) {
                x[i][c] = (double) word[ids[i] * 32 + c] + pos[(i + 2) * 32 + c];
                y[i][c] = stride[(2 * i + 1) * 32 + c];
            }
        }
        assertClose(x, out.get("x"), "x");
        assertClose(y, out.get("y"), "y");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void positionIdsPastTheTableAreRefused(Backend backend) {
        String text = """
                model TooFew {
                  const D = 8, P = 66
                  dim T <= 65
                  input x : [T, D]
                  param pos : embedding(P, D)
                  y = x + pos(arange(T) + 2)
                  output y
                }
                """;
        assertEquals("toofew.attn:6:11: ids of `pos(arange(T) + 2)` reach 66 but embedding `pos` has rows 0 to 65;"
                + " bound the dim or change the ids", generateFailure(backend, "toofew.attn", text));
    }

    @Test
    void idsComputedFromAnInputAreCheckedWhereTheyAreRead() {
        String text = """
                model Shifted {
                  const D = 8, P = 66
                  dim T <= 64
                  input ids : int[T]
                  param pos : embedding(P, D)
                  y = pos(ids + 2)
                  output y
                }
                """;
        RecordingTornadoWeights weights = new RecordingTornadoWeights(SEED);
        Model model = Compiled.source("shifted.attn", text).load(weights);
        int[] ids = {0, 5, 63, 1};
        Tensor y = model.forward(Map.of("ids", Tensor.ints(ids, 4))).get("y");
        float[] pos = weights.get("pos.weight");
        assertEquals(pos[65 * 8 + 3], y.floatData()[2 * 8 + 3], 0.0);
        TableIndexException thrown = assertThrows(TableIndexException.class,
                () -> model.forward(Map.of("ids", Tensor.ints(new int[] {0, 5, 1, 64}, 4))));
        assertEquals("pos(ids + 2): id 66 at position 3 is outside [0, 66), the rows of the table (embedding at shifted.attn:6:7)",
                thrown.getMessage());
        // A TornadoVM kernel cannot throw: such ids are refused when the model is compiled.
        String refused = generateFailure(Backend.TORNADOVM, "shifted.attn", text);
        assertTrue(refused.contains("computed from an input"), refused);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void lengthDependentScaling(Backend backend) {
        int t = 29;
        double[][] x = normal(new SplittableRandom(SEED + 5), t, 32);
        Model model = load(backend, "scaled.attn", example("LengthScaled"), new RecordingTornadoWeights(SEED));
        Map<String, Tensor> out = model.forward(Map.of("x", tensor(x)));
        double scale = Math.log(t) / Math.log(512);
        double[][] y = new double[t][32];
        for (int i = 0; i < t; i++) {
            for (int c = 0; c < 32; c++) {
                y[i][c] = x[i][c] * scale;
            }
        }
        assertClose(y, out.get("y"), "y");
        double[][] z = Ref.attention(x, x, x, 4, 4, Double.NaN, (s, i, j, h) -> s * scale, Ref.CAUSAL, 0, 1);
        assertClose(z, out.get("z"), "z", 1e-4);
    }

    @Test
    void powersBindAsInPython() {
        String text = """
                model Powers {
                  const A = -2 ** 2, B = 2 ** 3 ** 2, C = 2 ** -1, E = (-2) ** 2
                  dim T
                  input x : [T, 4]
                  output x
                }
                """;
        FrontEnd.Result result = FrontEnd.check(new SourceFile("powers.attn", text));
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        Map<String, Number> constants = result.models().get(0).constants();
        assertEquals(-4.0, constants.get("A").doubleValue(), "-2 ** 2 is -(2 ** 2)");
        assertEquals(512.0, constants.get("B").doubleValue(), "2 ** 3 ** 2 is 2 ** 9");
        assertEquals(0.5, constants.get("C").doubleValue());
        assertEquals(4.0, constants.get("E").doubleValue());
    }

    @Test
    void mistakesAreReportedWithTheirPlace() {
        String text = """
                model Wrong {
                  const D = 16
                  dim T
                  input x : [D, D]
                  input y : [T, D]
                  a = mean(x)
                  b = mean(x, dim = D)
                  c = y[1]
                  d = max(x, y, dim = 0)
                  e = arange(T) / 2
                  f = where(1, x, x)
                  output a
                }
                """;
        String rendered = FrontEnd.check(new SourceFile("wrong.attn", text)).diagnostics().render();
        for (String expected : new String[] {
                "wrong.attn:6:7: error: `mean` reduces over one dim: give it",
                "wrong.attn:7:21: error: several dims of [16, 16] have size 16; give the dim by its position: `dim = 0`",
                "wrong.attn:8:9: error: index 1 may be outside a dim of run-time size T; only index 0 is inside for every T",
                "wrong.attn:9:17: error: `max(a, b)` is elementwise and takes no `dim`",
                "wrong.attn:10:7: error: int tensors support `+`, `-`, `*`, `min` and `max`, not `/`",
                "wrong.attn:11:13: error: the condition of `where` must be a tensor"}) {
            assertTrue(rendered.contains(expected), "expected " + expected + " in:\n" + rendered);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String generateFailure(Backend backend, String name, String text) {
        SourceFile file = new SourceFile(name, text);
        FrontEnd.Result result = FrontEnd.check(file);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        return assertThrows(CodegenException.class, () -> {
            if (backend == Backend.JVM) {
                JvmBackend.generate(result.models().get(0), file, JvmBackend.Options.defaults());
            } else {
                TornadoBackend.generate(result.models().get(0), file, JvmBackend.Options.defaults());
            }
        }).getMessage();
    }

    static double[] normalized(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / norm;
        }
        return out;
    }

    static double[][] normal(SplittableRandom random, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (Math.sqrt(-2 * Math.log(random.nextDouble(Double.MIN_VALUE, 1))) * Math.cos(2 * Math.PI * random.nextDouble()));
            }
        }
        return x;
    }

    static Tensor tensor(double[][] x) {
        float[] data = new float[x.length * x[0].length];
        for (int r = 0; r < x.length; r++) {
            for (int c = 0; c < x[r].length; c++) {
                data[r * x[r].length + c] = (float) x[r][c];
            }
        }
        return Tensor.floats(data, x.length, x[0].length);
    }

    static java.util.List<Integer> shape(Tensor tensor) {
        return java.util.Arrays.stream(tensor.shape()).boxed().toList();
    }

    static void assertClose(double[][] expected, Tensor actual, String what) {
        assertClose(expected, actual, what, TOLERANCE);
    }

    /** Every element of {@code actual} (row-major) within {@code tolerance * max(1, |expected|)}. */
    static void assertClose(double[][] expected, Tensor actual, String what, double tolerance) {
        float[] data = actual.floatData();
        int cols = expected[0].length;
        assertEquals(expected.length * cols, data.length, what + ": element count");
        for (int r = 0; r < expected.length; r++) {
            for (int c = 0; c < cols; c++) {
                double want = expected[r][c];
                assertEquals(want, data[r * cols + c], tolerance * Math.max(1, Math.abs(want)), what + "[" + r + "][" + c + "]");
            }
        }
    }
}
