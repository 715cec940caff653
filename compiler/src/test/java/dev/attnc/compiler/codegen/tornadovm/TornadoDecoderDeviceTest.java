package dev.attnc.compiler.codegen.tornadovm;

import dev.attnc.compiler.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * samples/llama on a real TornadoVM device, when an SDK is installed ({@code TORNADOVM_HOME} with
 * its {@code tornado-argfile}): the stories260K files of {@code ../shared/models}, F32 and Q8_0
 * (read as float32 by the TornadoVM backend), prefilled with "Once upon a time" and decoded
 * greedily for 40 tokens by {@link DecoderDeviceRunner} in a JVM started with the argfile; the
 * tokens must be the JVM backend's and every row of logits within 1e-4 of the largest. Skipped,
 * saying what is missing, without an SDK (CI) or the files; the same kernels are checked on the
 * JVM stand-in by {@code TornadoStoriesTest}. samples/gpt2's device check is {@code TornadoGpt2DeviceTest}.
 */
class TornadoDecoderDeviceTest {

    /** {@code $TORNADOVM_HOME/tornado-argfile}; the test is skipped, saying so, without it. */
    public static Path argfile() {
        String home = System.getenv("TORNADOVM_HOME");
        Path argfile = home == null ? null : Path.of(home, "tornado-argfile");
        Assumptions.assumeTrue(argfile != null && Files.isRegularFile(argfile),
                "no TornadoVM SDK (TORNADOVM_HOME with a tornado-argfile): not run on a device");
        return argfile;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32.gguf", "stories260K-q8_0.gguf"})
    void storiesGenerateOnTheDeviceAsOnTheJvm(String file, @TempDir Path scratch) throws Exception {
        Path argfile = argfile();
        Path weights = Repo.sharedModel(file);
        DecoderDeviceRunner.fork(argfile, scratch, file, 15, Repo.path("samples/llama/llama.attn").toString(), weights.toString(),
                "--prompt", "Once upon a time", "--steps", "40");
    }
}
