package dev.attnc.bench;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.embed.Embedder;
import dev.attnc.runtime.text.WordPieceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code ./attnc embed --file} against the same loop in a warm JVM. Two commands:
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.attnc.bench.EmbedFileBench generate sentences.txt 10000 [seed]
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dattnc.threads=2 \
 *     -cp bench/target/benchmarks.jar dev.attnc.bench.EmbedFileBench inprocess sentences.txt [rounds]
 * </pre>
 *
 * {@code generate} writes seeded English-like sentences of mixed lengths (2 to 90 words, most
 * short, about one in eight long), one per line. {@code inprocess} embeds the file's sentences
 * with all-MiniLM-L6-v2 (samples/minilm on the published weights, as {@code attnc embed} runs it:
 * {@link Embedder}, mean pooling, L2 normalisation, truncation at 512 tokens): its first 1,024
 * sentences once to warm up, then all of them {@code rounds} times, and prints the time of each
 * round: the in-process throughput
 * the command's wall time (JVM start, compilation and weight loading included) is compared with.
 */
public final class EmbedFileBench {
    private static final String[] WORDS = ("the a of and to in is was for on with as by at from that this it be are were"
            + " model models sentence sentences vector vectors embedding embeddings search query passage document"
            + " river mountain city train station coffee morning evening winter summer garden window kitchen"
            + " quickly slowly carefully suddenly quietly people teacher student doctor engineer farmer artist"
            + " computer network language compiler attention layer token batch matrix memory thread engine"
            + " walked talked wrote built found opened closed measured compared learned explained discovered"
            + " blue green small large ancient modern bright heavy simple difficult important different").split(" ");

    private EmbedFileBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length >= 3 && args[0].equals("generate")) {
            long seed = args.length > 3 ? Long.parseLong(args[3]) : 16;
            Files.write(Path.of(args[1]), sentences(Integer.parseInt(args[2]), seed), StandardCharsets.UTF_8);
        } else if (args.length >= 2 && args[0].equals("inprocess")) {
            inProcess(Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8), args.length > 2 ? Integer.parseInt(args[2]) : 2);
        } else {
            System.err.println("usage: EmbedFileBench generate FILE COUNT [SEED] | inprocess FILE [ROUNDS]");
            System.exit(2);
        }
    }

    /** {@code count} sentences: mostly 2 to 30 words, about one in eight 30 to 90. */
    public static List<String> sentences(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> sentences = new ArrayList<>(count);
        for (int s = 0; s < count; s++) {
            int words = random.nextInt(8) == 0 ? 30 + random.nextInt(61) : 2 + random.nextInt(29);
            StringBuilder line = new StringBuilder();
            for (int w = 0; w < words; w++) {
                String word = WORDS[random.nextInt(WORDS.length)];
                line.append(w == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : " " + word);
            }
            sentences.add(line.append('.').toString());
        }
        return sentences;
    }

    static void inProcess(List<String> sentences, int rounds) {
        long started = System.nanoTime();
        Model model = MiniLmBatchBench.attnc(MiniLmBatchBench.onnxBytes());
        WordPieceTokenizer tokenizer;
        try (InputStream in = EmbedFileBench.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            tokenizer = WordPieceTokenizer.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), "tokenizer.json")
                    .withMaxLength(512);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Embedder embedder = Embedder.builder().model(model).tokenizer(tokenizer).build();
        System.out.printf(Locale.ROOT, "compiled and loaded in %.1f s%n", (System.nanoTime() - started) / 1e9);
        for (int round = 0; round <= rounds; round++) {
            List<String> these = round == 0 ? sentences.subList(0, Math.min(1024, sentences.size())) : sentences;
            long start = System.nanoTime();
            int tokens = 0;
            // As the command reads its file: 1,024 lines at a time.
            for (int from = 0; from < these.size(); from += 1024) {
                for (Embedder.Embedded e : embedder.embed(these.subList(from, Math.min(these.size(), from + 1024)))) {
                    tokens += e.tokens();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "%s: %d sentences (%d tokens) in %.1f s, %.1f sentences/s%n",
                    round == 0 ? "warm-up" : "round " + round, these.size(), tokens, seconds, these.size() / seconds);
        }
    }
}
