package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.SafetensorsFile;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every sample on a real TornadoVM device, when an SDK is installed ({@code TORNADOVM_HOME} with
 * its {@code tornado-argfile}): {@code attnc run --backend tornadovm} in a JVM started with the
 * argfile, as docs/tornadovm.md says, against {@code --backend jvm} with the same seed, within
 * 1e-4 of the output's largest value. Without an SDK (CI) every case is skipped with a message
 * saying so; the same kernels are checked on the JVM by {@link TornadoSamplesTest}.
 */
class TornadoDeviceTest {

    @TestFactory
    Stream<DynamicTest> everySampleRunsOnATornadoVmDevice(@TempDir Path scratch) {
        String home = System.getenv("TORNADOVM_HOME");
        Path argfile = home == null ? null : Path.of(home, "tornado-argfile");
        return Repo.samples().stream()
                .filter(path -> !path.getFileName().toString().equals("minilm.attn")) // needs its published weights: `embed`
                .map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
                    Assumptions.assumeTrue(argfile != null && Files.isRegularFile(argfile),
                            "no TornadoVM SDK (TORNADOVM_HOME with a tornado-argfile): not run on a device");
                    Path device = scratch.resolve(path.getFileName() + ".tornadovm.safetensors");
                    Path jvm = scratch.resolve(path.getFileName() + ".jvm.safetensors");
                    long started = System.nanoTime();
                    run(argfile, scratch, path, "tornadovm", device);
                    double seconds = (System.nanoTime() - started) / 1e9;
                    run(argfile, scratch, path, "jvm", jvm);
                    try (SafetensorsFile onDevice = SafetensorsFile.open(device); SafetensorsFile onJvm = SafetensorsFile.open(jvm)) {
                        assertEquals(onJvm.names(), onDevice.names(), path + ": outputs");
                        for (String name : onJvm.names()) {
                            float[] expected = onJvm.tensor(name).floatData();
                            float[] actual = onDevice.tensor(name).floatData();
                            double scale = 0;
                            double error = 0;
                            for (int i = 0; i < expected.length; i++) {
                                scale = Math.max(scale, Math.abs(expected[i]));
                                error = Math.max(error, Math.abs((double) expected[i] - actual[i]));
                            }
                            System.out.printf("%s output %s on the device: max abs error %.2g, relative to the largest value %.2g"
                                    + " (attnc run --backend tornadovm took %.1f s)%n", path.getFileName(), name, error, error / scale, seconds);
                            assertTrue(error <= 1e-4 * scale, path + " output " + name + ": max error " + error
                                    + " against the JVM backend, scale " + scale);
                        }
                    }
                }));
    }

    /** {@code attnc run FILE --backend B --out OUT} in a JVM started with TornadoVM's argfile. */
    private static void run(Path argfile, Path scratch, Path sample, String backend, Path out)
            throws IOException, InterruptedException {
        Path classes = scratch.resolve("tornado-classes");
        Files.createDirectories(classes); // before the JVM starts, or it never searches it
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "@" + argfile, "-Dtornado.recover.bailout=False",
                "-Dattnc.tornado.classes=" + classes,
                "-cp", classes + File.pathSeparator + System.getProperty("java.class.path"),
                "dev.attnc.compiler.cli.Main", "run", sample.toString(), "--backend", backend, "--out", out.toString()));
        Path log = scratch.resolve(sample.getFileName() + "." + backend + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = process.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(finished && process.exitValue() == 0, sample + " --backend " + backend + " failed:\n" + output);
        if (backend.equals("tornadovm")) {
            assertTrue(output.contains("TornadoVM backend on TornadoVM's default device"), sample + ": not on a device:\n" + output);
        }
    }
}
