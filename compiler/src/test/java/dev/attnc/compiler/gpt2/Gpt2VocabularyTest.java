package dev.attnc.compiler.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attnc generate} with GPT-2's own 50,257-token vocabulary: a tokenizer.json built from
 * the r50k ranks jtokkit bundles (GPT-2's token bytes; ids are ranks) beside a small random
 * GPT-2 with that vocabulary. The reference is jtokkit for the text (encode the prompt, decode
 * the tokens) and {@link Gpt2Reference} for the greedy tokens, so the printed text matches only
 * if generate's tokenizer gives the prompt jtokkit's ids and turns the tokens back into text as
 * jtokkit does.
 *
 * <p>tokenizer.json needs GPT-2's merges, which jtokkit does not hold; they follow from the
 * ranks: tiktoken merges the adjacent pair whose concatenation has the lowest rank, so running
 * that rule on a token's own bytes with the tokens ranked below it leaves the two parts whose
 * merge makes it (merge r - 256 for token r).
 */
class Gpt2VocabularyTest {
    private static final int END_OF_TEXT = 50256;
    /** d 16, 2 heads, 2 layers, 64 positions, GPT-2's vocabulary, MLP 4 d. */
    private static final Gpt2Reference.Config CONFIG = new Gpt2Reference.Config(16, 2, 2, 64, END_OF_TEXT + 1, 64, 1e-5);
    private static final int STEPS = 10;

    /** r50k's tokens by rank, one char per byte. */
    private static List<String> bytesByRank;
    private static Encoding r50k;

    @TempDir
    Path folder;

    @BeforeAll
    static void readR50k() throws IOException {
        r50k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        bytesByRank = new ArrayList<>();
        try (InputStream in = Encoding.class.getResourceAsStream("/com/knuddels/jtokkit/r50k_base.tiktoken")) {
            assertNotNull(in, "r50k_base.tiktoken is not in the jtokkit jar");
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.isBlank()) {
                    String[] fields = line.split(" ");
                    assertEquals(bytesByRank.size(), Integer.parseInt(fields[1]), "r50k ranks run 0, 1, 2, ...");
                    bytesByRank.add(new String(Base64.getDecoder().decode(fields[0]), StandardCharsets.ISO_8859_1));
                }
            }
        }
        assertEquals(END_OF_TEXT, bytesByRank.size());
    }

    /** A token's bytes in GPT-2's byte-to-unicode alphabet, as tokenizer.json writes it. */
    private static String mapped(String bytes) {
        char[] alphabet = RefByteBpe.alphabet();
        StringBuilder text = new StringBuilder();
        for (char b : bytes.toCharArray()) {
            text.append(alphabet[b]);
        }
        return text.toString();
    }

    /** GPT-2's merges, "left right" in the byte alphabet by rank, recovered from the ranks (see the class comment). */
    private static List<String> merges() {
        Map<String, Integer> rank = new HashMap<>();
        for (int r = 0; r < bytesByRank.size(); r++) {
            rank.put(bytesByRank.get(r), r);
        }
        List<String> merges = new ArrayList<>();
        for (int r = 256; r < bytesByRank.size(); r++) {
            List<String> parts = new ArrayList<>();
            for (char b : bytesByRank.get(r).toCharArray()) {
                parts.add(String.valueOf(b));
            }
            while (parts.size() > 2) {
                int best = -1;
                int bestRank = r;
                for (int i = 0; i + 1 < parts.size(); i++) {
                    Integer pair = rank.get(parts.get(i) + parts.get(i + 1));
                    if (pair != null && pair < bestRank) {
                        best = i;
                        bestRank = pair;
                    }
                }
                assertTrue(best >= 0, "token " + r + " is not built from tokens ranked below it");
                parts.set(best, parts.get(best) + parts.remove(best + 1));
            }
            merges.add(mapped(parts.get(0)) + " " + mapped(parts.get(1)));
        }
        return merges;
    }

    @Test
    void generatePrintsTheReferenceTextWithGpt2sVocabulary() throws IOException {
        List<String> tokens = new ArrayList<>();
        bytesByRank.forEach(bytes -> tokens.add(mapped(bytes)));
        tokens.add(RefByteBpe.END_OF_TEXT);
        List<String> merges = merges();
        assertEquals(50000, merges.size(), "GPT-2 has 50,000 merges");
        // Rows of full size for tokens of printable ASCII only, so the greedy text is printable (see Gpt2Checkpoint).
        Map<String, Gpt2Checkpoint.Tensor> weights = Gpt2Checkpoint.randomWeights(CONFIG,
                id -> id < END_OF_TEXT && bytesByRank.get(id).chars().allMatch(b -> b >= 0x20 && b <= 0x7E), false, 3);
        Path checkpoint = Gpt2Checkpoint.write(folder, CONFIG, false, weights, Gpt2Checkpoint.tokenizerJson(tokens, merges),
                END_OF_TEXT, Gpt2Checkpoint.Layout.PLAIN_F32);
        Gpt2Reference reference = new Gpt2Reference(CONFIG, Gpt2Checkpoint.values(weights));

        for (String prompt : List.of("Hello, world! It's a test of GPT-2's tokenizer.",
                "The naïve café owner said: \"don't\" -- 1234 + 5678 =   ?", "  spaces\tand\ttabs, 東京 😀")) {
            int[] ids = r50k.encodeOrdinary(prompt).toArray();
            List<Integer> expected = reference.greedy(ids, STEPS, END_OF_TEXT, 1e-3);
            IntArrayList list = new IntArrayList();
            expected.forEach(list::add);
            String text = r50k.decode(list);
            Gpt2SampleTest.Run run = Gpt2SampleTest.generateWithPrompt(checkpoint, prompt, "--steps", String.valueOf(STEPS));
            assertEquals(0, run.code(), run.err());
            assertEquals(prompt + text + "\n", run.out(), "prompt ids " + java.util.Arrays.toString(ids));
            System.out.printf("%d prompt tokens, then \"%s\"%n", ids.length, text);
        }
    }
}
