package dev.attnc.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Perplexity against the definition, computed here in double. */
class PerplexityTest {

    @Test
    void bigramPerplexityIsTheMeanNegativeLogLikelihood() {
        BigramModel model = new BigramModel(30, 1000, 8);
        int[] tokens = randomTokens(200, 30, 2);
        double nll = 0;
        for (int i = 0; i + 1 < tokens.length; i++) {
            float[] row = model.table[tokens[i]];
            double sum = 0;
            for (float logit : row) {
                sum += Math.exp(logit);
            }
            nll -= Math.log(Math.exp(row[tokens[i + 1]]) / sum);
        }
        Perplexity.Score score = Perplexity.of(model, tokens);
        assertEquals(199, score.predicted());
        assertEquals(Math.exp(nll / 199), score.perplexity(), 1e-9 * Math.exp(nll / 199));
    }

    @Test
    void equalLogitsGiveTheVocabularySize() {
        BigramModel model = new BigramModel(64, 1000, 8);
        for (float[] row : model.table) {
            java.util.Arrays.fill(row, 0.25f);
        }
        assertEquals(64, Perplexity.of(model, randomTokens(50, 64, 3)).perplexity(), 1e-9);
    }

    @Test
    void longTextsAreScoredInWindowsOfTheContext() {
        BigramModel model = new BigramModel(30, 16, 8);
        Perplexity.Score score = Perplexity.of(model, randomTokens(40, 30, 4));
        // Windows of 16, 16 and 8 tokens: the first of each is not predicted.
        assertEquals(15 + 15 + 7, score.predicted());
    }

    private static int[] randomTokens(int n, int vocabulary, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = random.nextInt(vocabulary);
        }
        return tokens;
    }
}
