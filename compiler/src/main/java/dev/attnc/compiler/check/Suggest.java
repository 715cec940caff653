package dev.attnc.compiler.check;

import java.util.Collection;

/** "Did you mean" hints: the closest known name by edit distance, if close enough. */
final class Suggest {
    private Suggest() {
    }

    /**
     * The candidate nearest to {@code name}, or null when none is within a third of its
     * length (at least one edit, never all of it: `z` suggests nothing, `xx` suggests `x`).
     */
    static String closest(String name, Collection<String> candidates) {
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

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
