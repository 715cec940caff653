package dev.attnc.runtime.text;

import static dev.attnc.runtime.text.SentencePieceTokenizerTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-level BPE against jtokkit, OpenAI's tokenizers in Java.
 *
 * <p>Where the vocabulary comes from: jtokkit bundles GPT-2's vocabulary as {@code r50k_base.tiktoken}
 * (token bytes and rank, which is GPT-2's id) but not its merges. tiktoken's rule is "merge the
 * adjacent pair whose concatenation has the lowest rank", so each token of rank r is formed by the
 * merge of the two parts that this rule leaves when run on the token's own bytes with the tokens
 * below it; {@link #deriveMerges} recovers GPT-2's merge list that way (rank r-256 for token r).
 * The tokens are written in GPT-2's byte-to-unicode alphabet by {@link #alphabet}, written here from
 * its definition. The same is done for cl100k_base, whose pre-tokenizer is Llama 3's.
 */
class ByteLevelBpeTokenizerTest {
    private static Encoding r50k;
    private static List<String> gpt2Tokens;
    private static List<String> gpt2Merges;
    private static ByteLevelBpeTokenizer gpt2;

    @TempDir
    Path dir;

    /** GPT-2's byte-to-unicode map: printable Latin-1 bytes stand for themselves, the rest for U+0100 up. */
    static char[] alphabet() {
        char[] map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean keeps = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = keeps ? (char) b : (char) next++;
        }
        return map;
    }

    private static final char[] ALPHABET = alphabet();

    /** Bytes (as a Latin-1 string, one char per byte) in the byte-level alphabet. */
    static String mapped(String latin1) {
        StringBuilder sb = new StringBuilder(latin1.length());
        for (int i = 0; i < latin1.length(); i++) {
            sb.append(ALPHABET[latin1.charAt(i)]);
        }
        return sb.toString();
    }

    /** The tokens of a .tiktoken file bundled in jtokkit, by rank, as Latin-1 strings. */
    static List<String> tiktokenRanks(String name) throws IOException {
        List<String> byRank = new ArrayList<>();
        try (InputStream in = Encoding.class.getResourceAsStream("/com/knuddels/jtokkit/" + name)) {
            assertNotNull(in, name + " is not in the jtokkit jar");
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.split(" ");
                int rank = Integer.parseInt(parts[1]);
                assertEquals(byRank.size(), rank, name + ": ranks are not dense");
                byRank.add(new String(Base64.getDecoder().decode(parts[0]), StandardCharsets.ISO_8859_1));
            }
        }
        return byRank;
    }

    /** The merge list tiktoken's ranks imply, in the byte-level alphabet (see the class comment). */
    static List<String> deriveMerges(List<String> byRank) {
        Map<String, Integer> rankOf = new HashMap<>(byRank.size() * 2);
        for (int r = 0; r < byRank.size(); r++) {
            rankOf.put(byRank.get(r), r);
        }
        List<String> merges = new ArrayList<>();
        for (int r = 0; r < byRank.size(); r++) {
            String token = byRank.get(r);
            if (token.length() < 2) {
                continue;
            }
            List<String> parts = new ArrayList<>();
            for (char c : token.toCharArray()) {
                parts.add(String.valueOf(c));
            }
            while (parts.size() > 2) {
                int best = -1;
                int bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < parts.size(); i++) {
                    Integer k = rankOf.get(parts.get(i) + parts.get(i + 1));
                    if (k != null && k < bestRank) {
                        best = i;
                        bestRank = k;
                    }
                }
                assertTrue(best >= 0, "token " + r + " cannot be built from smaller ones");
                parts.set(best, parts.get(best) + parts.remove(best + 1));
            }
            merges.add(mapped(parts.get(0)) + " " + mapped(parts.get(1)));
        }
        return merges;
    }

    @BeforeAll
    static void gpt2() throws IOException {
        r50k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        List<String> byRank = tiktokenRanks("r50k_base.tiktoken");
        assertEquals(50256, byRank.size());
        gpt2Tokens = new ArrayList<>();
        for (String token : byRank) {
            gpt2Tokens.add(mapped(token));
        }
        gpt2Tokens.add("<|endoftext|>");
        gpt2Merges = deriveMerges(byRank);
        assertEquals(50000, gpt2Merges.size(), "GPT-2 has 50000 merges");
        int[] types = new int[gpt2Tokens.size()];
        java.util.Arrays.fill(types, 1);
        types[50256] = 3;
        Map<String, Object> metadata = new HashMap<>();
        metadata.put("tokenizer.ggml.model", "gpt2");
        metadata.put("tokenizer.ggml.pre", "gpt-2");
        metadata.put("tokenizer.ggml.tokens", gpt2Tokens);
        metadata.put("tokenizer.ggml.token_type", types);
        metadata.put("tokenizer.ggml.merges", gpt2Merges);
        metadata.put("tokenizer.ggml.bos_token_id", 50256L);
        metadata.put("tokenizer.ggml.eos_token_id", 50256L);
        gpt2 = (ByteLevelBpeTokenizer) Tokenizer.fromGgufMetadata(metadata);
    }

    private static int[] jtokkit(Encoding encoding, String text) {
        return encoding.encodeOrdinary(text).toArray();
    }

    private static List<String> gpt2Texts() {
        List<String> texts = new ArrayList<>(RandomTexts.texts(50257, 400));
        texts.addAll(List.of("Hello world", "  Hello   world  ", "I'm here, they're there; we'll see.", "1234567890",
                "\n\n\n", "\t tabs\tand spaces ", "😀😀😀", "naïve café 東京 👨‍👩‍👧", "e\u0301\u0301\u0301", "don't STOP",
                "a\u00a0b\u3000c\u0085d", ""));
        return texts;
    }

    @Test
    void gpt2MatchesJtokkitOnHundredsOfTexts() {
        assertEquals(50257, gpt2.vocabularySize());
        int compared = 0;
        long tokens = 0;
        for (String text : gpt2Texts()) {
            int[] expected = jtokkit(r50k, text);
            int[] actual = gpt2.encode(text, false);
            assertArrayEquals(expected, actual, () -> "text \"" + text + "\"");
            assertEquals(text, gpt2.decode(actual));
            IntArrayList list = new IntArrayList();
            for (int id : actual) {
                list.add(id);
            }
            assertEquals(r50k.decode(list), gpt2.decode(actual));
            compared++;
            tokens += actual.length;
        }
        assertEquals(412, compared);
        assertTrue(tokens > 5000, "only " + tokens + " tokens compared");
    }

    @Test
    void gpt2SpecialTokens() {
        // Not parsed: "<|endoftext|>" is text, as jtokkit's encodeOrdinary has it.
        String text = "a<|endoftext|>b";
        assertArrayEquals(jtokkit(r50k, text), gpt2.encode(text, false));
        // Parsed: one token between the ordinary encodings of the text around it.
        int[] a = jtokkit(r50k, "a");
        int[] b = jtokkit(r50k, "b");
        assertArrayEquals(new int[] {a[0], 50256, b[0]}, gpt2.encode(text, false, true));
        assertArrayEquals(new int[] {50256, a[0]}, gpt2.encode("a", true));
        assertEquals("ab", gpt2.decode(new int[] {a[0], 50256, b[0]}), "control tokens have no text");
        assertEquals(TokenType.CONTROL, gpt2.tokenType(50256));
    }

    @Test
    void gpt2FromTokenizerJson() throws IOException {
        // The same vocabulary as a Hugging Face tokenizer.json (GPT-2's layout), written by Gson.
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < 50257; id++) {
            vocab.addProperty(gpt2Tokens.get(id), id);
        }
        JsonArray merges = new JsonArray();
        gpt2Merges.forEach(merges::add);
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("vocab", vocab);
        model.add("merges", merges);
        model.addProperty("continuing_subword_prefix", "");
        JsonObject pre = new JsonObject();
        pre.addProperty("type", "ByteLevel");
        pre.addProperty("add_prefix_space", false);
        pre.addProperty("use_regex", true);
        JsonObject eot = new JsonObject();
        eot.addProperty("id", 50256);
        eot.addProperty("content", "<|endoftext|>");
        eot.addProperty("special", true);
        JsonArray added = new JsonArray();
        added.add(eot);
        JsonObject root = new JsonObject();
        root.add("added_tokens", added);
        root.add("normalizer", null);
        root.add("pre_tokenizer", pre);
        root.add("model", model);
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, new Gson().toJson(root));
        ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.fromTokenizerJson(file);
        assertEquals(-1, t.bosId());
        assertEquals(TokenType.CONTROL, t.tokenType(50256));
        for (String text : gpt2Texts().subList(0, 100)) {
            assertArrayEquals(jtokkit(r50k, text), t.encode(text, false), () -> "text \"" + text + "\"");
        }
    }

    @Test
    void llama3PatternMatchesJtokkitCl100k() throws IOException {
        // cl100k_base's pre-tokenizer is Llama 3's, and tiktoken takes a word that is a token whole
        // (Llama 3's ignore_merges). Its tokens go into a Llama-3-style tokenizer.json: a Split with the
        // pattern then ByteLevel without regex, and a template that puts BOS first.
        Encoding cl100k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
        List<String> byRank = tiktokenRanks("cl100k_base.tiktoken");
        List<String> merges = deriveMerges(byRank);
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < byRank.size(); id++) {
            vocab.addProperty(mapped(byRank.get(id)), id);
        }
        int bos = byRank.size();
        JsonArray added = new JsonArray();
        for (String special : List.of("<|begin_of_text|>", "<|end_of_text|>")) {
            JsonObject token = new JsonObject();
            token.addProperty("id", byRank.size() + added.size());
            token.addProperty("content", special);
            token.addProperty("special", true);
            added.add(token);
        }
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.addProperty("ignore_merges", true);
        model.add("vocab", vocab);
        JsonArray mergeArray = new JsonArray();
        merges.forEach(mergeArray::add);
        model.add("merges", mergeArray);
        JsonObject split = new JsonObject();
        split.addProperty("type", "Split");
        JsonObject pattern = new JsonObject();
        pattern.addProperty("Regex", ByteLevelBpeTokenizer.LLAMA3_PATTERN);
        split.add("pattern", pattern);
        split.addProperty("behavior", "Isolated");
        split.addProperty("invert", false);
        JsonObject byteLevel = new JsonObject();
        byteLevel.addProperty("type", "ByteLevel");
        byteLevel.addProperty("add_prefix_space", false);
        byteLevel.addProperty("use_regex", false);
        JsonArray steps = new JsonArray();
        steps.add(split);
        steps.add(byteLevel);
        JsonObject pre = new JsonObject();
        pre.addProperty("type", "Sequence");
        pre.add("pretokenizers", steps);
        JsonObject post = new Gson().fromJson("{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":"
                + "{\"id\":\"<|begin_of_text|>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]}",
                JsonObject.class);
        JsonObject root = new JsonObject();
        root.add("added_tokens", added);
        root.add("pre_tokenizer", pre);
        root.add("post_processor", post);
        root.add("model", model);
        ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.fromTokenizerJson(new Gson().toJson(root), "llama3-like.json");
        assertEquals(bos, t.bosId());
        assertTrue(t.addsBosByDefault());
        int compared = 0;
        for (String text : RandomTexts.texts(3, 300)) {
            int[] expected = jtokkit(cl100k, text);
            int[] actual = t.encode(text, false);
            assertArrayEquals(expected, actual, () -> "text \"" + text + "\"");
            assertEquals(text, t.decode(actual));
            compared++;
        }
        assertEquals(300, compared);
        int[] withBos = t.encode("Hello", true);
        assertEquals(bos, withBos[0]);
        assertArrayEquals(jtokkit(cl100k, "Hello"), java.util.Arrays.copyOfRange(withBos, 1, withBos.length));
    }

    // ---- a tiny vocabulary, ids derived by hand ----

    /** The 256 byte tokens (id = byte value) and the merges given, in order. */
    private static ByteLevelBpeTokenizer tiny(String pattern, String... merges) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ALPHABET[b]));
        }
        for (String merge : merges) {
            tokens.add(merge.replace(" ", ""));
        }
        return ByteLevelBpeTokenizer.of(tokens, Collections.nCopies(tokens.size(), TokenType.NORMAL), List.of(merges),
                pattern, false, -1, -1);
    }

    @Test
    void tinyVocabularyByHand() {
        // Ids: 256 "Ġt" (rank 0), 257 "he" (1), 258 "Ġthe" (2), 259 "th" (3).
        ByteLevelBpeTokenizer t = tiny(ByteLevelBpeTokenizer.GPT2_PATTERN, "Ġ t", "h e", "Ġt he", "t h");
        // "the the" -> words "the", " the". "the": t h e, pairs th (3), he (1): he first -> t he; no merge
        // "t he" -> 116 257. " the": Ġ t h e, pairs Ġt (0), th (3), he (1): Ġt -> Ġt h e; he (1) ->
        // Ġt he; Ġthe (2) -> 258.
        assertArrayEquals(new int[] {116, 257, 258}, t.encode("the the", false));
        assertEquals("the the", t.decode(new int[] {116, 257, 258}));
        // "é" is bytes C3 A9, no merge: ids 195 169. One byte alone is not UTF-8.
        assertArrayEquals(new int[] {195, 169}, t.encode("é", false));
        assertEquals("\uFFFD", t.decode(new int[] {195}));
        StreamDecoder stream = t.streamDecoder();
        assertEquals("", stream.next(195));
        assertTrue(stream.hasPendingBytes());
        assertEquals("é", stream.next(169));
        assertEquals("", stream.finish());
        assertEquals("", stream.next(0xE2));
        assertEquals("\uFFFD", stream.finish(), "an unfinished character at the end is U+FFFD");

        // Digits: 256 "12" (rank 0), 257 "123" (1), 258 "34" (2). "3412": GPT-2 keeps the digits one
        // word: pairs 34 (2), 41 -, 12 (0): 12 first -> 3 4 12; 34 (2) -> 34 12: 258 256. Llama 3 splits
        // digits in threes: "341" -> 34 (2) -> 34 1: 258 49; "2" -> 50.
        String[] digits = {"1 2", "12 3", "3 4"};
        assertArrayEquals(new int[] {258, 256}, tiny(ByteLevelBpeTokenizer.GPT2_PATTERN, digits).encode("3412", false));
        assertArrayEquals(new int[] {258, 49, 50},
                tiny(ByteLevelBpeTokenizer.LLAMA3_PATTERN, digits).encode("3412", false));
        // Qwen2 splits every digit: 51 52 49 50.
        assertArrayEquals(new int[] {51, 52, 49, 50}, tiny(ByteLevelBpeTokenizer.QWEN2_PATTERN, digits).encode("3412", false));
    }

    @Test
    void ignoreMergesTakesAWordThatIsATokenWhole() {
        // Ids: 256 "ab" (merge "a b", rank 0), 257 "bc" ("b c", 1), 258 "abc" ("a bc", 2). "abc" by merges:
        // ab (0) before bc (1) -> ab c, and "ab c" is no merge -> 256 99. Taken whole: 258.
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ALPHABET[b]));
        }
        tokens.addAll(List.of("ab", "bc", "abc"));
        List<String> merges = List.of("a b", "b c", "a bc");
        List<TokenType> types = Collections.nCopies(259, TokenType.NORMAL);
        String p = ByteLevelBpeTokenizer.LLAMA3_PATTERN;
        assertArrayEquals(new int[] {256, 99}, ByteLevelBpeTokenizer.of(tokens, types, merges, p, false, -1, -1)
                .encode("abc", false));
        assertArrayEquals(new int[] {258}, ByteLevelBpeTokenizer.of(tokens, types, merges, p, true, -1, -1)
                .encode("abc", false));
    }

    @Test
    void tokenizerJsonNormalizerPrefixSpaceAndAddedTokens() {
        // NFC (Qwen2's normalizer): "e" + U+0301 becomes "é", bytes C3 A9 -> 195 169. add_prefix_space:
        // "a" is read as " a" -> Ġ (32) a (97). The added token "<tool>" (not special, id 256) is kept
        // whole even when special tokens are not parsed; "<|eot|>" (special, 257) only when they are.
        String added = "[{\"id\":256,\"content\":\"<tool>\",\"special\":false},"
                + "{\"id\":257,\"content\":\"<|eot|>\",\"special\":true}]";
        String json = "{\"added_tokens\":" + added + ",\"normalizer\":{\"type\":\"NFC\"},\"model\":{\"type\":\"BPE\","
                + "\"vocab\":" + byteVocabJson() + ",\"merges\":[]},\"pre_tokenizer\":{\"type\":\"ByteLevel\","
                + "\"add_prefix_space\":true}}";
        ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.fromTokenizerJson(json, "qwen-like.json");
        assertArrayEquals(new int[] {32, 195, 169}, t.encode("e\u0301", false));
        assertArrayEquals(new int[] {32, 97}, t.encode("a", false));
        assertArrayEquals(new int[] {32, 97, 256, 32, 98}, t.encode("a<tool>b", false));
        assertArrayEquals(new int[] {32, 97, 257, 32, 98}, t.encode("a<|eot|>b", false, true));
        assertEquals(TokenType.USER_DEFINED, t.tokenType(256));
        assertEquals(" a<tool> b", t.decode(new int[] {32, 97, 256, 257, 32, 98}));

        // Merges in the newer form, pairs of strings, read as "a b".
        String pairs = "{\"model\":{\"type\":\"BPE\",\"vocab\":" + byteVocabJson("ab", 256)
                + ",\"merges\":[[\"a\",\"b\"]]},\"pre_tokenizer\":{\"type\":\"ByteLevel\"}}";
        ByteLevelBpeTokenizer fromPairs = ByteLevelBpeTokenizer.fromTokenizerJson(pairs, "pairs.json");
        assertEquals(List.of("a b"), fromPairs.merges());
        assertArrayEquals(new int[] {256, 99}, fromPairs.encode("abc", false));
    }

    @Test
    void inconsistentVocabulariesGetOneClearError() {
        List<String> bytes = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            bytes.add(String.valueOf(ALPHABET[b]));
        }
        assertMessage("merge 0 (\"Ġ q\") needs the token \"Ġq\", which is not in the vocabulary",
                () -> ByteLevelBpeTokenizer.of(bytes, Collections.nCopies(256, TokenType.NORMAL), List.of("Ġ q"),
                        ByteLevelBpeTokenizer.GPT2_PATTERN, false, -1, -1));
        assertMessage("needs the token \"zz\"", () -> ByteLevelBpeTokenizer.of(bytes,
                Collections.nCopies(256, TokenType.NORMAL), List.of("zz q"), ByteLevelBpeTokenizer.GPT2_PATTERN, false,
                -1, -1));
        List<String> missingByte = new ArrayList<>();
        for (int b = 1; b < 256; b++) {
            missingByte.add(String.valueOf(ALPHABET[b]));
        }
        assertMessage("no token for byte 0x00", () -> ByteLevelBpeTokenizer.of(missingByte,
                Collections.nCopies(255, TokenType.NORMAL), List.of(), ByteLevelBpeTokenizer.GPT2_PATTERN, false, -1, -1));
        List<String> twice = new ArrayList<>(missingByte);
        twice.add(String.valueOf(ALPHABET[0]));
        twice.add("a");
        assertMessage("\"a\" twice", () -> ByteLevelBpeTokenizer.of(twice, Collections.nCopies(257, TokenType.NORMAL),
                List.of(), ByteLevelBpeTokenizer.GPT2_PATTERN, false, -1, -1));
        assertMessage("is not two tokens separated by one space",
                () -> tiny(ByteLevelBpeTokenizer.GPT2_PATTERN, "ab"));
        assertMessage("EOS token id 300 is outside",
                () -> tiny(ByteLevelBpeTokenizer.GPT2_PATTERN).withSpecialIds(-1, 300, false));

        Map<String, Object> metadata = new HashMap<>();
        metadata.put("tokenizer.ggml.model", "gpt2");
        metadata.put("tokenizer.ggml.tokens", gpt2Tokens.subList(0, 256));
        metadata.put("tokenizer.ggml.merges", List.of());
        metadata.put("tokenizer.ggml.pre", "tekken");
        assertMessage("tokenizer.ggml.pre is \"tekken\"", () -> Tokenizer.fromGgufMetadata(metadata));
        metadata.put("tokenizer.ggml.pre", "qwen2");
        assertEquals(ByteLevelBpeTokenizer.QWEN2_PATTERN,
                ((ByteLevelBpeTokenizer) Tokenizer.fromGgufMetadata(metadata)).pattern());
        metadata.remove("tokenizer.ggml.merges");
        assertMessage("tokenizer.ggml.merges is missing", () -> Tokenizer.fromGgufMetadata(metadata));
    }

    @Test
    void badTokenizerJsonFiles() {
        String bytes = byteVocabJson();
        assertMessage("not valid JSON", () -> ByteLevelBpeTokenizer.fromTokenizerJson("{\"model\":", "a.json"));
        assertMessage("the model is WordPiece, not BPE", () -> ByteLevelBpeTokenizer.fromTokenizerJson(
                "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}", "b.json"));
        assertMessage("no token has id 256", () -> ByteLevelBpeTokenizer.fromTokenizerJson(
                json(byteVocabJson("xy", 257), "[]", "{\"type\":\"ByteLevel\"}"), "c.json"));
        assertMessage("the pre-tokenizer Metaspace is not one attnc reads", () -> ByteLevelBpeTokenizer.fromTokenizerJson(
                json(bytes, "[]", "{\"type\":\"Metaspace\"}"), "d.json"));
        assertMessage("behavior is Removed", () -> ByteLevelBpeTokenizer.fromTokenizerJson(json(bytes, "[]",
                "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":\"a\"},"
                        + "\"behavior\":\"Removed\"},{\"type\":\"ByteLevel\",\"use_regex\":false}]}"), "e.json"));
        assertMessage("not a regular expression Java reads", () -> ByteLevelBpeTokenizer.fromTokenizerJson(json(bytes,
                "[]", split("(?<open")), "f.json"));
        assertMessage("needs the token", () -> ByteLevelBpeTokenizer.fromTokenizerJson(
                json(bytes, "[\"a zz\"]", "{\"type\":\"ByteLevel\"}"), "g.json"));
        assertMessage("g.json: model.vocab[\"a\"] is -3, not a token id", () -> ByteLevelBpeTokenizer.fromTokenizerJson(
                json(byteVocabJson("a", -3), "[]", "{\"type\":\"ByteLevel\"}"), "g.json"));
    }

    @Test
    void catastrophicPatternRunsOutOfBudget() {
        // A file's Split pattern that backtracks polynomially (n^5 steps per start on a run of a's; Java
        // memoizes nested groups like (a+)+b, not this) stops with an error instead of running on.
        ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.fromTokenizerJson(
                json(byteVocabJson(), "[]", split("a*a*a*a*a*b")), "redos.json");
        assertArrayEquals(new int[] {97, 98}, t.encode("ab", false));
        assertMessage("catastrophic backtracking", () -> t.encode("a".repeat(300) + "!", false));
    }

    @Test
    void longTextsAndLimits() {
        StringBuilder sb = new StringBuilder();
        Random random = new Random(5);
        while (sb.length() < 1 << 18) {
            sb.append(RandomTexts.text(random, 20));
        }
        for (String text : List.of(sb.toString(), " ".repeat(1 << 18) + "x", "z".repeat(1 << 18),
                "\n \n".repeat(1 << 16), "😀".repeat(1 << 16))) {
            assertEquals(text, gpt2.decode(gpt2.encode(text, false)));
        }
        ByteLevelBpeTokenizer small = gpt2.withMaxTextChars(100);
        assertMessage("more than the limit of 100", () -> small.encode("x".repeat(101), false));
        // A lone surrogate is read as U+FFFD, as jtokkit reads the same text with it replaced.
        assertArrayEquals(jtokkit(r50k, "a\uFFFDb"), gpt2.encode("a\uD83Db", false));
    }

    /** A tokenizer.json vocabulary of the 256 byte tokens. */
    private static String byteVocabJson() {
        return byteVocabJson(null, 0);
    }

    /** The same with {@code extra} given id {@code id} (replacing its entry if it has one). */
    private static String byteVocabJson(String extra, int id) {
        JsonObject vocab = new JsonObject();
        for (int b = 0; b < 256; b++) {
            vocab.addProperty(String.valueOf(ALPHABET[b]), b);
        }
        if (extra != null) {
            vocab.addProperty(extra, id);
        }
        return vocab.toString();
    }

    private static String split(String regex) {
        JsonObject pattern = new JsonObject();
        pattern.addProperty("Regex", regex);
        return "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":" + pattern
                + ",\"behavior\":\"Isolated\"},{\"type\":\"ByteLevel\",\"use_regex\":false}]}";
    }

    private static String json(String vocab, String merges, String pre) {
        return "{\"model\":{\"type\":\"BPE\",\"vocab\":" + vocab + ",\"merges\":" + merges + "},\"pre_tokenizer\":"
                + pre + "}";
    }
}
