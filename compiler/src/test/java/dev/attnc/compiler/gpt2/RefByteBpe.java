package dev.attnc.compiler.gpt2;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level BPE written for tests from its definition (OpenAI's encoder.py): the text is
 * split into words by GPT-2's pattern, each word's UTF-8 bytes are written one character per
 * byte in GPT-2's byte-to-unicode alphabet, and the adjacent pair of lowest merge rank is merged
 * until none is left. Ids: the 256 bytes by value, then one token per merge by rank, then
 * {@code <|endoftext|>}.
 */
final class RefByteBpe {
    /** GPT-2's pre-tokenizer: contractions, letters, digits, other symbols, each with one leading space; then spaces. */
    private static final Pattern WORDS =
            Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    static final String END_OF_TEXT = "<|endoftext|>";

    final List<String> tokens = new ArrayList<>();
    final List<String> merges;
    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<String, Integer> ranks = new HashMap<>();
    private final char[] alphabet = alphabet();

    RefByteBpe(List<String> merges) {
        this.merges = List.copyOf(merges);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(alphabet[b]));
        }
        for (int r = 0; r < merges.size(); r++) {
            ranks.put(merges.get(r), r);
            tokens.add(merges.get(r).replace(" ", ""));
        }
        tokens.add(END_OF_TEXT);
        for (int id = 0; id < tokens.size(); id++) {
            ids.put(tokens.get(id), id);
        }
    }

    int endOfText() {
        return tokens.size() - 1;
    }

    /**
     * GPT-2's byte-to-unicode map: the printable bytes '!'..'~', '¡'..'¬' and '®'..'ÿ' stand for
     * themselves, every other byte for the next unused character from U+0100 on, in byte order.
     */
    static char[] alphabet() {
        char[] map = new char[256];
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) next++;
        }
        return map;
    }

    int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        Matcher words = WORDS.matcher(text);
        while (words.find()) {
            List<String> parts = new ArrayList<>();
            for (byte b : words.group().getBytes(StandardCharsets.UTF_8)) {
                parts.add(String.valueOf(alphabet[b & 0xFF]));
            }
            while (parts.size() > 1) {
                int best = -1;
                int bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < parts.size(); i++) {
                    Integer rank = ranks.get(parts.get(i) + " " + parts.get(i + 1));
                    if (rank != null && rank < bestRank) {
                        best = i;
                        bestRank = rank;
                    }
                }
                if (best < 0) {
                    break;
                }
                parts.set(best, parts.get(best) + parts.remove(best + 1));
            }
            for (String part : parts) {
                out.add(ids.get(part));
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    String decode(List<Integer> ids) {
        StringBuilder mapped = new StringBuilder();
        for (int id : ids) {
            if (id != endOfText()) {
                mapped.append(tokens.get(id));
            }
        }
        byte[] bytes = new byte[mapped.length()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) new String(alphabet).indexOf(mapped.charAt(i));
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
