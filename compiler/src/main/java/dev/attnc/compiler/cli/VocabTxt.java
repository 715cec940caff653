package dev.attnc.compiler.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.attnc.runtime.text.TokenizerException;
import dev.attnc.runtime.text.WordPieceTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A BERT {@code vocab.txt} (one WordPiece token per line, the line number its id) as a
 * tokenizer: the settings Hugging Face's {@code BertTokenizer} uses for such a file (BERT's
 * normalizer, lower-casing and accent stripping unless cased, {@code [CLS]} and {@code [SEP]}
 * around the pieces, the special tokens kept whole in the text), written as a
 * {@code tokenizer.json} for {@link WordPieceTokenizer} to read.
 */
final class VocabTxt {
    /** The largest vocab.txt read (bert-base-multilingual's is under 1 MB). */
    static final long MAX_BYTES = 16L << 20;

    private static final List<String> SPECIAL = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    private VocabTxt() {
    }

    /** Whether {@code file} is named as a vocab.txt rather than a tokenizer.json. */
    static boolean isVocabTxt(Path file) {
        return String.valueOf(file.getFileName()).toLowerCase(java.util.Locale.ROOT).endsWith(".txt");
    }

    /**
     * The tokenizer of {@code file}.
     *
     * @param cased keep case and accents (a cased model's vocabulary)
     * @throws TokenizerException if the file is too large, cannot be read, or lacks [UNK], [CLS] or [SEP]
     */
    static WordPieceTokenizer read(Path file, boolean cased) {
        String name = String.valueOf(file.getFileName());
        List<String> lines;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new TokenizerException(name + ": " + size + " bytes, more than the " + MAX_BYTES
                        + " a vocab.txt may have");
            }
            lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new TokenizerException(name + ": cannot read: " + e.getMessage(), e);
        }
        return WordPieceTokenizer.fromJson(json(lines, cased, name), name);
    }

    static String json(List<String> lines, boolean cased, String name) {
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < lines.size(); id++) {
            String token = lines.get(id).strip();
            if (token.isEmpty()) {
                throw new TokenizerException(name + ":" + (id + 1) + ": an empty line; a vocab.txt has one token per line");
            }
            if (vocab.has(token)) {
                throw new TokenizerException(name + ":" + (id + 1) + ": \"" + token + "\" again (first on line "
                        + (vocab.get(token).getAsInt() + 1) + ")");
            }
            vocab.addProperty(token, id);
        }
        for (String required : List.of("[UNK]", "[CLS]", "[SEP]")) {
            if (!vocab.has(required)) {
                throw new TokenizerException(name + ": no " + required + " token; is this a BERT vocab.txt?");
            }
        }
        JsonObject model = new JsonObject();
        model.addProperty("type", "WordPiece");
        model.addProperty("unk_token", "[UNK]");
        model.addProperty("continuing_subword_prefix", "##");
        model.addProperty("max_input_chars_per_word", 100);
        model.add("vocab", vocab);
        JsonObject normalizer = new JsonObject();
        normalizer.addProperty("type", "BertNormalizer");
        normalizer.addProperty("clean_text", true);
        normalizer.addProperty("handle_chinese_chars", true);
        normalizer.addProperty("lowercase", !cased);
        JsonObject pre = new JsonObject();
        pre.addProperty("type", "BertPreTokenizer");
        JsonObject post = new JsonObject();
        post.addProperty("type", "BertProcessing");
        post.add("cls", pair("[CLS]", vocab.get("[CLS]").getAsInt()));
        post.add("sep", pair("[SEP]", vocab.get("[SEP]").getAsInt()));
        JsonArray added = new JsonArray();
        for (String special : SPECIAL) {
            if (vocab.has(special)) {
                JsonObject token = new JsonObject();
                token.addProperty("id", vocab.get(special).getAsInt());
                token.addProperty("content", special);
                token.addProperty("normalized", false);
                token.addProperty("special", true);
                added.add(token);
            }
        }
        JsonObject root = new JsonObject();
        root.add("added_tokens", added);
        root.add("normalizer", normalizer);
        root.add("pre_tokenizer", pre);
        root.add("post_processor", post);
        root.add("model", model);
        return root.toString();
    }

    private static JsonArray pair(String token, int id) {
        JsonArray pair = new JsonArray();
        pair.add(token);
        pair.add(id);
        return pair;
    }
}
