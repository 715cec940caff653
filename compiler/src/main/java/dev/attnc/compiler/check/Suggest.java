package dev.attnc.compiler.check;

import java.util.Collection;

/** "Did you mean" hints: the closest known name by edit distance, if close enough. */
public final class Suggest {
    private Suggest() {
    }

    /**
     * The candidate nearest to {@code name}, or null when none is within a third of its
     * length (at least one edit, never all of it: `z` suggests nothing, `xx` suggests `x`).
     */
    public static String closest(String name, Collection<String> candidates) {
        String best = null;
        int bestDistance = Math.min(Math.max(1, name.length() / 3), name.length() - 1) + 1;
        for (String candidate : candidates) {
            if (candidate.equals(name) || Math.abs(candidate.length() - name.length()) >= bestDistance) {
                continue;
            }
            int distance = distance(name, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /** Edits between a and b: insertions, deletions, substitutions and swaps of neighbours (`chekc`: 1). */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int substitution = d[i - 1][j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                d[i][j] = Math.min(substitution, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
