package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import dev.attnc.runtime.weights.SafetensorsFile;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real-device corpus ({@code compiler/src/test/resources/tornado-corpus}, see
 * {@link DeviceCorpus}): small models that are not the samples, each run through the
 * TornadoVM backend and compared with the JVM backend's class on the same seeded random weights
 * ({@code RandomWeights(7)}) and inputs, output by output, within the file's tolerance of the
 * output's largest value (1e-4 unless the file says otherwise; 1e-5 for the long-position files,
 * where the issue asks for exact positions). The JVM backend is itself checked against float64
 * references (JvmSamplesTest, KvCacheTest and the reference tests).
 *
 * <ul>
 *   <li>{@link #onTheJvmFallback}, always (CI has no SDK): the class compiled against the API
 *       facade, its kernels run by attnc's JVM launcher, as {@link TornadoSamplesTest} does.</li>
 *   <li>{@link #onTheDefaultTornadoVmDevice}, when a TornadoVM SDK is installed
 *       ({@code TORNADOVM_HOME} with a {@code tornado-argfile}): {@link DeviceCorpusRunner} in a
 *       JVM started with the argfile and {@code -Dtornado.recover.bailout=False}; skipped with a
 *       message otherwise, as {@link TornadoDeviceTest} does.</li>
 * </ul>
 *
 * <p>Models the TornadoVM backend still refuses or gets wrong are listed, with the item of issue
 * 13 that covers them, in {@link #KNOWN_FAILING_ON_JVM} and {@link #KNOWN_FAILING_ON_DEVICE}.
 * Each listed model must still fail, so a fix that lands without emptying its entry fails here
 * too: when a fix merges, remove its entries.
 */
class DeviceCorpusTest {

    /** Refused or wrong even on the JVM fallback (so also on every device). */
    static final Map<String, String> KNOWN_FAILING_ON_JVM = Map.of();

    /**
     * Refused, crashing or wrong on a real TornadoVM (seen on 5.2.0 with PoCL's CPU device),
     * beyond {@link #KNOWN_FAILING_ON_JVM}, which fail there too. Issue 13's fixes emptied the
     * list (masks without && and ||, host position tables, no empty scheduler, the item-5 shapes,
     * and mask comparisons in int: PoCL rejected max(0L, ulong) where TornadoVM typed a widened
     * non-negative int as ulong).
     */
    static final Map<String, String> KNOWN_FAILING_ON_DEVICE = onDevice(Map.of());

    private static Map<String, String> onDevice(Map<String, String> deviceOnly) {
        Map<String, String> all = new LinkedHashMap<>(KNOWN_FAILING_ON_JVM);
        all.putAll(deviceOnly);
        return Map.copyOf(all);
    }

    static List<DeviceCorpus.Entry> corpus() {
        return DeviceCorpus.entries(Repo.path(DeviceCorpus.DIRECTORY));
    }

    /** The corpus covers what issue 13 asks for, and every known failure names a file that exists. */
    @Test
    void corpusIsComplete() {
        Set<String> names = corpus().stream().map(DeviceCorpus.Entry::name).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(names.size() >= 20, "at least 20 corpus models, found " + names);
        assertTrue(corpus().stream().anyMatch(DeviceCorpus.Entry::steps), "a model decoding with step calls");
        assertTrue(corpus().stream().anyMatch(entry -> entry.seq() >= 4096), "a model at T in the thousands");
        for (String known : KNOWN_FAILING_ON_DEVICE.keySet()) {
            assertTrue(names.contains(known), "KNOWN_FAILING names " + known + ", which is not in the corpus");
        }
    }

    @TestFactory
    Stream<DynamicTest> onTheJvmFallback() {
        return corpus().stream().map(entry -> DynamicTest.dynamicTest(entry.name(), () -> {
            Map<String, Tensor> expected = onJvmBackend(entry);
            String failure;
            try {
                TornadoCompiled compiled = TornadoCompiled.source(entry.path().toString(), entry.text());
                try (Model model = compiled.load(new RandomWeights(DeviceCorpus.WEIGHT_SEED))) {
                    Map<String, Tensor> actual = DeviceCorpus.run(model, inputs(entry), entry);
                    failure = DeviceCorpus.compare(expected, actual, entry.tolerance());
                }
            } catch (RuntimeException e) {
                failure = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            expectOutcome(entry, failure, KNOWN_FAILING_ON_JVM, "on the JVM fallback");
        }));
    }

    @TestFactory
    Stream<DynamicTest> onTheDefaultTornadoVmDevice(@TempDir Path scratch) {
        String home = System.getenv("TORNADOVM_HOME");
        Path argfile = home == null ? null : Path.of(home, "tornado-argfile");
        return corpus().stream().map(entry -> DynamicTest.dynamicTest(entry.name(), () -> {
            Assumptions.assumeTrue(argfile != null && Files.isRegularFile(argfile),
                    "no TornadoVM SDK (TORNADOVM_HOME with a tornado-argfile): not run on a device");
            Path out = scratch.resolve(entry.name() + ".device.safetensors");
            String failure = runOnDevice(argfile, scratch, entry, out);
            if (failure == null) {
                Map<String, Tensor> actual = new LinkedHashMap<>();
                try (SafetensorsFile file = SafetensorsFile.open(out)) {
                    for (String name : file.names()) {
                        actual.put(name, file.tensor(name));
                    }
                }
                failure = DeviceCorpus.compare(onJvmBackend(entry), actual, entry.tolerance());
            }
            expectOutcome(entry, failure, KNOWN_FAILING_ON_DEVICE, "on TornadoVM's default device");
        }));
    }

    /** A model outside the known failures must match; one inside must still fail, or its entry is stale. */
    private static void expectOutcome(DeviceCorpus.Entry entry, String failure, Map<String, String> known, String where) {
        String issue = known.get(entry.name());
        if (issue == null) {
            assertEquals(null, failure, entry.name() + " " + where + " differs from the JVM backend");
            return;
        }
        System.out.printf("%s %s: fails as known (issue 13 %s): %s%n", entry.name(), where, issue, failure);
        assertNotNull(failure, entry.name() + " now matches the JVM backend " + where
                + ": remove it from DeviceCorpusTest's known failures (issue 13 " + issue + ")");
    }

    private static Map<String, Tensor> onJvmBackend(DeviceCorpus.Entry entry) {
        AttnModel model = jvmModel(entry);
        try (Model loaded = model.load(new RandomWeights(DeviceCorpus.WEIGHT_SEED))) {
            Map<String, Tensor> outputs = DeviceCorpus.run(loaded, DeviceCorpus.inputs(model, entry), entry);
            assertFalse(outputs.isEmpty());
            return outputs;
        }
    }

    private static Map<String, Tensor> inputs(DeviceCorpus.Entry entry) {
        return DeviceCorpus.inputs(jvmModel(entry), entry);
    }

    private static AttnModel jvmModel(DeviceCorpus.Entry entry) {
        Compilation compilation = Attnc.check(entry.path().toString(), entry.text(), CompileOptions.defaults().withBackend(Backend.JVM));
        assertTrue(compilation.ok(), compilation.render());
        return compilation.models().get(0);
    }

    /**
     * {@link DeviceCorpusRunner} in a JVM started with TornadoVM's argfile; null when it ran and
     * wrote {@code out}, else what went wrong. A runner that finds no TornadoVM aborts the test.
     */
    private static String runOnDevice(Path argfile, Path scratch, DeviceCorpus.Entry entry, Path out)
            throws IOException, InterruptedException {
        Path classes = scratch.resolve("tornado-classes");
        Files.createDirectories(classes); // before the JVM starts, or it never searches it
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "@" + argfile, "-Dtornado.recover.bailout=False",
                "-Dattnc.tornado.classes=" + classes,
                "-cp", classes + File.pathSeparator + System.getProperty("java.class.path"),
                DeviceCorpusRunner.class.getName(), entry.path().toString(), "--out", out.toString()));
        Path log = scratch.resolve(entry.name() + ".device.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = process.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly();
            fail(entry.name() + ": no result on the device within 5 minutes:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (process.exitValue() == 3) {
            fail("TORNADOVM_HOME is set but TornadoVM did not start from " + argfile + ":\n" + output);
        }
        if (process.exitValue() == 0 && Files.isRegularFile(out)) {
            return null;
        }
        return output.lines().filter(line -> line.startsWith("RESULT ")).findFirst()
                .orElse("exit " + process.exitValue() + ":\n" + output);
    }
}
