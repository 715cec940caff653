package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.Model;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The on-disk cache of compiled model classes ({@link ClassCache}) as {@link InMemoryJavac}
 * uses it: a second compile of the same model skips javac and gives the same bytes; an entry
 * whose sources differ, or whose class is damaged, is compiled again; at most a bounded number
 * of entries stay; eviction never follows a link out of the folder; the environment picks the
 * folder or turns the cache off.
 */
class ClassCacheTest {
    private static final String MODEL = """
            model Tiny {
              dim T <= 16
              input x : float[T, 8]
              param proj : linear(8, 8)
              y = softmax(proj(x))
              output y
            }
            """;

    @AfterEach
    void off() {
        ClassCache.enable(null);
    }

    private static JavaFile generated(String text) {
        SourceFile source = new SourceFile("tiny.attn", text);
        FrontEnd.Result result = FrontEnd.check(source);
        assertTrue(result.ok(), result.diagnostics().render());
        return JvmBackend.generate(result.models().get(0), source, JvmBackend.Options.defaults()).file();
    }

    private static InMemoryJavac.Result compile(JavaFile file) {
        return InMemoryJavac.compile(List.of(file), List.of(Model.class));
    }

    private static List<Path> entries(Path folder) throws IOException {
        try (Stream<Path> all = Files.list(folder)) {
            return all.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).toList();
        }
    }

    @Test
    void aSecondCompileSkipsJavacAndGivesTheSameBytes(@TempDir Path folder) throws IOException {
        ClassCache.enable(folder);
        JavaFile file = generated(MODEL);
        int before = InMemoryJavac.JAVAC_RUNS.get();
        InMemoryJavac.Result first = compile(file);
        assertEquals(before + 1, InMemoryJavac.JAVAC_RUNS.get());
        assertEquals(1, entries(folder).size(), "one entry written");
        InMemoryJavac.Result second = compile(file);
        assertEquals(before + 1, InMemoryJavac.JAVAC_RUNS.get(), "the second compile ran javac");
        assertEquals(first.bytes().keySet(), second.bytes().keySet());
        for (Map.Entry<String, byte[]> type : first.bytes().entrySet()) {
            assertArrayEquals(type.getValue(), second.bytes().get(type.getKey()), type.getKey());
        }
        String name = "attnc.models.Tiny";
        assertTrue(Model.class.isAssignableFrom(second.classes().get(name)), "the cached class loads as a Model");
        // Another model is another entry.
        compile(generated(MODEL.replace("softmax(proj(x))", "proj(x)")));
        assertEquals(before + 2, InMemoryJavac.JAVAC_RUNS.get());
        assertEquals(2, entries(folder).size());
    }

    @Test
    void anEntryWhoseSourcesDifferIsAMiss(@TempDir Path folder) throws IOException {
        ClassCache.enable(folder);
        JavaFile file = generated(MODEL);
        compile(file);
        Path entry = entries(folder).get(0);
        Files.writeString(entry.resolve("source.java"), "// not the model\n", StandardCharsets.UTF_8);
        int before = InMemoryJavac.JAVAC_RUNS.get();
        compile(file);
        assertEquals(before + 1, InMemoryJavac.JAVAC_RUNS.get(), "a key match whose sources differ must compile");
    }

    @Test
    void aDamagedClassIsCompiledAgainAndReplaced(@TempDir Path folder) throws IOException {
        ClassCache.enable(folder);
        JavaFile file = generated(MODEL);
        InMemoryJavac.Result first = compile(file);
        Path entry = entries(folder).get(0);
        Files.write(entry.resolve("attnc.models.Tiny.class"), new byte[] {1, 2, 3});
        int before = InMemoryJavac.JAVAC_RUNS.get();
        InMemoryJavac.Result again = compile(file);
        assertEquals(before + 1, InMemoryJavac.JAVAC_RUNS.get());
        assertTrue(Model.class.isAssignableFrom(again.classes().get("attnc.models.Tiny")));
        // The damaged entry was dropped and written anew: the next compile is a hit.
        compile(file);
        assertEquals(before + 1, InMemoryJavac.JAVAC_RUNS.get());
        assertArrayEquals(first.bytes().get("attnc.models.Tiny"), Files.readAllBytes(entries(folder).get(0).resolve("attnc.models.Tiny.class")));
    }

    @Test
    void offWritesNothing(@TempDir Path folder) throws IOException {
        ClassCache.enable(null);
        compile(generated(MODEL));
        try (Stream<Path> all = Files.list(folder)) {
            assertEquals(0, all.count());
        }
    }

    @Test
    void evictionKeepsTheMostRecentAndFollowsNoLink(@TempDir Path scratch) throws IOException {
        Path folder = Files.createDirectories(scratch.resolve("cache"));
        Path outside = Files.createDirectories(scratch.resolve("outside"));
        Path precious = Files.writeString(outside.resolve("keep.txt"), "not the cache's");
        for (int i = 0; i < 5; i++) {
            Path entry = Files.createDirectories(folder.resolve(String.format("%064x", i)));
            Files.writeString(entry.resolve("source.java"), "entry " + i);
            Files.setLastModifiedTime(entry, FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        Files.createSymbolicLink(folder.resolve("f".repeat(64)), outside);
        ClassCache.evictBeyond(folder, 2);
        List<String> left = entries(folder).stream().map(p -> p.getFileName().toString()).sorted().toList();
        assertEquals(List.of(String.format("%064x", 3), String.format("%064x", 4), "f".repeat(64)), left);
        assertTrue(Files.exists(precious), "eviction deleted a file outside the cache through a link");
    }

    @Test
    void theEnvironmentPicksTheFolder() {
        assertEquals(Optional.of(Path.of("/c/attnc")), ClassCache.defaultFolder(Map.of("XDG_CACHE_HOME", "/c"), "/home/u"));
        assertEquals(Optional.of(Path.of("/home/u/.cache/attnc")), ClassCache.defaultFolder(Map.of(), "/home/u"));
        assertEquals(Optional.of(Path.of("/x")), ClassCache.defaultFolder(Map.of("ATTNC_CACHE", "/x", "XDG_CACHE_HOME", "/c"), "/h"));
        assertFalse(ClassCache.defaultFolder(Map.of("ATTNC_CACHE", "off"), "/h").isPresent());
        assertFalse(ClassCache.defaultFolder(Map.of(), null).isPresent());
    }
}
