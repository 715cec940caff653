package dev.attnc.runtime.text;

import java.util.HashMap;
import java.util.Map;

/**
 * Finds special tokens written in a text, as whole strings: at each position the longest one that
 * starts there, scanning left to right. A trie keeps the work per position within the length of
 * the longest special token, whatever their number.
 */
final class SpecialTokenMatcher {

    private static final class Node {
        final Map<Character, Node> next = new HashMap<>(4);
        int id = -1;
    }

    private final Node root = new Node();
    private boolean empty = true;

    /** Adds {@code text} as token {@code id} (an empty text is ignored: it would match everywhere). */
    void add(String text, int id) {
        if (text.isEmpty()) {
            return;
        }
        Node node = root;
        for (int i = 0; i < text.length(); i++) {
            node = node.next.computeIfAbsent(text.charAt(i), c -> new Node());
        }
        node.id = id;
        empty = false;
    }

    boolean isEmpty() {
        return empty;
    }

    /** What {@link #match} found: the token and the length of its text. */
    record Match(int id, int length) {
    }

    /** The longest special token starting at {@code from}, or null. */
    Match match(String text, int from) {
        Node node = root;
        Match best = null;
        for (int i = from; i < text.length(); i++) {
            node = node.next.get(text.charAt(i));
            if (node == null) {
                break;
            }
            if (node.id >= 0) {
                best = new Match(node.id, i + 1 - from);
            }
        }
        return best;
    }
}
