package dev.attnc.runtime.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * BERT's WordPiece tokenizer, read from a Hugging Face {@code tokenizer.json}: a
 * {@code BertNormalizer}, the {@code BertPreTokenizer}, a {@code WordPiece} model and a
 * template that puts {@code [CLS]} first and {@code [SEP]} last. It gives the same ids as
 * Hugging Face's {@code tokenizers} for such files (all-MiniLM-L6-v2's, bert-base-uncased's).
 *
 * <ol>
 *   <li>Special tokens written in the text ({@code [SEP]}, {@code [MASK]}...) are kept whole.
 *   <li>Normalization: control characters, NUL and U+FFFD are dropped and every whitespace
 *       character becomes a space ({@code clean_text}); a space is put around each CJK
 *       ideograph ({@code handle_chinese_chars}); accents are stripped (NFD, then combining
 *       marks dropped: "café" is "cafe"; {@code strip_accents}, which follows
 *       {@code lowercase} when unset); each character is lower-cased ({@code lowercase}).
 *   <li>Pre-tokenization: split on whitespace, and every punctuation character (ASCII
 *       punctuation and Unicode's P* categories) is a word of its own.
 *   <li>WordPiece: each word is split greedily into the longest pieces in the vocabulary, the
 *       pieces after the first prefixed with {@code ##}. A word with no such split, or longer
 *       than {@code max_input_chars_per_word} characters, is one {@code [UNK]}.
 *   <li>{@code [CLS]} and {@code [SEP]} around the pieces.
 * </ol>
 *
 * <p>Length: the encoding of a text is at most {@link #maxLength()} ids (512 by default, the
 * position table of BERT models). A longer text is <b>truncated</b>: its first
 * {@code maxLength - 2} pieces are kept, then {@code [SEP]}; {@link Encoding#truncated()} tells.
 * The {@code truncation} and {@code padding} sections of the file are not applied: padding is
 * the caller's ({@link Encoding#paddedIds}), and the maximum length is set by
 * {@link #withMaxLength}.
 *
 * <p>Immutable and safe to use from several threads.
 */
public final class WordPieceTokenizer {

    /** The default maximum length in ids, {@code [CLS]} and {@code [SEP]} included. */
    public static final int DEFAULT_MAX_LENGTH = 512;

    private final String file;
    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final String unk;
    private final int unkId;
    private final String prefix;
    private final int maxCharsPerWord;
    private final boolean cleanText;
    private final boolean chineseChars;
    private final boolean stripAccents;
    private final boolean lowercase;
    private final String cls;
    private final int clsId;
    private final String sep;
    private final int sepId;
    private final int padId;
    /** Special tokens matched in the raw text, longest first. */
    private final List<String> specials;
    private final int maxLength;

    private WordPieceTokenizer(String file, Map<String, Integer> vocab, String[] tokens, String unk, String prefix,
            int maxCharsPerWord, boolean cleanText, boolean chineseChars, boolean stripAccents, boolean lowercase,
            String cls, String sep, int padId, List<String> specials, int maxLength) {
        this.file = file;
        this.vocab = vocab;
        this.tokens = tokens;
        this.unk = unk;
        this.unkId = vocab.get(unk);
        this.prefix = prefix;
        this.maxCharsPerWord = maxCharsPerWord;
        this.cleanText = cleanText;
        this.chineseChars = chineseChars;
        this.stripAccents = stripAccents;
        this.lowercase = lowercase;
        this.cls = cls;
        this.clsId = vocab.get(cls);
        this.sep = sep;
        this.sepId = vocab.get(sep);
        this.padId = padId;
        this.specials = specials;
        this.maxLength = maxLength;
    }

    // ---- reading tokenizer.json ----

    /**
     * Reads a {@code tokenizer.json}.
     *
     * @throws TokenizerException if the file cannot be read, is not JSON, or is not a BERT
     *     WordPiece tokenizer
     */
    public static WordPieceTokenizer fromJson(Path path) {
        Objects.requireNonNull(path, "path");
        Path name = path.getFileName();
        String file = name == null ? path.toString() : name.toString();
        try {
            return fromJson(Files.readString(path, StandardCharsets.UTF_8), file);
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file + ": file not found (" + path.toAbsolutePath() + ")", e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e, e);
        }
    }

    /** Reads a {@code tokenizer.json} from a stream (not closed); {@code file} names it in messages. */
    public static WordPieceTokenizer fromJson(InputStream in, String file) {
        Objects.requireNonNull(in, "in");
        try {
            return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), file);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e, e);
        }
    }

    /** Reads the text of a {@code tokenizer.json}; {@code file} names it in messages. */
    public static WordPieceTokenizer fromJson(String json, String file) {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(file, "file");
        JsonObject root;
        try {
            JsonElement parsed = JsonParser.parseString(json);
            if (!parsed.isJsonObject()) {
                throw new TokenizerException(file + ": not a tokenizer.json (the top level is not a JSON object)");
            }
            root = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new TokenizerException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        return build(root, file);
    }

    private static WordPieceTokenizer build(JsonObject root, String file) {
        JsonObject model = object(root, "model", file);
        if (model == null) {
            throw new TokenizerException(file + ": no \"model\" section; is this a Hugging Face tokenizer.json?");
        }
        String type = string(model, "type", null, file);
        if (!"WordPiece".equals(type)) {
            throw new TokenizerException(file + ": the model is " + (type == null ? "of no type" : type)
                    + ", not WordPiece; attnc reads BERT WordPiece tokenizers only");
        }
        JsonObject vocabJson = object(model, "vocab", file);
        if (vocabJson == null || vocabJson.isEmpty()) {
            throw new TokenizerException(file + ": model.vocab is missing or empty");
        }
        Map<String, Integer> vocab = new HashMap<>(vocabJson.size() * 2);
        int maxId = -1;
        for (Map.Entry<String, JsonElement> e : vocabJson.entrySet()) {
            int id = integer(e.getValue(), "model.vocab[\"" + e.getKey() + "\"]", file);
            if (id < 0) {
                throw new TokenizerException(file + ": model.vocab[\"" + e.getKey() + "\"] is " + id + ", a negative id");
            }
            vocab.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }
        String[] tokens = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (tokens[e.getValue()] != null) {
                throw new TokenizerException(file + ": id " + e.getValue() + " is given to both \"" + tokens[e.getValue()]
                        + "\" and \"" + e.getKey() + "\" in model.vocab");
            }
            tokens[e.getValue()] = e.getKey();
        }
        String unk = string(model, "unk_token", "[UNK]", file);
        requireToken(vocab, unk, "model.unk_token", file);
        String prefix = string(model, "continuing_subword_prefix", "##", file);
        int maxChars = model.has("max_input_chars_per_word") && !model.get("max_input_chars_per_word").isJsonNull()
                ? integer(model.get("max_input_chars_per_word"), "model.max_input_chars_per_word", file) : 100;

        // The normalizer: BertNormalizer, or none.
        boolean cleanText = false;
        boolean chinese = false;
        boolean lowercase = false;
        boolean strip = false;
        JsonObject normalizer = object(root, "normalizer", file);
        if (normalizer != null) {
            String kind = string(normalizer, "type", null, file);
            if (!"BertNormalizer".equals(kind)) {
                throw new TokenizerException(file + ": the normalizer is " + kind + ", not BertNormalizer;"
                        + " attnc reads BERT WordPiece tokenizers only");
            }
            cleanText = bool(normalizer, "clean_text", true, file);
            chinese = bool(normalizer, "handle_chinese_chars", true, file);
            lowercase = bool(normalizer, "lowercase", true, file);
            JsonElement s = normalizer.get("strip_accents");
            strip = s == null || s.isJsonNull() ? lowercase : bool(normalizer, "strip_accents", lowercase, file);
        }
        JsonObject pre = object(root, "pre_tokenizer", file);
        String preKind = pre == null ? null : string(pre, "type", null, file);
        if (!"BertPreTokenizer".equals(preKind)) {
            throw new TokenizerException(file + ": the pre-tokenizer is " + preKind + ", not BertPreTokenizer;"
                    + " attnc reads BERT WordPiece tokenizers only");
        }

        // [CLS] and [SEP] from the post-processor.
        String[] specialPair = clsSep(root, file);
        requireToken(vocab, specialPair[0], "the post-processor's first special token", file);
        requireToken(vocab, specialPair[1], "the post-processor's last special token", file);
        int padId = 0;
        JsonObject padding = object(root, "padding", file);
        if (padding != null && padding.has("pad_id") && !padding.get("pad_id").isJsonNull()) {
            padId = integer(padding.get("pad_id"), "padding.pad_id", file);
        } else if (vocab.containsKey("[PAD]")) {
            padId = vocab.get("[PAD]");
        }

        // Added tokens that are special and not normalized are matched in the raw text.
        List<String> specials = new ArrayList<>();
        JsonElement added = root.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement a : added.getAsJsonArray()) {
                if (!a.isJsonObject()) {
                    continue;
                }
                JsonObject t = a.getAsJsonObject();
                String content = string(t, "content", null, file);
                if (content == null || content.isEmpty()) {
                    continue;
                }
                boolean normalized = bool(t, "normalized", false, file);
                if (!normalized) {
                    if (!vocab.containsKey(content)) {
                        int id = integer(t.get("id"), "added_tokens[\"" + content + "\"].id", file);
                        if (id < tokens.length && tokens[id] != null) {
                            throw new TokenizerException(file + ": added token \"" + content + "\" has id " + id
                                    + ", which model.vocab gives to \"" + tokens[id] + "\"");
                        }
                        vocab.put(content, id);
                        if (id >= tokens.length) {
                            tokens = Arrays.copyOf(tokens, id + 1);
                        }
                        tokens[id] = content;
                    }
                    specials.add(content);
                }
            }
        }
        specials.sort(Comparator.comparingInt(String::length).reversed());
        return new WordPieceTokenizer(file, Map.copyOf(vocab), tokens, unk, prefix, maxChars, cleanText, chinese, strip,
                lowercase, specialPair[0], specialPair[1], padId, List.copyOf(specials), DEFAULT_MAX_LENGTH);
    }

    /** The tokens the post-processor puts before and after a single sequence. */
    private static String[] clsSep(JsonObject root, String file) {
        JsonObject post = object(root, "post_processor", file);
        String kind = post == null ? null : string(post, "type", null, file);
        if ("BertProcessing".equals(kind)) {
            return new String[] {firstString(post.get("cls"), "post_processor.cls", file),
                firstString(post.get("sep"), "post_processor.sep", file)};
        }
        if ("TemplateProcessing".equals(kind)) {
            JsonElement single = post.get("single");
            if (single != null && single.isJsonArray()) {
                JsonArray items = single.getAsJsonArray();
                if (items.size() == 3 && special(items.get(0)) != null && special(items.get(2)) != null
                        && items.get(1).isJsonObject() && items.get(1).getAsJsonObject().has("Sequence")) {
                    return new String[] {special(items.get(0)), special(items.get(2))};
                }
            }
            throw new TokenizerException(file + ": post_processor.single is not [special token, sequence,"
                    + " special token]; attnc reads BERT WordPiece tokenizers only");
        }
        throw new TokenizerException(file + ": the post-processor is " + kind + ", not TemplateProcessing or"
                + " BertProcessing; attnc reads BERT WordPiece tokenizers only");
    }

    private static String special(JsonElement item) {
        if (item.isJsonObject() && item.getAsJsonObject().has("SpecialToken")) {
            JsonElement t = item.getAsJsonObject().get("SpecialToken");
            if (t.isJsonObject() && t.getAsJsonObject().has("id") && t.getAsJsonObject().get("id").isJsonPrimitive()) {
                return t.getAsJsonObject().get("id").getAsString();
            }
        }
        return null;
    }

    private static String firstString(JsonElement e, String what, String file) {
        if (e != null && e.isJsonArray() && !e.getAsJsonArray().isEmpty() && e.getAsJsonArray().get(0).isJsonPrimitive()) {
            return e.getAsJsonArray().get(0).getAsString();
        }
        throw new TokenizerException(file + ": " + what + " is not [token, id]");
    }

    private static void requireToken(Map<String, Integer> vocab, String token, String what, String file) {
        if (!vocab.containsKey(token)) {
            throw new TokenizerException(file + ": " + what + " \"" + token + "\" is not in model.vocab");
        }
    }

    private static JsonObject object(JsonObject o, String key, String file) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw new TokenizerException(file + ": \"" + key + "\" is not a JSON object");
        }
        return e.getAsJsonObject();
    }

    private static String string(JsonObject o, String key, String fallback, String file) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new TokenizerException(file + ": \"" + key + "\" is not a string");
        }
        return e.getAsString();
    }

    private static boolean bool(JsonObject o, String key, boolean fallback, String file) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new TokenizerException(file + ": \"" + key + "\" is not true or false");
        }
        return e.getAsBoolean();
    }

    private static int integer(JsonElement e, String what, String file) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new TokenizerException(file + ": " + what + " is not a number");
        }
        double d = e.getAsDouble();
        if (d != Math.rint(d) || d > Integer.MAX_VALUE || d < Integer.MIN_VALUE) {
            throw new TokenizerException(file + ": " + what + " is " + e.getAsString() + ", not an int");
        }
        return (int) d;
    }

    // ---- settings ----

    /**
     * The same tokenizer with another maximum length.
     *
     * @param maxLength the most ids an encoding has, {@code [CLS]} and {@code [SEP]} included; at least 2
     */
    public WordPieceTokenizer withMaxLength(int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for [CLS] and [SEP]");
        }
        return new WordPieceTokenizer(file, vocab, tokens, unk, prefix, maxCharsPerWord, cleanText, chineseChars,
                stripAccents, lowercase, cls, sep, padId, specials, maxLength);
    }

    /** The most ids {@link #encode} returns. */
    public int maxLength() {
        return maxLength;
    }

    /** One more than the largest id. */
    public int vocabSize() {
        return tokens.length;
    }

    /** The id of {@code token}, or -1 if it is not in the vocabulary. */
    public int id(String token) {
        return vocab.getOrDefault(token, -1);
    }

    /** The token of {@code id}, or null if no token has it. */
    public String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    public int clsId() {
        return clsId;
    }

    public int sepId() {
        return sepId;
    }

    public int unkId() {
        return unkId;
    }

    /** The id padding uses ({@code padding.pad_id}, else {@code [PAD]}, else 0). */
    public int padId() {
        return padId;
    }

    /** The file name given when reading. */
    public String file() {
        return file;
    }

    // ---- encoding ----

    /** {@code text} as ids: {@code [CLS]}, its word pieces, {@code [SEP]}; truncated to {@link #maxLength()}. */
    public Encoding encode(String text) {
        List<String> pieces = tokenize(text);
        int full = pieces.size() + 2;
        int kept = Math.min(pieces.size(), maxLength - 2);
        int[] ids = new int[kept + 2];
        List<String> toks = new ArrayList<>(kept + 2);
        ids[0] = clsId;
        toks.add(cls);
        for (int i = 0; i < kept; i++) {
            String p = pieces.get(i);
            ids[i + 1] = vocab.get(p);
            toks.add(p);
        }
        ids[kept + 1] = sepId;
        toks.add(sep);
        return new Encoding(ids, toks, full);
    }

    /** Encodes each text. */
    public List<Encoding> encodeAll(List<String> texts) {
        return texts.stream().map(this::encode).toList();
    }

    /** The word pieces of {@code text}, without {@code [CLS]} and {@code [SEP]} and not truncated. */
    public List<String> tokenize(String text) {
        Objects.requireNonNull(text, "text");
        List<String> out = new ArrayList<>();
        int at = 0;
        int i = 0;
        while (i < text.length()) {
            String special = specialAt(text, i);
            if (special == null) {
                i++;
                continue;
            }
            pieces(text.substring(at, i), out);
            out.add(special);
            i += special.length();
            at = i;
        }
        pieces(text.substring(at), out);
        return out;
    }

    /** The longest special token written at {@code i} in {@code text}, or null. */
    private String specialAt(String text, int i) {
        for (String s : specials) {
            if (text.startsWith(s, i)) {
                return s;
            }
        }
        return null;
    }

    /** Normalizes, pre-tokenizes and word-pieces a stretch of text without special tokens. */
    private void pieces(String text, List<String> out) {
        for (String word : words(normalize(text))) {
            wordPiece(word, out);
        }
    }

    String normalize(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (cleanText) {
                if (c == 0 || c == 0xFFFD || isControl(c)) {
                    continue;
                }
                if (isWhitespace(c)) {
                    sb.append(' ');
                    continue;
                }
            }
            if (chineseChars && isChinese(c)) {
                sb.append(' ').appendCodePoint(c).append(' ');
            } else {
                sb.appendCodePoint(c);
            }
        }
        String s = sb.toString();
        if (stripAccents) {
            String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
            StringBuilder kept = new StringBuilder(nfd.length());
            for (int i = 0; i < nfd.length(); ) {
                int c = nfd.codePointAt(i);
                i += Character.charCount(c);
                if (Character.getType(c) != Character.NON_SPACING_MARK) {
                    kept.appendCodePoint(c);
                }
            }
            s = kept.toString();
        }
        if (lowercase) {
            StringBuilder lower = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); ) {
                int c = s.codePointAt(i);
                i += Character.charCount(c);
                if (c < 0x80) {
                    lower.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c));
                } else {
                    // Character by character, with the full mapping (İ is i + U+0307), as Rust's char::to_lowercase.
                    lower.append(new String(Character.toChars(c)).toLowerCase(Locale.ROOT));
                }
            }
            s = lower.toString();
        }
        return s;
    }

    /** Splits on whitespace, and makes every punctuation character a word of its own. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (isWhitespace(c)) {
                flush(word, words);
            } else if (isPunctuation(c)) {
                flush(word, words);
                words.add(new String(Character.toChars(c)));
            } else {
                word.appendCodePoint(c);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    private void wordPiece(String word, List<String> out) {
        int chars = word.codePointCount(0, word.length());
        if (chars > maxCharsPerWord) {
            out.add(unk);
            return;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            String found = null;
            while (end > start) {
                String piece = word.substring(start, end);
                if (start > 0) {
                    piece = prefix + piece;
                }
                if (vocab.containsKey(piece)) {
                    found = piece;
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                out.add(unk);
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }

    // ---- character classes, as Hugging Face tokenizers defines them ----

    /** Unicode's White_Space property (Rust's char::is_whitespace), which Java's isWhitespace is not. */
    static boolean isWhitespace(int c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    /**
     * Categories Cc, Cf, Co and Cs (control, format, private use, surrogate), except tab, newline
     * and return. Unassigned code points (Cn) are not dropped: Hugging Face keeps them, and they
     * become [UNK].
     */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
                || type == Character.SURROGATE;
    }

    /** ASCII punctuation (which includes $ + < = > ^ ` | ~) and Unicode's P* categories. */
    static boolean isPunctuation(int c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
            return true;
        }
        int type = Character.getType(c);
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    /** The CJK Unified Ideographs blocks BERT treats as words of their own. */
    static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }

    @Override
    public String toString() {
        return "WordPieceTokenizer[" + file + ", " + vocab.size() + " tokens, max length " + maxLength + "]";
    }
}
