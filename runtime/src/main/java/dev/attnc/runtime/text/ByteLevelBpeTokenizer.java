package dev.attnc.runtime.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Byte-level BPE, the tokenizer of GPT-2, Llama 3 and Qwen2: from a GGUF vocabulary
 * ({@code tokenizer.ggml.model = "gpt2"}) or a Hugging Face {@code tokenizer.json} ({@code model.type
 * = "BPE"} with a {@code ByteLevel} pre-tokenizer).
 *
 * <ol>
 *   <li>Special tokens: user-defined (non-special added) tokens written in the text are kept whole;
 *       control tokens ({@code <|endoftext|>}, {@code <|begin_of_text|>}) too when asked, see
 *       {@link Tokenizer#encode(String, boolean, boolean)}.
 *   <li>Normalization: NFC when the {@code tokenizer.json} asks for it (Qwen2), else none.
 *   <li>Pre-tokenization: the text is split into words by a regular expression, GPT-2's
 *       {@link #GPT2_PATTERN}, Llama 3's {@link #LLAMA3_PATTERN} or Qwen2's {@link #QWEN2_PATTERN}
 *       (chosen by {@code tokenizer.ggml.pre}), or the {@code Split} pattern of the
 *       {@code tokenizer.json}. {@code \s}, {@code \w} are Unicode classes, as in the originals.
 *   <li>Each word is taken as UTF-8 bytes, each byte written as one character of GPT-2's
 *       byte-to-unicode alphabet ({@link #byteToUnicode}: printable bytes stand for themselves,
 *       the others for U+0100 onwards, a space is "Ġ").
 *   <li>Starting from one token per byte, the adjacent pair with the lowest merge rank is merged
 *       (the leftmost on equal ranks) until no pair has a merge. With {@code ignore_merges}
 *       (Llama 3) a word that is itself a token is taken whole first.
 * </ol>
 * Decoding maps each character of a token back to its byte and reads the bytes as UTF-8; control
 * tokens give no text, user-defined tokens their text.
 *
 * <p>Bounds: O(n log n) time and O(n) memory for a text of {@code n} chars. The pre-tokenizer
 * pattern may come from a file, so the regular expression runs on a budget of
 * {@value #REGEX_STEPS_PER_CHAR} character reads per char of the text (plus 2<sup>20</sup>); a
 * pattern that needs more (catastrophic backtracking) gets a {@link TokenizerException}.
 */
public final class ByteLevelBpeTokenizer extends AbstractTokenizer {

    /** GPT-2's pre-tokenizer: contractions, letters, digits, other symbols, whitespace. */
    public static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Llama 3's pre-tokenizer (also OpenAI's cl100k_base): numbers in groups of up to 3 digits. */
    public static final String LLAMA3_PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Qwen2's pre-tokenizer: as Llama 3's, but each digit alone. */
    public static final String QWEN2_PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** The regular expression's budget of character reads per char of text. */
    public static final int REGEX_STEPS_PER_CHAR = 1024;

    private static final char[] BYTE_TO_UNICODE = new char[256];
    private static final int[] UNICODE_TO_BYTE = new int[324];

    static {
        Arrays.fill(UNICODE_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_UNICODE[b] = c;
            UNICODE_TO_BYTE[c] = b;
        }
    }

    private final List<String> mergeList;
    /** Merge rank by pair of token ids. */
    private final PairRanks ranks;
    /** The token each merge forms, by rank. */
    private final int[] mergeResults;
    private final int[] byteTokens = new int[256];
    private final String patternText;
    private final Pattern pattern;
    private final boolean ignoreMerges;
    private final boolean addPrefixSpace;
    private final boolean nfc;

    private ByteLevelBpeTokenizer(String source, List<String> tokens, TokenType[] types, List<String> merges,
            String patternText, boolean ignoreMerges, boolean addPrefixSpace, boolean nfc, int bosId, int eosId,
            boolean addBos, int maxTextChars) {
        super(source, tokens, types, bosId, eosId, addBos, maxTextChars);
        this.mergeList = List.copyOf(merges);
        this.patternText = patternText;
        try {
            this.pattern = Pattern.compile(patternText, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new TokenizerException(source + ": the pre-tokenizer pattern is not a regular expression Java reads: "
                    + e.getDescription() + " in " + printable(patternText), e);
        }
        this.ignoreMerges = ignoreMerges;
        this.addPrefixSpace = addPrefixSpace;
        this.nfc = nfc;
        for (int id = 0; id < this.tokens.length; id++) {
            String text = this.tokens[id];
            byte[] bytes = switch (types[id]) {
                case NORMAL, UNDEFINED, BYTE -> unmap(text);
                case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
                case CONTROL, UNKNOWN, UNUSED -> new byte[0];
            };
            setPieceBytes(id, bytes);
        }
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.valueOf(BYTE_TO_UNICODE[b]));
            if (id == null) {
                throw new TokenizerException(source + ": the vocabulary has no token for byte 0x"
                        + String.format("%02X", b) + " (\"" + BYTE_TO_UNICODE[b] + "\"); it is not a byte-level BPE vocabulary");
            }
            byteTokens[b] = id;
        }
        this.ranks = new PairRanks(merges.size());
        this.mergeResults = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ');
            if (space <= 0 || space == merge.length() - 1 || merge.indexOf(' ', space + 1) >= 0) {
                throw new TokenizerException(source + ": merge " + rank + " (\"" + printable(merge)
                        + "\") is not two tokens separated by one space");
            }
            String left = merge.substring(0, space);
            String right = merge.substring(space + 1);
            int leftId = mergeToken(source, rank, left);
            int rightId = mergeToken(source, rank, right);
            int result = mergeToken(source, rank, left + right);
            if (ranks.putIfAbsent(leftId, rightId, rank)) {
                mergeResults[rank] = result;
            }
        }
    }

    private int mergeToken(String source, int rank, String text) {
        Integer id = ids.get(text);
        if (id == null) {
            throw new TokenizerException(source + ": merge " + rank + " (\"" + printable(mergeList.get(rank))
                    + "\") needs the token \"" + printable(text) + "\", which is not in the vocabulary");
        }
        return id;
    }

    /** The bytes a token of the byte-level alphabet stands for; other characters as their UTF-8. */
    private static byte[] unmap(String text) {
        byte[] out = new byte[text.length() * 3];
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int b = c < UNICODE_TO_BYTE.length ? UNICODE_TO_BYTE[c] : -1;
            if (b >= 0) {
                out[n++] = (byte) b;
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < text.length() ? i + 2 : i + 1;
                for (byte u : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2 + 4);
                    }
                    out[n++] = u;
                }
                i = end - 1;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** The character of GPT-2's byte-level alphabet that stands for byte {@code b} (0 to 255). */
    public static char byteToUnicode(int b) {
        return BYTE_TO_UNICODE[b & 0xFF];
    }

    // ---- factories ----

    /**
     * The tokenizer of a GGUF vocabulary whose {@code tokenizer.ggml.model} is "gpt2". The
     * pre-tokenizer comes from {@code tokenizer.ggml.pre}: "gpt-2" (also "gpt2", "default" and
     * absent, "mpt", "olmo", "jais"), "llama-bpe" ("llama3", "llama-v3", "dbrx", "smaug-bpe",
     * "falcon3"; these also take a word that is a token whole), or "qwen2" ("stablelm2").
     *
     * @throws TokenizerException if the pre-tokenizer is another one, the merges are missing or
     *     name tokens not in the vocabulary, or the vocabulary is inconsistent
     */
    public static ByteLevelBpeTokenizer of(GgufVocabulary v) {
        String source = "GGUF vocabulary";
        if (!"gpt2".equals(v.model())) {
            throw new TokenizerException(source + ": tokenizer.ggml.model is \"" + v.model()
                    + "\", not \"gpt2\" (byte-level BPE)");
        }
        if (v.merges() == null) {
            throw new TokenizerException(source + ": tokenizer.ggml.merges is missing; a \"gpt2\" vocabulary needs it");
        }
        String pre = v.pre() == null ? "default" : v.pre();
        String pattern;
        boolean ignoreMerges = false;
        switch (pre) {
            case "default", "gpt-2", "gpt2", "mpt", "olmo", "jais" -> pattern = GPT2_PATTERN;
            case "llama-bpe", "llama3", "llama-v3", "dbrx", "smaug-bpe", "falcon3" -> {
                pattern = LLAMA3_PATTERN;
                ignoreMerges = true;
            }
            case "qwen2", "stablelm2" -> pattern = QWEN2_PATTERN;
            default -> throw new TokenizerException(source + ": tokenizer.ggml.pre is \"" + printable(pre)
                    + "\", a pre-tokenizer attnc does not know (it knows gpt-2, llama-bpe, qwen2 and their aliases)");
        }
        int n = v.tokens().size();
        return new ByteLevelBpeTokenizer(source, v.tokens(), types(source, v.tokenTypes(), n), v.merges(), pattern,
                ignoreMerges, false, false, v.bosId(), v.eosId(), v.addBos() != null && v.addBos(),
                DEFAULT_MAX_TEXT_CHARS);
    }

    /**
     * A tokenizer from plain data.
     *
     * @param tokens the vocabulary by id, in the byte-level alphabet ("Ġthe")
     * @param types one per token (control tokens are matched as whole strings only when special
     *     tokens are parsed, user-defined ones always)
     * @param merges "left right" by rank, lowest first
     * @param pattern the pre-tokenizer, e.g. {@link #GPT2_PATTERN}
     * @param ignoreMerges whether a word that is a token is taken whole (Llama 3)
     * @param bosId the BOS token, or -1
     * @param eosId the EOS token, or -1
     */
    public static ByteLevelBpeTokenizer of(List<String> tokens, List<TokenType> types, List<String> merges,
            String pattern, boolean ignoreMerges, int bosId, int eosId) {
        String source = "byte-level BPE vocabulary";
        checkLength(source, "token types", types.size(), tokens.size());
        return new ByteLevelBpeTokenizer(source, tokens, types.toArray(new TokenType[0]), merges, pattern, ignoreMerges,
                false, false, bosId, eosId, false, DEFAULT_MAX_TEXT_CHARS);
    }

    /** This tokenizer with another limit on the length of one text (in UTF-16 chars). */
    public ByteLevelBpeTokenizer withMaxTextChars(int maxTextChars) {
        return new ByteLevelBpeTokenizer(source, List.of(tokens), types, mergeList, patternText, ignoreMerges,
                addPrefixSpace, nfc, bosId, eosId, addBosByDefault, maxTextChars);
    }

    /**
     * This tokenizer with other BOS and EOS tokens (-1 for none) and whether BOS goes first by
     * default: a {@code tokenizer.json} does not say which token ends a sequence (the model's
     * {@code config.json} does).
     */
    public ByteLevelBpeTokenizer withSpecialIds(int bosId, int eosId, boolean addBos) {
        return new ByteLevelBpeTokenizer(source, List.of(tokens), types, mergeList, patternText, ignoreMerges,
                addPrefixSpace, nfc, bosId, eosId, addBos, maxTextChars);
    }

    /** The merges, "left right" by rank. */
    public List<String> merges() {
        return mergeList;
    }

    /** The pre-tokenizer's regular expression. */
    public String pattern() {
        return patternText;
    }

    /**
     * Reads a Hugging Face {@code tokenizer.json} of a byte-level BPE model. BOS is the special
     * token the {@code post_processor} template puts before the text, if any (Llama 3's
     * {@code <|begin_of_text|>}); EOS is not known from the file: set it with
     * {@link #withSpecialIds}.
     *
     * @throws TokenizerException if the file cannot be read, is not JSON, is not a byte-level
     *     BPE tokenizer, or is inconsistent
     */
    public static ByteLevelBpeTokenizer fromTokenizerJson(Path path) {
        Objects.requireNonNull(path, "path");
        Path name = path.getFileName();
        String file = name == null ? path.toString() : name.toString();
        try {
            return fromTokenizerJson(Files.readString(path, StandardCharsets.UTF_8), file);
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file + ": file not found (" + path.toAbsolutePath() + ")", e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e, e);
        }
    }

    /** Reads the text of a {@code tokenizer.json}; {@code file} names it in messages. */
    public static ByteLevelBpeTokenizer fromTokenizerJson(String json, String file) {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(file, "file");
        JsonObject root;
        try {
            JsonElement parsed = JsonParser.parseString(json);
            if (!parsed.isJsonObject()) {
                throw new TokenizerException(file + ": not a tokenizer.json (the top level is not a JSON object)");
            }
            root = parsed.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new TokenizerException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        try {
            return new TokenizerJson(root, file).build();
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException | NumberFormatException e) {
            // Gson's accessors on a value of another JSON type.
            throw new TokenizerException(file + ": a value has the wrong JSON type: " + e.getMessage(), e);
        }
    }

    /** Reads the parts of a tokenizer.json this tokenizer needs. */
    private record TokenizerJson(JsonObject root, String file) {

        ByteLevelBpeTokenizer build() {
            JsonObject model = object(root, "model");
            if (model == null) {
                throw fail("no \"model\" section; is this a Hugging Face tokenizer.json?");
            }
            String type = string(model, "type");
            if (!"BPE".equals(type)) {
                throw fail("the model is " + (type == null ? "of no type" : type) + ", not BPE");
            }
            for (String key : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
                String value = string(model, key);
                if (value != null && !value.isEmpty()) {
                    throw fail("model." + key + " is \"" + value + "\"; byte-level BPE has none");
                }
            }
            // Vocabulary by id, then the added tokens on top.
            JsonObject vocab = object(model, "vocab");
            if (vocab == null || vocab.isEmpty()) {
                throw fail("model.vocab is missing or empty");
            }
            Map<Integer, String> byId = new java.util.HashMap<>(vocab.size() * 2);
            Map<Integer, TokenType> typeById = new java.util.HashMap<>();
            int maxId = -1;
            for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
                int id = id(e.getValue(), "model.vocab[\"" + printable(e.getKey()) + "\"]");
                String previous = byId.put(id, e.getKey());
                if (previous != null) {
                    throw fail("id " + id + " is given to both \"" + printable(previous) + "\" and \""
                            + printable(e.getKey()) + "\" in model.vocab");
                }
                maxId = Math.max(maxId, id);
            }
            JsonArray added = root.has("added_tokens") && root.get("added_tokens").isJsonArray()
                    ? root.getAsJsonArray("added_tokens") : new JsonArray();
            for (int i = 0; i < added.size(); i++) {
                JsonObject token = added.get(i).getAsJsonObject();
                String where = "added_tokens[" + i + "]";
                int id = id(token.get("id"), where + ".id");
                String content = string(token, "content");
                if (content == null) {
                    throw fail(where + " has no content");
                }
                String existing = byId.get(id);
                if (existing != null && !existing.equals(content)) {
                    throw fail(where + " gives id " + id + " to \"" + printable(content) + "\" but model.vocab has \""
                            + printable(existing) + "\" there");
                }
                byId.put(id, content);
                boolean special = token.has("special") && token.get("special").getAsBoolean();
                typeById.put(id, special ? TokenType.CONTROL : TokenType.USER_DEFINED);
                maxId = Math.max(maxId, id);
            }
            if (maxId >= 1 << 24) {
                throw fail("token id " + maxId + " is larger than any real vocabulary (limit 16777215)");
            }
            List<String> tokens = new ArrayList<>(maxId + 1);
            TokenType[] types = new TokenType[maxId + 1];
            for (int id = 0; id <= maxId; id++) {
                String text = byId.get(id);
                if (text == null) {
                    throw fail("no token has id " + id + " (ids must run from 0 to " + maxId + " without gaps)");
                }
                tokens.add(text);
                types[id] = typeById.getOrDefault(id, TokenType.NORMAL);
            }
            List<String> merges = merges(model);
            boolean ignoreMerges = model.has("ignore_merges") && model.get("ignore_merges").getAsBoolean();

            String pattern = null;
            boolean byteLevel = false;
            boolean addPrefixSpace = false;
            JsonObject pre = object(root, "pre_tokenizer");
            if (pre == null) {
                throw fail("no pre_tokenizer; a byte-level BPE tokenizer has a ByteLevel one");
            }
            List<JsonObject> steps = new ArrayList<>();
            if ("Sequence".equals(string(pre, "type"))) {
                for (JsonElement e : pre.getAsJsonArray("pretokenizers")) {
                    steps.add(e.getAsJsonObject());
                }
            } else {
                steps.add(pre);
            }
            for (JsonObject step : steps) {
                String kind = string(step, "type");
                if ("ByteLevel".equals(kind)) {
                    byteLevel = true;
                    addPrefixSpace = step.has("add_prefix_space") && step.get("add_prefix_space").getAsBoolean();
                    boolean useRegex = !step.has("use_regex") || step.get("use_regex").getAsBoolean();
                    if (useRegex) {
                        if (pattern != null) {
                            throw fail("the pre-tokenizer splits twice (Split and ByteLevel with use_regex)");
                        }
                        pattern = GPT2_PATTERN;
                    }
                } else if ("Split".equals(kind)) {
                    if (pattern != null) {
                        throw fail("the pre-tokenizer has more than one split; attnc reads one");
                    }
                    String behavior = string(step, "behavior");
                    if (!"Isolated".equals(behavior)) {
                        throw fail("the Split pre-tokenizer's behavior is " + behavior + "; attnc reads Isolated");
                    }
                    if (step.has("invert") && step.get("invert").getAsBoolean()) {
                        throw fail("the Split pre-tokenizer is inverted; attnc reads invert: false");
                    }
                    JsonObject p = object(step, "pattern");
                    if (p != null && string(p, "Regex") != null) {
                        pattern = string(p, "Regex");
                    } else if (p != null && string(p, "String") != null) {
                        pattern = Pattern.quote(string(p, "String"));
                    } else {
                        throw fail("the Split pre-tokenizer has no Regex or String pattern");
                    }
                } else {
                    throw fail("the pre-tokenizer " + kind + " is not one attnc reads (ByteLevel, Split)");
                }
            }
            if (!byteLevel) {
                throw fail("the pre-tokenizer has no ByteLevel step: this is not a byte-level BPE tokenizer");
            }
            if (pattern == null) {
                throw fail("the pre-tokenizer does not split the text into words (no Split, use_regex false)");
            }
            boolean nfc = normalizer(object(root, "normalizer"));
            int bos = templateBos(tokens);
            return new ByteLevelBpeTokenizer(file, tokens, types, merges, pattern, ignoreMerges, addPrefixSpace, nfc, bos,
                    -1, bos >= 0, DEFAULT_MAX_TEXT_CHARS);
        }

        private List<String> merges(JsonObject model) {
            JsonElement json = model.get("merges");
            if (json == null || !json.isJsonArray()) {
                throw fail("model.merges is missing");
            }
            JsonArray array = json.getAsJsonArray();
            List<String> merges = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                JsonElement merge = array.get(i);
                if (merge.isJsonArray()) {
                    // The newer format: ["left", "right"].
                    JsonArray pair = merge.getAsJsonArray();
                    if (pair.size() != 2) {
                        throw fail("model.merges[" + i + "] has " + pair.size() + " tokens, not 2");
                    }
                    String left = pair.get(0).getAsString();
                    String right = pair.get(1).getAsString();
                    if (left.indexOf(' ') >= 0 || right.indexOf(' ') >= 0) {
                        throw fail("model.merges[" + i + "] has a token with a space, which byte-level BPE never has");
                    }
                    merges.add(left + " " + right);
                } else {
                    merges.add(merge.getAsString());
                }
            }
            return merges;
        }

        /** Whether the normalizer is NFC (false for none); other normalizers are refused. */
        private boolean normalizer(JsonObject normalizer) {
            if (normalizer == null) {
                return false;
            }
            String kind = string(normalizer, "type");
            if ("NFC".equals(kind)) {
                return true;
            }
            if ("Sequence".equals(kind)) {
                boolean nfc = false;
                for (JsonElement e : normalizer.getAsJsonArray("normalizers")) {
                    nfc |= normalizer(e.getAsJsonObject());
                }
                return nfc;
            }
            throw fail("the normalizer " + kind + " is not one attnc reads (NFC or none)");
        }

        /** The special token a TemplateProcessing post-processor puts before the text, or -1. */
        private int templateBos(List<String> tokens) {
            JsonObject post = object(root, "post_processor");
            List<JsonObject> processors = new ArrayList<>();
            if (post != null && "Sequence".equals(string(post, "type"))) {
                for (JsonElement e : post.getAsJsonArray("processors")) {
                    processors.add(e.getAsJsonObject());
                }
            } else if (post != null) {
                processors.add(post);
            }
            for (JsonObject p : processors) {
                if (!"TemplateProcessing".equals(string(p, "type")) || !p.has("single")) {
                    continue;
                }
                JsonArray single = p.getAsJsonArray("single");
                if (!single.isEmpty() && single.get(0).isJsonObject()
                        && single.get(0).getAsJsonObject().has("SpecialToken")) {
                    String name = string(single.get(0).getAsJsonObject().getAsJsonObject("SpecialToken"), "id");
                    int id = tokens.indexOf(name);
                    if (id < 0) {
                        throw fail("the post_processor template starts with \"" + name + "\", which is not a token");
                    }
                    return id;
                }
            }
            return -1;
        }

        private TokenizerException fail(String message) {
            return new TokenizerException(file + ": " + message);
        }

        private int id(JsonElement value, String where) {
            if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
                throw fail(where + " is not a token id");
            }
            double d = value.getAsDouble();
            if (d < 0 || d != Math.rint(d) || d > Integer.MAX_VALUE) {
                throw fail(where + " is " + value + ", not a token id");
            }
            return (int) d;
        }

        private static JsonObject object(JsonObject parent, String key) {
            JsonElement e = parent.get(key);
            return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
        }

        private static String string(JsonObject parent, String key) {
            JsonElement e = parent.get(key);
            return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
        }
    }

    // ---- encoding ----

    @Override
    boolean dropsLeadingSpace() {
        return false;
    }

    @Override
    void encodeFragment(String fragment, boolean afterSpecial, IntList out) {
        String text = nfc ? Normalizer.normalize(fragment, Normalizer.Form.NFC) : fragment;
        if (addPrefixSpace && !text.startsWith(" ")) {
            text = " " + text;
        }
        BudgetedText budgeted = new BudgetedText(text,
                (long) REGEX_STEPS_PER_CHAR * text.length() + (1 << 20));
        Matcher words = pattern.matcher(budgeted);
        int end = 0;
        try {
            while (words.find()) {
                if (words.start() > end) {
                    encodeWord(text.substring(end, words.start()), out); // a gap the pattern skips
                }
                if (words.end() > words.start()) {
                    encodeWord(text.substring(words.start(), words.end()), out);
                }
                end = words.end();
            }
        } catch (StackOverflowError e) {
            throw new TokenizerException(source + ": the pre-tokenizer pattern recursed too deeply on a text of "
                    + text.length() + " chars");
        }
        if (end < text.length()) {
            encodeWord(text.substring(end), out);
        }
    }

    private void encodeWord(String word, IntList out) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        if (ignoreMerges && n > 1) {
            char[] mapped = new char[n];
            for (int i = 0; i < n; i++) {
                mapped[i] = BYTE_TO_UNICODE[bytes[i] & 0xFF];
            }
            Integer whole = ids.get(new String(mapped));
            if (whole != null && types[whole].isPiece()) {
                out.add(whole);
                return;
            }
        }
        int[] symbol = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            symbol[i] = byteTokens[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        if (n > 1) {
            MergeQueue queue = new MergeQueue(n);
            for (int i = 1; i < n; i++) {
                offer(queue, symbol, i - 1, i);
            }
            while (!queue.isEmpty()) {
                long key = queue.topKey();
                int left = (int) key;
                int rank = (int) (key >>> 32);
                int right = (int) queue.topValue();
                queue.pop();
                // A rank names one pair, so the entry is current iff the two symbols are still
                // adjacent and still that pair.
                if (symbol[left] < 0 || next[left] != right || symbol[right] < 0
                        || ranks.get(symbol[left], symbol[right]) != rank) {
                    continue;
                }
                symbol[left] = mergeResults[rank];
                symbol[right] = -1;
                next[left] = next[right];
                if (next[right] >= 0) {
                    prev[next[right]] = left;
                }
                offer(queue, symbol, prev[left], left);
                offer(queue, symbol, left, next[left]);
            }
        }
        for (int i = 0; i != -1; i = next[i]) {
            out.add(symbol[i]);
        }
    }

    private void offer(MergeQueue queue, int[] symbol, int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        int rank = ranks.get(symbol[left], symbol[right]);
        if (rank >= 0) {
            queue.push(((long) rank << 32) | left, right);
        }
    }

    /** Merge ranks keyed by a pair of token ids, in one open-addressing table. */
    private static final class PairRanks {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        PairRanks(int expected) {
            int capacity = Integer.highestOneBit(Math.max(4, expected * 2 + 1)) << 1;
            keys = new long[capacity];
            values = new int[capacity];
            mask = capacity - 1;
            Arrays.fill(keys, -1L);
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29)) & mask;
        }

        /** Stores the rank unless the pair has one already (the first, lowest rank wins). */
        boolean putIfAbsent(int left, int right, int rank) {
            long key = ((long) left << 32) | right;
            int i = slot(key);
            while (keys[i] != -1L) {
                if (keys[i] == key) {
                    return false;
                }
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = rank;
            return true;
        }

        int get(int left, int right) {
            long key = ((long) left << 32) | right;
            int i = slot(key);
            while (keys[i] != -1L) {
                if (keys[i] == key) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return -1;
        }
    }

    /**
     * The text as the regular expression sees it, counting its reads: past the budget, the match
     * stops with a {@link TokenizerException} instead of running on.
     */
    private final class BudgetedText implements CharSequence {
        private final String text;
        private long budget;

        BudgetedText(String text, long budget) {
            this.text = text;
            this.budget = budget;
        }

        @Override
        public char charAt(int index) {
            if (--budget < 0) {
                throw new TokenizerException(source + ": the pre-tokenizer pattern needed more than "
                        + REGEX_STEPS_PER_CHAR + " steps per char on a text of " + text.length()
                        + " chars (catastrophic backtracking?)");
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
