package dev.attnc.runtime.text;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What both tokenizers share: the checked vocabulary, special tokens found as whole strings in the
 * text, BOS, the length limit, and decoding through the bytes of each token.
 */
abstract class AbstractTokenizer implements Tokenizer {
    /** Names the vocabulary in messages ("GGUF vocabulary", "tokenizer.json"). */
    final String source;
    final String[] tokens;
    final TokenType[] types;
    /** Every token by its string. */
    final Map<String, Integer> ids;
    /** The bytes each token decodes to (shared, never handed out). */
    final byte[][] pieceBytes;
    final int bosId;
    final int eosId;
    final boolean addBosByDefault;
    final int maxTextChars;
    /** User-defined tokens, always kept whole. */
    private final SpecialTokenMatcher userDefined = new SpecialTokenMatcher();
    /** User-defined, control and unknown tokens, kept whole when special tokens are parsed. */
    private final SpecialTokenMatcher allSpecial = new SpecialTokenMatcher();

    AbstractTokenizer(String source, List<String> tokenList, TokenType[] types, int bosId, int eosId,
            boolean addBosByDefault, int maxTextChars) {
        this.source = source;
        if (tokenList.isEmpty()) {
            throw new TokenizerException(source + ": the vocabulary is empty");
        }
        this.tokens = tokenList.toArray(new String[0]);
        this.types = types;
        this.ids = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] == null) {
                throw new TokenizerException(source + ": token " + id + " has no text");
            }
            Integer previous = ids.putIfAbsent(tokens[id], id);
            if (previous != null) {
                throw new TokenizerException(source + ": the vocabulary has \"" + printable(tokens[id]) + "\" twice, as ids "
                        + previous + " and " + id);
            }
        }
        this.bosId = checkSpecialId(bosId, "BOS");
        this.eosId = checkSpecialId(eosId, "EOS");
        this.addBosByDefault = addBosByDefault && bosId >= 0;
        if (maxTextChars <= 0) {
            throw new IllegalArgumentException("maxTextChars " + maxTextChars + " is not positive");
        }
        this.maxTextChars = maxTextChars;
        this.pieceBytes = new byte[tokens.length][];
        for (int id = 0; id < tokens.length; id++) {
            switch (types[id]) {
                case USER_DEFINED -> {
                    userDefined.add(tokens[id], id);
                    allSpecial.add(tokens[id], id);
                }
                case CONTROL, UNKNOWN -> allSpecial.add(tokens[id], id);
                default -> {
                }
            }
        }
    }

    /** The vocabulary size checked against an array of per-token values (scores, types). */
    static void checkLength(String source, String what, int length, int tokens) {
        if (length != tokens) {
            throw new TokenizerException(source + ": " + length + " " + what + " for " + tokens + " tokens");
        }
    }

    /** Token types from GGUF codes (all normal when absent). */
    static TokenType[] types(String source, int[] codes, int count) {
        TokenType[] types = new TokenType[count];
        if (codes == null) {
            Arrays.fill(types, TokenType.NORMAL);
            return types;
        }
        checkLength(source, "token types", codes.length, count);
        for (int id = 0; id < count; id++) {
            types[id] = TokenType.ofCode(codes[id], source + ": token " + id);
        }
        return types;
    }

    private int checkSpecialId(int id, String what) {
        if (id < -1 || id >= tokens.length) {
            throw new TokenizerException(source + ": the " + what + " token id " + id + " is outside the vocabulary (0.."
                    + (tokens.length - 1) + ")");
        }
        return id;
    }

    /** A token for messages: control characters escaped, long ones cut. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(40).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return text.codePointCount(0, text.length()) > 40 ? out + "..." : out.toString();
    }

    /** Sets the bytes token {@code id} decodes to (constructors call this once per token). */
    final void setPieceBytes(int id, byte[] bytes) {
        pieceBytes[id] = bytes;
    }

    /**
     * Encodes one fragment of text between special tokens. {@code afterSpecial} is true for the
     * first fragment and for one that follows a special token.
     */
    abstract void encodeFragment(String fragment, boolean afterSpecial, IntList out);

    /** Whether decoding drops the leading space of the first token with text. */
    abstract boolean dropsLeadingSpace();

    @Override
    public final int[] encode(String text, boolean addBos, boolean parseSpecial) {
        if (text == null) {
            throw new NullPointerException("text");
        }
        if (text.length() > maxTextChars) {
            throw new TokenizerException("the text has " + text.length() + " chars, more than the limit of " + maxTextChars
                    + " for one encode call; split it");
        }
        text = withoutLoneSurrogates(text);
        IntList out = new IntList(text.length() / 3 + 2);
        if (addBos) {
            if (bosId < 0) {
                throw new TokenizerException(source + ": BOS was asked for but the vocabulary has no BOS token");
            }
            out.add(bosId);
        }
        SpecialTokenMatcher specials = parseSpecial ? allSpecial : userDefined;
        if (specials.isEmpty()) {
            if (!text.isEmpty()) {
                encodeFragment(text, true, out);
            }
            return out.toArray();
        }
        boolean afterSpecial = true;
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            SpecialTokenMatcher.Match m = specials.match(text, i);
            if (m == null) {
                i++;
                continue;
            }
            if (i > start) {
                encodeFragment(text.substring(start, i), afterSpecial, out);
            }
            out.add(m.id());
            afterSpecial = true;
            i += m.length();
            start = i;
        }
        if (start < text.length()) {
            encodeFragment(text.substring(start), afterSpecial, out);
        }
        return out.toArray();
    }

    /** The text with each unpaired surrogate (not UTF-16, not encodable as UTF-8) replaced by U+FFFD. */
    static String withoutLoneSurrogates(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean lone = false;
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    if (out != null) {
                        out.append(c).append(text.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
                lone = true;
            } else if (Character.isLowSurrogate(c)) {
                lone = true;
            }
            if (lone && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                out.append(lone ? '\uFFFD' : c);
            }
        }
        return out == null ? text : out.toString();
    }

    final int checkId(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new TokenizerException("token id " + id + " is outside the vocabulary (0.." + (tokens.length - 1) + ")");
        }
        return id;
    }

    /** The bytes of token {@code id}, not copied. */
    final byte[] pieceBytes(int id) {
        return pieceBytes[checkId(id)];
    }

    @Override
    public final String decode(int[] ids) {
        int total = 0;
        for (int id : ids) {
            total = Math.addExact(total, pieceBytes(id).length);
        }
        byte[] bytes = new byte[total];
        int n = 0;
        boolean dropSpace = dropsLeadingSpace();
        for (int id : ids) {
            byte[] piece = pieceBytes[id];
            int from = 0;
            if (dropSpace && piece.length > 0) {
                dropSpace = false;
                from = piece[0] == ' ' ? 1 : 0;
            }
            System.arraycopy(piece, from, bytes, n, piece.length - from);
            n += piece.length - from;
        }
        // One decoder over all the bytes gives what the stream decoder gives token by token.
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes, 0, n))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder reported " + e, e);
        }
    }

    @Override
    public final byte[] tokenBytes(int id) {
        return pieceBytes(id).clone();
    }

    @Override
    public final StreamDecoder streamDecoder(boolean atStartOfText) {
        return new StreamDecoder(this, atStartOfText && dropsLeadingSpace());
    }

    @Override
    public final int vocabularySize() {
        return tokens.length;
    }

    @Override
    public final String token(int id) {
        return tokens[checkId(id)];
    }

    @Override
    public final TokenType tokenType(int id) {
        return types[checkId(id)];
    }

    @Override
    public final int bosId() {
        return bosId;
    }

    @Override
    public final int eosId() {
        return eosId;
    }

    @Override
    public final boolean addsBosByDefault() {
        return addBosByDefault;
    }

    @Override
    public final int maxTextChars() {
        return maxTextChars;
    }
}
