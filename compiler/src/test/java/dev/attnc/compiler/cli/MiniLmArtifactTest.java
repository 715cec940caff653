package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** embed looks for the model jar where the Maven it starts would put it. */
class MiniLmArtifactTest {
    @Test
    void mavenOptsRepositoryIsHonoured() {
        assertEquals(Path.of("/tmp/repo-a"), MiniLmArtifact.localRepository(null, "-Xmx1g -Dmaven.repo.local=/tmp/repo-a"));
        assertEquals(Path.of("/tmp/repo-b"), MiniLmArtifact.localRepository(null, "-Dmaven.repo.local=/tmp/repo-a -Dmaven.repo.local=/tmp/repo-b"));
        assertEquals(Path.of("/tmp/prop"), MiniLmArtifact.localRepository("/tmp/prop", "-Dmaven.repo.local=/tmp/repo-a"));
    }

    @Test
    void otherMavenOptsFallBackToTheDefault() {
        Path fallback = MiniLmArtifact.localRepository(null, null);
        assertEquals(fallback, MiniLmArtifact.localRepository(null, "-Xmx1g -Dother.maven.repo.local=/tmp/x"));
    }
}
