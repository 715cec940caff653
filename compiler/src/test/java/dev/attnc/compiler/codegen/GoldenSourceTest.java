package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.compiler.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated source of two samples, pinned: a change to code generation shows up here as
 * a diff a reviewer reads. Run with -Dgolden.update=true to rewrite the files after a change
 * you meant (then read the diff before committing).
 */
class GoldenSourceTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_block", "llama_block"})
    void generatedSourceMatchesItsGoldenFile(String sample) throws IOException {
        String source = Compiled.sample(sample).source();
        Path golden = Repo.path("compiler/src/test/resources/golden/jvm/" + sample + ".java.txt");
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, source);
            return;
        }
        if (!Files.exists(golden)) {
            fail("no golden file at " + golden + "; run with -Dgolden.update=true to create it");
        }
        assertEquals(Files.readString(golden), source, "generated source of " + sample + " differs from " + golden);
    }
}
