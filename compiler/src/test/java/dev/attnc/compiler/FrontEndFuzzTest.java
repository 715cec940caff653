package dev.attnc.compiler;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.compiler.diag.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ten thousand random and mutated variants of the samples through the front end. Anything
 * but diagnostics fails: an exception, or a file taking over two seconds. A failing input is
 * written to target/fuzz-failures/ so it can be replayed with ./attnc check.
 */
class FrontEndFuzzTest {
    private static final int VARIANTS = 10_000;
    private static final long SEED = 20261121L;
    private static final long LIMIT_MILLIS = 2_000;
    private static final Pattern TOKEN = Pattern.compile(
            "\\s+|//[^\\n]*|\"[^\"\\n]*\"|[0-9][0-9_.eE]*|[A-Za-z_][A-Za-z_0-9]*|<=|>=|==|!=|&&|\\|\\||.", Pattern.DOTALL);
    private static final String[] INTERESTING = {
        "(", ")", "[", "]", "{", "}", ",", "=", ":", ";", "+", "-", "*", "/", "%", "@", "<", "<=", "&&", "||", "!",
        "model", "block", "attention", "const", "dim", "input", "param", "repeat", "as", "output", "return", "from",
        "int", "float", "true", "false", "0", "1", "-1", "3", "768", "99999999999999999999", "1e308", "0.5",
        "T", "D", "H", "x", "q", "k", "v", "s", "i", "j", "h", "causal", "layer", "\"h.{layer}\"", "\"{\"", "\"\"",
        "linear", "layernorm", "rmsnorm", "embedding", "split", "concat", "heads", "rope", "sinusoidal", "softmax",
        "mask", "score", "scale", "softcap", "temperature", "heads =", "kv_heads =", "cache = true", "\"", "/*", "\u0000",
    };

    private static ExecutorService executor;

    @BeforeAll
    static void start() {
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        executor.shutdownNow();
    }

    @Test
    void randomAndMutatedVariantsOnlyEverGiveDiagnostics() throws Exception {
        List<String> samples = new ArrayList<>();
        for (Path sample : Repo.samples()) {
            samples.add(Repo.read(sample));
        }
        assertFalse(samples.isEmpty());
        Random random = new Random(SEED);
        int clean = 0;
        for (int index = 0; index < VARIANTS; index++) {
            String variant = index % 10 == 9 ? randomTokens(random) : mutate(samples.get(random.nextInt(samples.size())), random);
            FrontEnd.Result result = run(index, variant);
            // Rendering every diagnostic exercises the caret code on odd positions too.
            result.diagnostics().render();
            if (!result.diagnostics().hasErrors()) {
                assertFalse(result.models().isEmpty(), "a file without errors yields its models");
                clean++;
            }
        }
        // Some mutations are harmless (a duplicated blank, a changed comment): the checker must accept them.
        assertTrue(clean > 0, "no variant checked clean; the mutations are too destructive to test much");
    }

    private static FrontEnd.Result run(int index, String text) throws Exception {
        long start = System.nanoTime();
        Future<FrontEnd.Result> future = executor.submit(() -> FrontEnd.check(new SourceFile("fuzz" + index + ".attn", text)));
        try {
            FrontEnd.Result result = future.get(LIMIT_MILLIS, TimeUnit.MILLISECONDS);
            return result;
        } catch (TimeoutException e) {
            future.cancel(true);
            Path saved = save(index, text);
            fail("variant " + index + " took over " + LIMIT_MILLIS + " ms; saved to " + saved);
        } catch (ExecutionException e) {
            Path saved = save(index, text);
            throw new AssertionError("variant " + index + " threw instead of reporting; saved to " + saved, e.getCause());
        } finally {
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (millis > LIMIT_MILLIS) {
                fail("variant " + index + " took " + millis + " ms; saved to " + save(index, text));
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /** One to four edits of a sample, at token, character or line level. */
    static String mutate(String sample, Random random) {
        List<String> tokens = tokens(sample);
        int edits = 1 + random.nextInt(4);
        for (int edit = 0; edit < edits && !tokens.isEmpty(); edit++) {
            int at = random.nextInt(tokens.size());
            switch (random.nextInt(9)) {
                case 0 -> tokens.remove(at);
                case 1 -> tokens.add(at, tokens.get(random.nextInt(tokens.size())));
                case 2 -> tokens.set(at, INTERESTING[random.nextInt(INTERESTING.length)]);
                case 3 -> tokens.add(at, " " + INTERESTING[random.nextInt(INTERESTING.length)] + " ");
                case 4 -> {
                    int other = random.nextInt(tokens.size());
                    String swap = tokens.get(at);
                    tokens.set(at, tokens.get(other));
                    tokens.set(other, swap);
                }
                case 5 -> tokens.set(at, Integer.toString(random.nextInt(2000) - 10));
                case 6 -> {
                    String joined = String.join("", tokens);
                    int cut = random.nextInt(joined.length() + 1);
                    tokens = tokens(joined.substring(0, cut));
                }
                case 7 -> {
                    String joined = String.join("", tokens);
                    StringBuilder chars = new StringBuilder(joined);
                    int position = random.nextInt(chars.length() + 1);
                    chars.insert(position, (char) random.nextInt(0x80));
                    tokens = tokens(chars.toString());
                }
                default -> {
                    List<String> lines = new ArrayList<>(List.of(String.join("", tokens).split("\n", -1)));
                    int line = random.nextInt(lines.size());
                    if (random.nextBoolean()) {
                        lines.remove(line);
                    } else {
                        lines.add(random.nextInt(lines.size() + 1), lines.get(line));
                    }
                    tokens = tokens(String.join("\n", lines));
                }
            }
        }
        return String.join("", tokens);
    }

    /** A few dozen tokens drawn from the language's own vocabulary, so the parser goes deep. */
    static String randomTokens(Random random) {
        StringBuilder out = new StringBuilder(random.nextBoolean() ? "model M {\n" : "");
        int count = 5 + random.nextInt(80);
        for (int index = 0; index < count; index++) {
            out.append(INTERESTING[random.nextInt(INTERESTING.length)]).append(random.nextInt(5) == 0 ? "\n" : " ");
        }
        return out.toString();
    }

    private static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher matcher = TOKEN.matcher(text);
        while (matcher.find()) {
            tokens.add(matcher.group());
        }
        return tokens;
    }

    private static Path save(int index, String text) {
        try {
            Path dir = Path.of("target", "fuzz-failures");
            Files.createDirectories(dir);
            Path file = dir.resolve("variant-" + index + ".attn");
            Files.writeString(file, text);
            return file.toAbsolutePath();
        } catch (IOException e) {
            return Path.of("(could not save: " + e.getMessage() + ")");
        }
    }
}
