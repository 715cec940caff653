package dev.attnc.runtime.text;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One text as token ids, {@code [CLS]} first and {@code [SEP]} last.
 *
 * @param ids the token ids (not copied; do not change them)
 * @param tokens the tokens, one per id: {@code [CLS]}, {@code hello}, {@code ##s}, ...
 * @param fullLength how many ids the text gives before truncation; more than {@code ids.length}
 *     when it was truncated
 */
public record Encoding(int[] ids, List<String> tokens, int fullLength) {

    public Encoding {
        Objects.requireNonNull(ids, "ids");
        tokens = List.copyOf(tokens);
        if (tokens.size() != ids.length) {
            throw new IllegalArgumentException(ids.length + " ids but " + tokens.size() + " tokens");
        }
        if (fullLength < ids.length) {
            throw new IllegalArgumentException("fullLength " + fullLength + " < " + ids.length + " ids");
        }
    }

    /** The number of ids. */
    public int length() {
        return ids.length;
    }

    /** Whether the text gave more ids than the tokenizer's maximum length, so some were dropped. */
    public boolean truncated() {
        return fullLength > ids.length;
    }

    /** The ids padded with {@code padId} to {@code length}. */
    public int[] paddedIds(int length, int padId) {
        checkLength(length);
        int[] out = Arrays.copyOf(ids, length);
        Arrays.fill(out, ids.length, length, padId);
        return out;
    }

    /** 1 for each of the ids, then 0 up to {@code length}: the attention mask of {@link #paddedIds}. */
    public int[] attentionMask(int length) {
        checkLength(length);
        int[] mask = new int[length];
        Arrays.fill(mask, 0, ids.length, 1);
        return mask;
    }

    /** Token type ids: all 0 for a single sequence. */
    public int[] typeIds(int length) {
        checkLength(length);
        return new int[length];
    }

    private void checkLength(int length) {
        if (length < ids.length) {
            throw new IllegalArgumentException("cannot pad " + ids.length + " ids to " + length);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(ids, e.ids) && tokens.equals(e.tokens)
                && fullLength == e.fullLength;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ids) + tokens.hashCode()) + fullLength;
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(ids) + (truncated() ? " (truncated from " + fullLength + ")" : "");
    }
}
