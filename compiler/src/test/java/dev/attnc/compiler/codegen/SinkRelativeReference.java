package dev.attnc.compiler.codegen;

import java.util.SplittableRandom;

/**
 * A float64 reference for attention with a sink logit per head and query-dependent relative
 * positions, written from the math and nothing else: for query i, key j, head h (reading
 * key/value head h / (heads / kvHeads)),
 * <pre>
 * s(i, j) = score(scale * (q_i . k_j + q_i . R[clamp(i - j, -K, K) + K]))   (relative, Shaw et al.)
 * w(i, j) = exp(s(i, j)) / (exp(sink[h]) + sum over visible j' of exp(s(i, j')))   (sink, gpt-oss)
 * y_i     = sum over visible j of w(i, j) * v_j
 * </pre>
 * with R one table for every head ({@code [2K + 1, dk]}) or one per head ({@code [2K + 1, heads * dk]}).
 * Positions i count from {@code firstQuery} (a KV cache's earlier positions).
 */
public final class SinkRelativeReference {
    /** Which keys a query sees. */
    public interface Mask {
        boolean visible(int i, int j, int h);
    }

    /** A score clause: the scaled score s of query i, key j, head h, changed. */
    public interface Score {
        double apply(double s, int i, int j, int h);
    }

    public static final Mask ALL = (i, j, h) -> true;
    public static final Mask CAUSAL = (i, j, h) -> j <= i;

    public int heads;
    public int kvHeads;
    public double scale;
    /** A logit per head, or null for none. */
    public double[] sinks;
    /** The relative table by rows, or null for none. */
    public double[][] relative;
    public Mask mask = ALL;
    /** Applied to each scaled score, as the language's {@code score} clause is. */
    public Score score = (s, i, j, h) -> s;
    public int firstQuery;

    /** The output rows for queries {@code q} (rows firstQuery on) against keys and values {@code k}, {@code v} (rows 0 on). */
    public double[][] run(double[][] q, double[][] k, double[][] v) {
        int dv = v[0].length / kvHeads;
        int group = heads / kvHeads;
        double[][] y = new double[q.length][heads * dv];
        for (int h = 0; h < heads; h++) {
            int kv = h / group;
            double[][] w = weights(q, k, h);
            for (int t = 0; t < q.length; t++) {
                for (int j = 0; j < k.length; j++) {
                    for (int d = 0; d < dv; d++) {
                        y[t][h * dv + d] += w[t][j] * v[j][kv * dv + d];
                    }
                }
            }
        }
        return y;
    }

    /** The softmax weights of head h, [query][key]: without the sink's share, so a row sums to less than 1 with a sink. */
    public double[][] weights(double[][] q, double[][] k, int h) {
        int dk = q[0].length / heads;
        int kv = h / (heads / kvHeads);
        int clip = relative == null ? 0 : (relative.length - 1) / 2;
        boolean perHead = relative != null && relative[0].length == heads * dk && heads > 1;
        double[][] w = new double[q.length][k.length];
        for (int t = 0; t < q.length; t++) {
            int i = firstQuery + t;
            double[] scores = new double[k.length];
            double max = sinks == null ? Double.NEGATIVE_INFINITY : sinks[h];
            for (int j = 0; j < k.length; j++) {
                if (!mask.visible(i, j, h)) {
                    scores[j] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                double dot = 0;
                for (int d = 0; d < dk; d++) {
                    dot += q[t][h * dk + d] * k[j][kv * dk + d];
                }
                if (relative != null) {
                    double[] row = relative[Math.clamp(i - j, -clip, clip) + clip];
                    for (int d = 0; d < dk; d++) {
                        dot += q[t][h * dk + d] * row[(perHead ? h * dk : 0) + d];
                    }
                }
                scores[j] = score.apply(scale * dot, i, j, h);
                max = Math.max(max, scores[j]);
            }
            if (max == Double.NEGATIVE_INFINITY) {
                continue; // no key and no sink: zeros
            }
            double sum = sinks == null ? 0 : Math.exp(sinks[h] - max);
            for (int j = 0; j < k.length; j++) {
                sum += Math.exp(scores[j] - max);
            }
            for (int j = 0; j < k.length; j++) {
                w[t][j] = Math.exp(scores[j] - max) / sum;
            }
        }
        return w;
    }

    /** Seeded N(0, 1) rows, rounded to float as the model sees them. */
    public static double[][] normal(SplittableRandom random, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (Math.sqrt(-2 * Math.log(random.nextDouble(Double.MIN_VALUE, 1))) * Math.cos(2 * Math.PI * random.nextDouble()));
            }
        }
        return x;
    }

    /** A loaded weight as float64 rows of {@code cols}. */
    public static double[][] rows(float[] data, int cols) {
        double[][] x = new double[data.length / cols][cols];
        for (int index = 0; index < data.length; index++) {
            x[index / cols][index % cols] = data[index];
        }
        return x;
    }

    public static double[] vector(float[] data) {
        double[] x = new double[data.length];
        for (int index = 0; index < data.length; index++) {
            x[index] = data[index];
        }
        return x;
    }

    /** The largest absolute difference between two matrices of the same shape. */
    public static double maxDifference(double[][] expected, float[] actual) {
        double worst = 0;
        int cols = expected[0].length;
        if (actual.length != expected.length * cols) {
            throw new AssertionError("expected " + expected.length + " x " + cols + " values, found " + actual.length);
        }
        for (int r = 0; r < expected.length; r++) {
            for (int c = 0; c < cols; c++) {
                worst = Math.max(worst, Math.abs(expected[r][c] - actual[r * cols + c]));
            }
        }
        return worst;
    }

    public static double maxDifference(double[][] a, double[][] b) {
        double worst = 0;
        for (int r = 0; r < a.length; r++) {
            for (int c = 0; c < a[r].length; c++) {
                worst = Math.max(worst, Math.abs(a[r][c] - b[r][c]));
            }
        }
        return worst;
    }
}
