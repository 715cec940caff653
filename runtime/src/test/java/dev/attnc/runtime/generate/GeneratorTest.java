package dev.attnc.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Prefill then one call per token, streamed, stopped by EOS, the step limit or the context. */
class GeneratorTest {

    /** Greedy generation on a bigram table, written independently: follow each row's argmax. */
    private static List<Integer> expectedGreedy(float[][] table, int last, int steps, int eos) {
        List<Integer> tokens = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            float[] row = table[last];
            int best = 0;
            for (int j = 1; j < row.length; j++) {
                if (row[j] > row[best]) {
                    best = j;
                }
            }
            if (best == eos) {
                break;
            }
            tokens.add(best);
            last = best;
        }
        return tokens;
    }

    @Test
    void greedyFollowsTheModelAndStreamsEachToken() {
        BigramModel model = new BigramModel(37, 512, 11);
        List<Integer> streamed = new ArrayList<>();
        Generator.Result result = new Generator(model, Set.of()).generate(new int[] {1, 5, 9}, 40, Sampler.greedy(), streamed::add);
        assertEquals(expectedGreedy(model.table, 9, 40, -1), result.tokens());
        assertEquals(result.tokens(), streamed);
        assertEquals(Generator.Stop.STEPS, result.stop());
        assertEquals(40, model.appendCalls, "one prefill call and one call per further token");
        assertEquals(3 + 39, model.position);
    }

    @Test
    void endOfSequenceStops() {
        BigramModel model = new BigramModel(20, 512, 3);
        List<Integer> free = expectedGreedy(model.table, 4, 10, -1);
        int eos = free.get(3);
        Generator.Result result = new Generator(model, Set.of(eos)).generate(new int[] {4}, 10, Sampler.greedy(), id -> { });
        assertEquals(expectedGreedy(model.table, 4, 10, eos), result.tokens());
        assertEquals(Generator.Stop.END_OF_SEQUENCE, result.stop());
    }

    @Test
    void theContextBoundsGeneration() {
        BigramModel model = new BigramModel(20, 8, 5);
        Generator.Result result = new Generator(model, Set.of()).generate(new int[] {1, 2, 3}, 100, Sampler.greedy(), id -> { });
        // 3 prompt tokens and 5 new ones fill the 8 positions; the logits after the 8th still give a 6th.
        assertEquals(6, result.tokens().size());
        assertEquals(8, model.position);
        assertEquals(Generator.Stop.CONTEXT, result.stop());
    }

    @Test
    void eachGenerationStartsFromAnEmptyCache() {
        BigramModel model = new BigramModel(20, 16, 5);
        Generator generator = new Generator(model, Set.of());
        Generator.Result first = generator.generate(new int[] {1, 2}, 10, Sampler.greedy(), id -> { });
        Generator.Result second = generator.generate(new int[] {1, 2}, 10, Sampler.greedy(), id -> { });
        assertEquals(first.tokens(), second.tokens());
    }

    @Test
    void badPromptsAreNamed() {
        Generator generator = new Generator(new BigramModel(20, 4, 1), Set.of());
        assertEquals("the prompt has no tokens (a BOS token at least is needed)",
                assertThrows(IllegalArgumentException.class, () -> generator.generate(new int[0], 5, Sampler.greedy(), id -> { }))
                        .getMessage());
        assertEquals("prompt token 20 is outside the vocabulary of 20",
                assertThrows(IllegalArgumentException.class, () -> generator.generate(new int[] {20}, 5, Sampler.greedy(), id -> { }))
                        .getMessage());
        assertEquals("the prompt has 5 tokens, more than the model's context of 4",
                assertThrows(IllegalArgumentException.class,
                        () -> generator.generate(new int[] {1, 1, 1, 1, 1}, 5, Sampler.greedy(), id -> { })).getMessage());
    }
}
