package dev.attnc.runtime.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded random texts for the tokenizer tests: English words, punctuation, digits, runs of
 * whitespace, accents, CJK, emoji (with skin tones, flags, ZWJ sequences), combining marks,
 * contractions, control characters and random code points of several scripts.
 */
final class RandomTexts {
    private static final String[] WORDS = {"the", "The", "once", "Once", "upon", "a", "time", "there", "was", "little",
        "girl", "named", "Lily", "she", "loved", "to", "play", "outside", "in", "park", "One", "day", "saw", "big",
        "red", "ball", "HELLO", "World", "tokenizer", "encoding", "unbelievable", "x", "Zz", "ing", "ed", "preprocessing",
        "supercalifragilistic", "hello", "dog", "cat"};
    private static final String[] PUNCT = {".", ",", ";", ":", "!", "?", "'", "\"", "(", ")", "-", "–", "—", "…",
        "...", "!!", "?!", "#", "@", "$", "%", "&", "*", "/", "\\", "<", ">", "[", "]", "{", "}", "|", "~", "`", "^",
        "_", "+", "="};
    private static final String[] SPACE = {" ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ", "\t\t ", "      "};
    private static final String[] ACCENTED = {"café", "naïve", "Ångström", "résumé", "über", "façade", "jalapeño",
        "Ærøskøbing", "Łódź", "İstanbul", "straße", "ÉCOLE"};
    private static final String[] CJK = {"東京", "你好世界", "한국어", "カタカナ", "ひらがな", "漢字", "中文", "日本語"};
    private static final String[] EMOJI = {"😀", "👍🏽", "🇫🇷", "👨‍👩‍👧", "🎉", "❤️", "🙂", "🚀", "𝔘𝔫𝔦"};
    private static final String[] COMBINING = {"e\u0301", "a\u0308\u0304", "Z\u0335\u0321", "n\u0303", "\u0301",
        "o\u0328\u0301"};
    private static final String[] CONTRACTIONS = {"'s", "'ll", "'re", "'ve", "'m", "'d", "'t", "don't", "I'M",
        "it's", "THEY'RE", "we'd"};
    private static final String[] CONTROL = {"\u0000", "\u0007", "\u001b", "\u001f", "\u007f", "\u0085", "\u00a0",
        "\u2028", "\u3000", "\u200b", "\ufeff", "\u000b", "\u000c"};
    private static final int[][] SCRIPTS = {{0x00C0, 0x024F}, {0x0370, 0x03FF}, {0x0400, 0x04FF}, {0x0600, 0x06FF},
        {0x0900, 0x097F}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0x1F300, 0x1F64F}, {0x2000, 0x206F}, {0x0020, 0x007E}};

    private RandomTexts() {
    }

    /** {@code count} texts from {@code seed}, of 1 to 30 fragments each. */
    static List<String> texts(long seed, int count) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(count);
        for (int t = 0; t < count; t++) {
            out.add(text(random, 1 + random.nextInt(30)));
        }
        return out;
    }

    static String text(Random random, int fragments) {
        StringBuilder sb = new StringBuilder();
        for (int f = 0; f < fragments; f++) {
            int kind = random.nextInt(14);
            String fragment = switch (kind) {
                case 0, 1, 2, 3 -> pick(random, WORDS);
                case 4 -> pick(random, PUNCT);
                case 5 -> Integer.toString(random.nextInt(1_000_000));
                case 6 -> pick(random, SPACE);
                case 7 -> pick(random, ACCENTED);
                case 8 -> pick(random, CJK);
                case 9 -> pick(random, EMOJI);
                case 10 -> pick(random, COMBINING);
                case 11 -> pick(random, CONTRACTIONS);
                case 12 -> pick(random, CONTROL);
                default -> randomCodePoints(random);
            };
            sb.append(fragment);
            if (random.nextInt(3) > 0) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }

    private static String pick(Random random, String[] options) {
        return options[random.nextInt(options.length)];
    }

    private static String randomCodePoints(Random random) {
        int[] range = SCRIPTS[random.nextInt(SCRIPTS.length)];
        StringBuilder sb = new StringBuilder();
        int n = 1 + random.nextInt(5);
        while (sb.length() < n) {
            int cp = range[0] + random.nextInt(range[1] - range[0] + 1);
            if (Character.isDefined(cp) && Character.getType(cp) != Character.SURROGATE && cp != 0x2581) {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }
}
