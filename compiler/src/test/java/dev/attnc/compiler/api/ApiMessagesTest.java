package dev.attnc.compiler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What a Java caller is told: the API's compile errors carry the place {@code attnc check}
 * gives them, and a generated model's own message for a too-long input names what sets its
 * largest length (the declared bound, or --max-seq where none is declared).
 */
class ApiMessagesTest {
    /** Each [T, T] value fits one Java array at T = 40000 (1.6e9 floats); the two of them together do not. */
    private static final String BIG = """
            model Big {
              const D = 64
              dim T <= 40000
              input x : [T, D]
              scores = x @ transpose(x)
              y = softmax(scores) @ x
              output y
            }
            """;

    private static final String HEADLINE = "big.attn:5:12: error: the activations of Big do not fit in memory at T = 40000:"
            + " they need 3,205,120,000 floats (11.9 GiB), more than one Java array holds (2,147,483,631); the largest value"
            + " is this one, [T, T] (5.96 GiB); lower the bound of `dim T <= 40000` (line 3) (--max-seq does not size a dim"
            + " with a bound)";

    private static final String CARET = "    5 |   scores = x @ transpose(x)\n"
            + "      |            ^~~~~~~~~~~~~~~~";

    @Test
    void compileReportsActivationsThatDoNotFitAtTheirLineAndColumn() {
        Compilation compilation = Attnc.compile("big.attn", BIG, CompileOptions.defaults());
        assertFalse(compilation.ok());
        assertEquals(1, compilation.errors().size(), compilation.render());
        Diagnostic error = compilation.errors().get(0);
        assertEquals(5, error.line());
        assertEquals(12, error.column());
        assertEquals(HEADLINE, error.headline());
        assertTrue(error.rendered().startsWith(HEADLINE + "\n" + CARET), error.rendered());
        assertTrue(compilation.render().contains(HEADLINE + "\n" + CARET), compilation.render());
    }

    @Test
    void checkThenLoadThrowsTheSamePlacedError() {
        AttnModel model = Attnc.check("big.attn", BIG, CompileOptions.defaults()).orElseThrow();
        CompilationException thrown = assertThrows(CompilationException.class, model::javaSource);
        assertEquals(HEADLINE, thrown.getMessage());
        assertEquals(5, thrown.diagnostics().get(0).line());
    }

    private static final String TINY = """
            model Tiny {
              const D = 8, H = 2, P = 24
              dim T <= %s
              input x : [T, D]
              a = attention(x, x, x, heads = H%s) {
                mask causal
              }
              output a
            }
            """;

    private static Map<String, Tensor> input(int length) {
        SplittableRandom random = new SplittableRandom(length);
        float[] data = new float[length * 8];
        for (int index = 0; index < data.length; index++) {
            data[index] = (float) random.nextDouble(-1, 1);
        }
        return Map.of("x", Tensor.floats(data, length, 8));
    }

    private static String tooLong(String bound, String cache, CompileOptions options, int length) {
        AttnModel model = Attnc.compile("tiny.attn", TINY.formatted(bound, cache), options).orElseThrow();
        try (Model run = model.load(Weights.random(3))) {
            assertEquals("[1, 8]", run.forward(input(1)).get("a").shapeString(), "a short input runs");
            return assertThrows(ModelInputException.class, () -> run.forward(input(length))).getMessage();
        }
    }

    @Test
    void aBoundedDimNamesItsBoundAndLineNotMaxSeq() {
        assertEquals("T = 17 is more than this model accepts (16): the model declares `dim T <= 16` on line 3 of tiny.attn;"
                + " raise that bound and compile again", tooLong("16", "", CompileOptions.defaults(), 17));
        // A bound spelled with a constant shows the spelling and its value; --max-seq changes nothing.
        assertEquals("T = 25 is more than this model accepts (24): the model declares `dim T <= P` (24) on line 3 of tiny.attn;"
                + " raise that bound and compile again", tooLong("P", "", CompileOptions.defaults().withMaxSeq(4096), 25));
    }

    @Test
    void anUnboundedDimPointsAtMaxSeq() {
        String unbounded = Attnc.compile("tiny.attn", TINY.formatted("16", "").replace("dim T <= 16", "dim T"),
                CompileOptions.defaults().withMaxSeq(12)).orElseThrow().javaSource();
        assertTrue(unbounded.contains("Inputs.checkRange(\"T\", T, MAX_T);"), "no bound to name");
        AttnModel model = Attnc.compile("tiny.attn", TINY.formatted("16", "").replace("dim T <= 16", "dim T"),
                CompileOptions.defaults().withMaxSeq(12)).orElseThrow();
        try (Model run = model.load(Weights.random(3))) {
            assertEquals("T = 13 is more than this model accepts (12); T declares no bound, so the compiler sized it:"
                    + " compile with a larger --max-seq (CompileOptions.withMaxSeq in Java), or declare `dim T <= N`",
                    assertThrows(ModelInputException.class, () -> run.forward(input(13))).getMessage());
        }
    }

    @Test
    void aDecoderStepOverTheBoundNamesItToo() {
        AttnModel model = Attnc.compile("tiny.attn", TINY.formatted("16", ", cache = true"), CompileOptions.defaults())
                .orElseThrow();
        try (Decoder decoder = model.loadDecoder(Weights.random(3))) {
            String message = assertThrows(ModelInputException.class, () -> decoder.step(input(17))).getMessage();
            assertEquals("T = 17 is more than this model accepts (16): the model declares `dim T <= 16` on line 3 of tiny.attn;"
                    + " raise that bound and compile again", message);
        }
    }

    @Test
    void theTornadoVmBackendPassesTheBoundToo() {
        String java = Attnc.compile("tiny.attn", TINY.formatted("16", ""), CompileOptions.defaults().withBackend(Backend.TORNADOVM))
                .orElseThrow().javaSource();
        assertTrue(java.contains("Inputs.checkRange(\"T\", T, MAX_T, \"`dim T <= 16` on line 3 of tiny.attn\");"), java);
    }
}
