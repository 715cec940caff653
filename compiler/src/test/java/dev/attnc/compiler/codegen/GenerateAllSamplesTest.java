package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.attnc.compiler.Repo;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every sample compiles to Java that javac accepts without a single warning. */
class GenerateAllSamplesTest {
    @TestFactory
    Stream<DynamicTest> everySampleCompiles() {
        return Repo.samples().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
            String name = path.getParent().getFileName().toString();
            Compiled compiled = Compiled.sample(name);
            assertNotNull(compiled.type);
        }));
    }
}
