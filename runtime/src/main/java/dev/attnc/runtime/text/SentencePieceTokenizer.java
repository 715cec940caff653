package dev.attnc.runtime.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece's BPE as llama.cpp runs it on a GGUF vocabulary ({@code tokenizer.ggml.model =
 * "llama"}: Llama 1 and 2, TinyLlama, Mistral, Karpathy's tinyllamas).
 *
 * <ol>
 *   <li>Special tokens: user-defined tokens written in the text are kept whole (control tokens too
 *       when asked, see {@link Tokenizer#encode(String, boolean, boolean)}); the text between them
 *       is encoded fragment by fragment.
 *   <li>A space is put before a fragment that starts the text or follows a special token (the
 *       {@code add_space_prefix} rule), then every space becomes U+2581 "▁".
 *   <li>Each character is a symbol. Repeatedly, of the adjacent pairs whose concatenation is a
 *       piece of the vocabulary, the one whose piece has the highest score is merged (the
 *       leftmost on equal scores), until no pair is a piece.
 *   <li>A symbol that is a piece gives its id; a character that is not gives the byte-fallback
 *       tokens {@code <0xXX>} of its UTF-8 bytes (or the unknown token when the vocabulary has no
 *       such byte token).
 * </ol>
 * Only normal and user-defined tokens are pieces: merging never forms a control, unknown, byte or
 * unused token, so text that spells {@code <s>} or {@code <0x41>} stays text (as in SentencePiece
 * itself; llama.cpp would let a merge form them if their halves were pieces).
 *
 * <p>Decoding: a normal token gives its text with "▁" read as a space, a byte token its byte,
 * control and unknown tokens nothing; {@link #decode} drops the leading space of the first token
 * with text when the tokenizer prefixes one, as llama.cpp's detokenizer does.
 *
 * <p>Bounds: one text of {@code n} chars takes O(n log n) time and at most about 80 bytes of
 * memory per char (20 for the symbols, 48 for the merge queue, which holds at most 3 entries per
 * char: one per initial pair and two per merge, the rest for copies of the text); a concatenation
 * longer than the longest piece is never looked up.
 */
public final class SentencePieceTokenizer extends AbstractTokenizer {
    private final float[] scores;
    /** The normal and user-defined pieces by text: what merging may form. */
    private final Map<String, Integer> pieces;
    /** The longest piece, in UTF-16 chars. */
    private final int maxPieceChars;
    /** The token for each byte with no piece: {@code <0xXX>}, else the unknown token, else -1. */
    private final int[] byteTokens = new int[256];
    private final int unknownId;
    private final boolean addSpacePrefix;

    private SentencePieceTokenizer(String source, List<String> tokens, float[] scores, TokenType[] types, int bosId,
            int eosId, int unknownId, boolean addBos, boolean addSpacePrefix, int maxTextChars) {
        super(source, tokens, types, bosId, eosId, addBos, maxTextChars);
        this.scores = scores;
        this.addSpacePrefix = addSpacePrefix;
        this.pieces = new HashMap<>(tokens.size() * 2);
        int longest = 1;
        int firstUnknown = -1;
        for (int id = 0; id < this.tokens.length; id++) {
            String text = this.tokens[id];
            if (Float.isNaN(scores[id])) {
                throw new TokenizerException(source + ": the score of token " + id + " (\"" + printable(text)
                        + "\") is not a number");
            }
            TokenType type = types[id];
            if (type.isPiece()) {
                pieces.put(text, id);
                longest = Math.max(longest, text.length());
            }
            if (type == TokenType.UNKNOWN && firstUnknown < 0) {
                firstUnknown = id;
            }
            byte[] bytes = switch (type) {
                case NORMAL, UNDEFINED -> text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
                case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
                case BYTE -> new byte[] {(byte) byteValue(source, id, text)};
                case CONTROL, UNKNOWN, UNUSED -> new byte[0];
            };
            setPieceBytes(id, bytes);
        }
        this.maxPieceChars = longest;
        if (unknownId < -1 || unknownId >= this.tokens.length) {
            throw new TokenizerException(source + ": the unknown token id " + unknownId
                    + " is outside the vocabulary (0.." + (this.tokens.length - 1) + ")");
        }
        this.unknownId = unknownId >= 0 ? unknownId : firstUnknown;
        Arrays.fill(byteTokens, -1);
        for (int id = 0; id < this.tokens.length; id++) {
            if (types[id] == TokenType.BYTE) {
                int b = byteValue(source, id, this.tokens[id]);
                if (byteTokens[b] >= 0) {
                    throw new TokenizerException(source + ": byte 0x" + hex(b) + " has two tokens, " + byteTokens[b]
                            + " and " + id);
                }
                byteTokens[b] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteTokens[b] < 0) {
                // llama.cpp's fallback: the byte as a one-char piece (ASCII only), else unknown.
                Integer single = b < 0x80 ? pieces.get(String.valueOf((char) b)) : null;
                byteTokens[b] = single != null ? single : this.unknownId;
            }
        }
    }

    private static String hex(int b) {
        return String.format("%02X", b);
    }

    /** The byte a byte token {@code <0xXX>} stands for. */
    private static int byteValue(String source, int id, String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            int hi = Character.digit(text.charAt(3), 16);
            int lo = Character.digit(text.charAt(4), 16);
            if (hi >= 0 && lo >= 0) {
                return hi * 16 + lo;
            }
        }
        throw new TokenizerException(source + ": token " + id + " (\"" + printable(text)
                + "\") has the byte type but is not of the form <0xXX>");
    }

    /**
     * The tokenizer of a GGUF vocabulary whose {@code tokenizer.ggml.model} is "llama".
     *
     * @throws TokenizerException if the vocabulary is inconsistent: scores or types not one per
     *     token, a token twice, special ids outside it, a byte token not {@code <0xXX>}
     */
    public static SentencePieceTokenizer of(GgufVocabulary v) {
        String source = "GGUF vocabulary";
        if (!"llama".equals(v.model())) {
            throw new TokenizerException(source + ": tokenizer.ggml.model is \"" + v.model()
                    + "\", not \"llama\" (SentencePiece)");
        }
        int n = v.tokens().size();
        float[] scores = v.scores() == null ? new float[n] : v.scores().clone();
        checkLength(source, "scores", scores.length, n);
        return new SentencePieceTokenizer(source, v.tokens(), scores, types(source, v.tokenTypes(), n), v.bosId(),
                v.eosId(), v.unknownId(), v.addBos() == null || v.addBos(),
                v.addSpacePrefix() == null || v.addSpacePrefix(), DEFAULT_MAX_TEXT_CHARS);
    }

    /**
     * A tokenizer from plain data.
     *
     * @param tokens the pieces by id ({@code "▁the"}, {@code "<0x0A>"}, {@code "<s>"})
     * @param scores one per token: higher merges first
     * @param types one per token
     * @param bosId the BOS token, or -1
     * @param eosId the EOS token, or -1
     * @param unknownId the unknown token, or -1 (then the first token of type unknown)
     * @param addSpacePrefix whether a space is put before the text (true for Llama vocabularies)
     */
    public static SentencePieceTokenizer of(List<String> tokens, float[] scores, List<TokenType> types, int bosId,
            int eosId, int unknownId, boolean addSpacePrefix) {
        String source = "SentencePiece vocabulary";
        checkLength(source, "scores", scores.length, tokens.size());
        checkLength(source, "token types", types.size(), tokens.size());
        return new SentencePieceTokenizer(source, tokens, scores.clone(), types.toArray(new TokenType[0]), bosId, eosId,
                unknownId, true, addSpacePrefix, DEFAULT_MAX_TEXT_CHARS);
    }

    /** This tokenizer with another limit on the length of one text (in UTF-16 chars). */
    public SentencePieceTokenizer withMaxTextChars(int maxTextChars) {
        return new SentencePieceTokenizer(source, List.of(tokens), scores, types, bosId, eosId, unknownId,
                addBosByDefault, addSpacePrefix, maxTextChars);
    }

    /** Whether a space is put before the text (and dropped again when decoding). */
    public boolean addsSpacePrefix() {
        return addSpacePrefix;
    }

    /** The score of token {@code id}. */
    public float score(int id) {
        return scores[checkId(id)];
    }

    @Override
    boolean dropsLeadingSpace() {
        return addSpacePrefix;
    }

    @Override
    void encodeFragment(String fragment, boolean afterSpecial, IntList out) {
        String text = (addSpacePrefix && afterSpecial ? " " + fragment : fragment).replace(' ', '\u2581');
        // One symbol per code point: its start in the text, its length, and its neighbours.
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n];
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        int[] id = new int[n];
        for (int i = 0, at = 0; i < n; i++) {
            int chars = Character.charCount(text.codePointAt(at));
            start[i] = at;
            length[i] = chars;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            Integer piece = pieces.get(text.substring(at, at + chars));
            id[i] = piece == null ? -1 : piece;
            at += chars;
        }
        MergeQueue queue = new MergeQueue(n);
        for (int i = 1; i < n; i++) {
            offer(text, queue, start, length, i - 1, i);
        }
        while (!queue.isEmpty()) {
            int left = (int) queue.topKey();
            int right = (int) (queue.topValue() >>> 32);
            int chars = (int) queue.topValue();
            queue.pop();
            // Symbols only grow, so the pair is as offered iff both are alive, adjacent, and
            // their lengths still add up to the length it had.
            if (length[left] == 0 || length[right] == 0 || next[left] != right
                    || length[left] + length[right] != chars) {
                continue;
            }
            int piece = pieces.get(text.substring(start[left], start[left] + chars));
            length[left] += length[right];
            length[right] = 0;
            id[left] = piece;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            offer(text, queue, start, length, prev[left], left);
            offer(text, queue, start, length, left, next[left]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            if (id[i] >= 0) {
                out.add(id[i]);
                continue;
            }
            byte[] bytes = text.substring(start[i], start[i] + length[i]).getBytes(StandardCharsets.UTF_8);
            for (byte b : bytes) {
                int token = byteTokens[b & 0xFF];
                if (token < 0) {
                    throw new TokenizerException(source + ": byte 0x" + hex(b & 0xFF)
                            + " has no token and the vocabulary has no unknown token");
                }
                out.add(token);
            }
        }
    }

    /** Queues the merge of adjacent symbols {@code left} and {@code right} if it forms a piece. */
    private void offer(String text, MergeQueue queue, int[] start, int[] length, int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        int chars = length[left] + length[right];
        if (chars > maxPieceChars) {
            return;
        }
        Integer piece = pieces.get(text.substring(start[left], start[left] + chars));
        if (piece == null) {
            return;
        }
        // Highest score first, then leftmost: the score's order-preserving int bits, inverted.
        int bits = Float.floatToIntBits(scores[piece] + 0.0f);
        int ordered = bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
        queue.push(((long) ~ordered << 32) | left, ((long) right << 32) | chars);
    }
}
