package dev.attnc.compiler.gpt2;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.codegen.tornadovm.DecoderDeviceRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * samples/gpt2 on a real TornadoVM device, when an SDK is installed ({@code TORNADOVM_HOME} with its
 * {@code tornado-argfile}): a small random checkpoint in Hugging Face's layout ({@link Gpt2Checkpoint},
 * {@code transformer.}-prefixed names), a prompt of 12 ids prefilled and 20 tokens decoded greedily by
 * {@code DecoderDeviceRunner} in a JVM started with the argfile, against the JVM backend (same
 * tokens, logits within 1e-4 of the largest). The seed gives 6 different tokens and no near tie (the
 * float64 reference's top logit leads by more than 1e-2 at every step). Skipped with a message
 * without an SDK (CI); the kernels are checked on the JVM stand-in by {@link TornadoGpt2SampleTest}.
 */
class TornadoGpt2DeviceTest {

    @Test
    void gpt2GeneratesOnTheDeviceAsOnTheJvm(@TempDir Path scratch) throws Exception {
        String home = System.getenv("TORNADOVM_HOME");
        Path argfile = home == null ? null : Path.of(home, "tornado-argfile");
        Assumptions.assumeTrue(argfile != null && Files.isRegularFile(argfile),
                "no TornadoVM SDK (TORNADOVM_HOME with a tornado-argfile): not run on a device");
        RefByteBpe vocabulary = new RefByteBpe(List.of("Ġ t", "h e", "Ġt he"));
        Gpt2Reference.Config c = new Gpt2Reference.Config(64, 4, 2, 64, vocabulary.tokens.size(), 256, 1e-5);
        Map<String, Gpt2Checkpoint.Tensor> weights = Gpt2Checkpoint.randomWeights(c, vocabulary, true, 15);
        Path folder = Files.createDirectories(scratch.resolve("gpt2"));
        Path checkpoint = Gpt2Checkpoint.write(folder, c, false, weights, vocabulary, Gpt2Checkpoint.Layout.PREFIXED_BF16);
        String ids = IntStream.of(vocabulary.encode("the cat sat on the mat")).limit(12).mapToObj(Integer::toString)
                .collect(Collectors.joining(","));
        DecoderDeviceRunner.fork(argfile, scratch, "gpt2", 15, Repo.path("samples/gpt2/gpt2.attn").toString(), checkpoint.toString(),
                "--ids", ids, "--steps", "20");
    }
}
