package dev.attnc.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The SentencePiece tokenizer: hand-derived ids on a tiny vocabulary, and the real stories260K
 * vocabulary (read from ../shared/models by a GGUF reader of the tests' own) against a plain,
 * slow reference written here from the algorithm.
 */
class SentencePieceTokenizerTest {

    // ---- a tiny vocabulary, ids derived by hand ----

    private static final List<String> TINY_TOKENS = List.of("<unk>", "<s>", "</s>", "<0x21>", "<0xC3>", "<0xA9>",
            "\u2581", "a", "b", "c", "ab", "bc", "\u2581a", "\u2581abc", "abc", "aa");
    private static final float[] TINY_SCORES = {0, 0, 0, 0, 0, 0, -1, -2, -3, -4, -5, -0.5f, -6, -1.5f, -7, -2.5f};
    private static final List<TokenType> TINY_TYPES = List.of(TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL,
            TokenType.BYTE, TokenType.BYTE, TokenType.BYTE, TokenType.NORMAL, TokenType.NORMAL, TokenType.NORMAL,
            TokenType.NORMAL, TokenType.NORMAL, TokenType.NORMAL, TokenType.NORMAL, TokenType.NORMAL, TokenType.NORMAL,
            TokenType.NORMAL);

    private static SentencePieceTokenizer tiny() {
        return SentencePieceTokenizer.of(TINY_TOKENS, TINY_SCORES, TINY_TYPES, 1, 2, 0, true);
    }

    @Test
    void tinyVocabularyByHand() {
        SentencePieceTokenizer t = tiny();
        // "abc" -> "▁abc": pairs ▁a (-6), ab (-5), bc (-0.5): bc first -> ▁ a bc; then ▁a (-6) beats
        // abc (-7) -> ▁a bc; then ▁abc (-1.5) -> one symbol, id 13.
        assertArrayEquals(new int[] {13}, t.encode("abc", false));
        assertArrayEquals(new int[] {1, 13}, t.encode("abc", true));
        // "ab c" -> "▁ab▁c": ▁a (-6), ab (-5); b▁, ▁c are no pieces. ab first -> ▁ ab ▁ c; "▁ab" is no
        // piece, and ▁a is stale. Ids ▁ 6, ab 10, ▁ 6, c 9.
        assertArrayEquals(new int[] {6, 10, 6, 9}, t.encode("ab c", false));
        // "aaa" -> "▁aaa": aa at 1 and at 2 tie at -2.5, the leftmost wins -> ▁ aa a: 6 15 7 (the
        // rightmost would give ▁ a aa, then ▁a: 12 15).
        assertArrayEquals(new int[] {6, 15, 7}, t.encode("aaa", false));
        // "é!" -> "▁é!": no pair is a piece; é has no piece -> its UTF-8 bytes C3 A9 -> 4 5; ! -> 3.
        assertArrayEquals(new int[] {6, 4, 5, 3}, t.encode("é!", false));
        // "<s>" is text unless special tokens are parsed: < s > have no piece and no byte token -> unknown.
        assertArrayEquals(new int[] {6, 0, 0, 0}, t.encode("<s>", false));
        // Parsed: <s> is BOS; the text after a special token gets the space prefix: "▁ab" -> ▁ ab (ab -5
        // beats ▁a -6) -> 6 10.
        assertArrayEquals(new int[] {1, 6, 10}, t.encode("<s>ab", false, true));
        assertArrayEquals(new int[0], t.encode("", false));
        assertArrayEquals(new int[] {1}, t.encode("", true));

        // Decoding: the first space is dropped, byte tokens join into UTF-8, control tokens vanish.
        assertEquals("é!", t.decode(new int[] {6, 4, 5, 3}));
        assertEquals("é!", t.decode(new int[] {1, 6, 4, 5, 3}));
        assertEquals("ab c", t.decode(new int[] {6, 10, 6, 9}));
        assertEquals("\uFFFD!", t.decode(new int[] {4, 3}), "a lone lead byte is U+FFFD");
        // ▁ ▁ ▁abc is three spaces then abc; one is dropped.
        assertEquals("  abc", t.decode(new int[] {6, 6, 13}), "only one space is dropped");
    }

    @Test
    void byteWithoutTokenNorUnknownIsAClearError() {
        List<String> tokens = List.of("<s>", "\u2581", "a");
        SentencePieceTokenizer t = SentencePieceTokenizer.of(tokens, new float[3],
                List.of(TokenType.CONTROL, TokenType.NORMAL, TokenType.NORMAL), 0, -1, -1, true);
        assertArrayEquals(new int[] {0, 1, 2}, t.encode("a", true));
        TokenizerException e = assertThrows(TokenizerException.class, () -> t.encode("é", false));
        assertTrue(e.getMessage().contains("byte 0xC3 has no token"), e.getMessage());
    }

    @Test
    void inconsistentVocabulariesGetOneClearError() {
        List<TokenType> three = List.of(TokenType.NORMAL, TokenType.NORMAL, TokenType.NORMAL);
        assertMessage("\"a\" twice, as ids 0 and 2",
                () -> SentencePieceTokenizer.of(List.of("a", "b", "a"), new float[3], three, -1, -1, -1, true));
        assertMessage("BOS token id 3 is outside",
                () -> SentencePieceTokenizer.of(List.of("a", "b", "c"), new float[3], three, 3, -1, -1, true));
        assertMessage("2 scores for 3 tokens",
                () -> SentencePieceTokenizer.of(List.of("a", "b", "c"), new float[2], three, -1, -1, -1, true));
        assertMessage("not of the form <0xXX>", () -> SentencePieceTokenizer.of(List.of("a", "b", "<0xZZ>"),
                new float[3], List.of(TokenType.NORMAL, TokenType.NORMAL, TokenType.BYTE), -1, -1, -1, true));
        assertMessage("not a number", () -> SentencePieceTokenizer.of(List.of("a", "b", "c"),
                new float[] {0, Float.NaN, 0}, three, -1, -1, -1, true));
        Map<String, Object> metadata = new HashMap<>();
        metadata.put("tokenizer.ggml.model", "llama");
        metadata.put("tokenizer.ggml.tokens", List.of("a", "b"));
        metadata.put("tokenizer.ggml.token_type", List.of(1, 9));
        assertMessage("token 1: token type 9 is not one of 0..6", () -> Tokenizer.fromGgufMetadata(metadata));
        metadata.put("tokenizer.ggml.token_type", List.of(1, 1));
        metadata.put("tokenizer.ggml.eos_token_id", 7L);
        assertMessage("EOS token id 7 is outside", () -> Tokenizer.fromGgufMetadata(metadata));
        metadata.put("tokenizer.ggml.eos_token_id", "two");
        assertMessage("eos_token_id is String, expected an integer", () -> Tokenizer.fromGgufMetadata(metadata));
        metadata.remove("tokenizer.ggml.eos_token_id");
        metadata.put("tokenizer.ggml.model", "rwkv");
        assertMessage("\"rwkv\"", () -> Tokenizer.fromGgufMetadata(metadata));
        metadata.remove("tokenizer.ggml.tokens");
        assertMessage("no tokenizer.ggml.tokens", () -> Tokenizer.fromGgufMetadata(metadata));
    }

    static void assertMessage(String expected, org.junit.jupiter.api.function.Executable run) {
        TokenizerException e = assertThrows(TokenizerException.class, run);
        assertTrue(e.getMessage().contains(expected), "message \"" + e.getMessage() + "\" lacks \"" + expected + "\"");
    }

    @Test
    void untrustedTextAndIds() {
        SentencePieceTokenizer t = tiny();
        // An unpaired surrogate cannot be UTF-8: it is read as U+FFFD (bytes EF BF BD; no byte tokens
        // for them here, so three unknown tokens).
        assertArrayEquals(new int[] {6, 0, 0, 0, 7}, t.encode("\uD800a", false));
        assertMessage("token id 16 is outside the vocabulary (0..15)", () -> t.decode(new int[] {6, 16}));
        assertMessage("token id -1 is outside", () -> t.tokenBytes(-1));
        SentencePieceTokenizer small = t.withMaxTextChars(10);
        assertArrayEquals(new int[] {13}, small.encode("abc", false));
        assertMessage("more than the limit of 10", () -> small.encode("abcabcabcab", false));
        assertMessage("no BOS token", () -> SentencePieceTokenizer.of(List.of("a"), new float[1],
                List.of(TokenType.NORMAL), -1, -1, -1, true).encode("a", true));
    }

    // ---- stories260K ----

    private static Map<String, Object> stories() throws IOException {
        return GgufMetadataForTests.read(GgufMetadataForTests.requireModel("stories260K-f32.gguf"));
    }

    /**
     * The reference: SentencePiece BPE as the plain algorithm, in quadratic time. Prefix a space,
     * spaces to ▁, split into code points; while some adjacent pair concatenates to a normal or
     * user-defined token, merge the pair whose token has the highest score (the leftmost of equal
     * ones); then each symbol is its token, or the <0xXX> tokens of its UTF-8 bytes.
     */
    static int[] referenceEncode(List<String> tokens, List<?> scores, List<?> types, String text, boolean bos) {
        Map<String, Integer> piece = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            int type = ((Number) types.get(i)).intValue();
            if (type == 1 || type == 4) {
                piece.put(tokens.get(i), i);
            }
        }
        List<Integer> out = new ArrayList<>();
        if (bos) {
            out.add(1);
        }
        if (!text.isEmpty()) {
            String s = (" " + text).replace(' ', '\u2581');
            List<String> symbols = new ArrayList<>();
            s.codePoints().forEach(c -> symbols.add(new String(Character.toChars(c))));
            while (true) {
                int best = -1;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    Integer id = piece.get(symbols.get(i) + symbols.get(i + 1));
                    if (id != null && ((Number) scores.get(id)).doubleValue() > bestScore) {
                        best = i;
                        bestScore = ((Number) scores.get(id)).doubleValue();
                    }
                }
                if (best < 0) {
                    break;
                }
                symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
            }
            for (String symbol : symbols) {
                Integer id = piece.get(symbol);
                if (id != null) {
                    out.add(id);
                } else {
                    for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                        out.add(tokens.indexOf(String.format("<0x%02X>", b & 0xFF)));
                    }
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void stories260kAgainstTheReference() throws IOException {
        Map<String, Object> metadata = stories();
        Tokenizer t = Tokenizer.fromGgufMetadata(metadata);
        assertTrue(t instanceof SentencePieceTokenizer);
        assertEquals(512, t.vocabularySize());
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertTrue(t.addsBosByDefault());
        @SuppressWarnings("unchecked")
        List<String> tokens = (List<String>) metadata.get("tokenizer.ggml.tokens");
        List<?> scores = (List<?>) metadata.get("tokenizer.ggml.scores");
        List<?> types = (List<?>) metadata.get("tokenizer.ggml.token_type");

        List<String> texts = new ArrayList<>(RandomTexts.texts(260, 400));
        texts.addAll(List.of("Once upon a time", "Once upon a time, there was a little girl named Lily.", "", " ",
                "  leading spaces", "trailing  ", "<s> and </s> and <0x41> as text", "\u0000\u0001\u007f",
                "🚀 to the moon 東京"));
        int checked = 0;
        for (String text : texts) {
            for (boolean bos : new boolean[] {false, true}) {
                int[] expected = referenceEncode(tokens, scores, types, text, bos);
                int[] actual = t.encode(text, bos);
                assertArrayEquals(expected, actual, () -> "text \"" + text + "\"");
                assertEquals(text, t.decode(actual), () -> "round trip of \"" + text + "\"");
                checked++;
            }
        }
        assertEquals(2 * texts.size(), checked);
        // A known case, by hand from the vocabulary: "▁Once" 'and "▁upon" "▁a" "▁time" are tokens of it.
        int[] once = t.encode("Once upon a time", true);
        assertEquals(List.of("<s>", "\u2581Once", "\u2581upon", "\u2581a", "\u2581time"),
                Arrays.stream(once).mapToObj(t::token).toList());
    }

    @Test
    void stories260kQ8FileHasTheSameVocabulary() throws IOException {
        // The q8_0 file is GGUF v2 (64-bit counts): its vocabulary gives the same tokenizer.
        Map<String, Object> q8 = GgufMetadataForTests.read(GgufMetadataForTests.requireModel("stories260K-q8_0.gguf"));
        Tokenizer a = Tokenizer.fromGgufMetadata(stories());
        Tokenizer b = Tokenizer.fromGgufMetadata(q8);
        for (String text : RandomTexts.texts(8, 50)) {
            assertArrayEquals(a.encode(text, true), b.encode(text, true));
        }
    }

    @Test
    void stories260kStreamsWholeCharacters() throws IOException {
        Tokenizer t = Tokenizer.fromGgufMetadata(stories());
        Random random = new Random(7);
        for (String text : RandomTexts.texts(99, 200)) {
            int[] ids = t.encode(text, true);
            // The stream decoder holds back partial characters: every piece it returns is whole
            // UTF-16 (no lone surrogate, no U+FFFD for valid text), and the pieces join to the text.
            StreamDecoder stream = t.streamDecoder(true);
            StringBuilder joined = new StringBuilder();
            for (int id : ids) {
                String piece = stream.next(id);
                assertEquals(-1, piece.indexOf('\uFFFD'), () -> "U+FFFD in a piece of \"" + text + "\"");
                assertFalse(!piece.isEmpty() && Character.isHighSurrogate(piece.charAt(piece.length() - 1)));
                joined.append(piece);
            }
            joined.append(stream.finish());
            assertEquals(text, joined.toString());
        }
        // Random ids, byte tokens among them: the stream gives what Java's own UTF-8 decoder gives
        // for all the bytes at once.
        for (int trial = 0; trial < 300; trial++) {
            int[] ids = new int[1 + random.nextInt(12)];
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            StreamDecoder stream = t.streamDecoder();
            StringBuilder joined = new StringBuilder();
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextBoolean() ? 3 + random.nextInt(256) : random.nextInt(512);
                bytes.writeBytes(t.tokenBytes(ids[i]));
                joined.append(stream.next(ids[i]));
            }
            joined.append(stream.finish());
            assertEquals(new String(bytes.toByteArray(), StandardCharsets.UTF_8), joined.toString(),
                    () -> "ids " + Arrays.toString(ids));
        }
    }

    @Test
    void stories260kLongTextIsLinear() throws IOException {
        Tokenizer t = Tokenizer.fromGgufMetadata(stories());
        // 256 Ki chars of random text, and of one letter repeated: it finishes (the merge queue
        // holds at most 3 entries per char) and round-trips.
        StringBuilder sb = new StringBuilder();
        Random random = new Random(11);
        while (sb.length() < 1 << 18) {
            sb.append(RandomTexts.text(random, 20));
        }
        String text = sb.toString();
        assertEquals(text, t.decode(t.encode(text, true)));
        String same = "e".repeat(1 << 18);
        assertEquals(same, t.decode(t.encode(same, false)));
    }
}
