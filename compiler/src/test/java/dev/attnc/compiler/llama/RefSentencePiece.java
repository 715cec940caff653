package dev.attnc.compiler.llama;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain SentencePiece BPE encoder and decoder for tests, from a GGUF vocabulary (tokens,
 * scores, token types), independent of attnc's tokenizer. Encoding: a space before the text,
 * every space as U+2581, the text split into characters, then again and again the adjacent pair
 * whose joined piece is in the vocabulary with the best score merged (the leftmost on equal
 * scores); a piece left outside the vocabulary becomes its UTF-8 bytes as {@code <0xXX>} tokens.
 */
final class RefSentencePiece {
    private static final String SPACE = "\u2581";
    private static final int TYPE_NORMAL = 1;
    private static final int TYPE_USER_DEFINED = 4;
    private static final int TYPE_BYTE = 6;

    final List<String> tokens;
    private final List<Double> scores;
    private final List<Long> types;
    private final Map<String, Integer> ids = new HashMap<>();
    final int bos;
    final int eos;

    RefSentencePiece(RefGguf file) {
        tokens = file.list("tokenizer.ggml.tokens");
        scores = file.list("tokenizer.ggml.scores");
        types = file.list("tokenizer.ggml.token_type");
        for (int i = 0; i < tokens.size(); i++) {
            if (ids.putIfAbsent(tokens.get(i), i) != null) {
                throw new IllegalStateException("the vocabulary has " + tokens.get(i) + " twice");
            }
        }
        bos = (int) file.integer("tokenizer.ggml.bos_token_id");
        eos = (int) file.integer("tokenizer.ggml.eos_token_id");
    }

    /** BOS, then the pieces of {@code text}. */
    int[] encode(String text) {
        if (text.isEmpty()) {
            return new int[] {bos}; // no space is prefixed to nothing
        }
        String normalized = (" " + text).replace(" ", SPACE);
        List<String> pieces = new ArrayList<>();
        normalized.codePoints().forEach(cp -> pieces.add(new String(Character.toChars(cp))));
        while (true) {
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int i = 0; i + 1 < pieces.size(); i++) {
                Integer id = ids.get(pieces.get(i) + pieces.get(i + 1));
                if (id != null && scores.get(id) > bestScore) {
                    best = i;
                    bestScore = scores.get(id);
                }
            }
            if (best < 0) {
                break;
            }
            pieces.set(best, pieces.get(best) + pieces.remove(best + 1));
        }
        List<Integer> out = new ArrayList<>(List.of(bos));
        for (String piece : pieces) {
            Integer id = ids.get(piece);
            if (id != null) {
                out.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    Integer byteId = ids.get(String.format("<0x%02X>", b & 0xff));
                    if (byteId == null) {
                        throw new IllegalStateException("no byte token for " + (b & 0xff));
                    }
                    out.add(byteId);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The text of generated ids, every space kept: U+2581 is a space, a byte token its byte, control, unknown and unused tokens nothing. */
    String decode(List<Integer> generated) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : generated) {
            String token = tokens.get(id);
            long type = types.get(id);
            if (type == TYPE_BYTE) {
                bytes.write(Integer.parseInt(token.substring(3, 5), 16));
            } else if (type == TYPE_NORMAL || type == TYPE_USER_DEFINED) {
                bytes.writeBytes(token.replace(SPACE, " ").getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
