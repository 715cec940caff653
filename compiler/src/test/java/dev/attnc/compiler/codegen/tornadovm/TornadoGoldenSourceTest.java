package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.compiler.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The generated TornadoVM source of two samples, pinned (-Dgolden.update=true rewrites them). */
class TornadoGoldenSourceTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_block", "llama_block"})
    void generatedSourceMatchesItsGoldenFile(String sample) throws IOException {
        String source = TornadoCompiled.sample(sample).source();
        Path golden = Repo.path("compiler/src/test/resources/golden/tornadovm/" + sample + ".java.txt");
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, source);
            return;
        }
        if (!Files.exists(golden)) {
            fail("no golden file at " + golden + "; run with -Dgolden.update=true to create it");
        }
        assertEquals(Files.readString(golden), source, "generated TornadoVM source of " + sample + " differs from " + golden);
    }
}
