package dev.attnc.runtime.generate;

/**
 * Perplexity of a model on a token sequence: exp of the mean negative log-likelihood of each
 * token given the ones before it, from the model's own logits (softmax in double). Sequences
 * longer than the context are scored in windows that each start from an empty cache, so every
 * token but the first of each window is predicted.
 */
public final class Perplexity {

    /** The score: tokens predicted, their summed negative log-likelihood (nats), and its exp-mean. */
    public record Score(int predicted, double negativeLogLikelihood) {
        public double perplexity() {
            return Math.exp(negativeLogLikelihood / predicted);
        }
    }

    private Perplexity() {
    }

    /**
     * @param tokens at least two tokens, every one inside the vocabulary
     * @throws IllegalArgumentException otherwise
     */
    public static Score of(TokenModel model, int[] tokens) {
        if (tokens.length < 2) {
            throw new IllegalArgumentException("perplexity needs at least 2 tokens, not " + tokens.length);
        }
        int vocabulary = model.vocabularySize();
        for (int id : tokens) {
            if (id < 0 || id >= vocabulary) {
                throw new IllegalArgumentException("token " + id + " is outside the vocabulary of " + vocabulary);
            }
        }
        int window = model.contextLength();
        if (window < 2) {
            throw new IllegalArgumentException("a context of " + window + " tokens predicts nothing");
        }
        double nll = 0;
        int predicted = 0;
        for (int start = 0; start + 1 < tokens.length; start += window) {
            int end = Math.min(tokens.length, start + window);
            int[] chunk = java.util.Arrays.copyOfRange(tokens, start, end);
            model.reset();
            float[][] logits = model.appendAll(chunk);
            for (int i = 0; i + 1 < chunk.length; i++) {
                nll -= logProbability(logits[i], chunk[i + 1]);
                predicted++;
            }
        }
        return new Score(predicted, nll);
    }

    /** log softmax(logits)[token], max-subtracted, in double. */
    static double logProbability(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        return logits[token] - max - Math.log(sum);
    }
}
