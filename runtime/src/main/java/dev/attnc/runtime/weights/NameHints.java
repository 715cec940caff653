package dev.attnc.runtime.weights;

import java.util.Collection;

/** Suggests the stored tensor name a user probably meant, for "not found" messages. */
final class NameHints {

    private NameHints() {}

    /**
     * The name in {@code names} closest to {@code wanted}, quoted, or null if none is close.
     * A name that differs only by a prefix ({@code transformer.h.0...} for {@code h.0...}) wins;
     * otherwise the nearest by edit distance, if it is within one edit per four characters
     * (so short names, where any name is "near", get no suggestion).
     */
    static String closest(String wanted, Collection<String> names) {
        for (String n : names) {
            if (n.endsWith("." + wanted) || wanted.endsWith("." + n)) {
                return quote(n);
            }
        }
        int limit = wanted.length() / 4;
        if (limit == 0) {
            return null;
        }
        String best = null;
        int bestDistance = limit + 1;
        for (String n : names) {
            if (Math.abs(n.length() - wanted.length()) >= bestDistance) {
                continue;
            }
            int d = distance(wanted, n, bestDistance);
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
            }
        }
        return best == null ? null : quote(best);
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    /** Levenshtein distance of a and b, or any value >= cap once it is known to reach cap. */
    private static int distance(String a, String b, int cap) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin >= cap) {
                return cap;
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
