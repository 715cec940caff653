package dev.attnc.runtime.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A class written against the TornadoVM API is compiled (javac, in memory) against attnc's
 * compile-only facade, which is not on this test's class path, then loaded with its API
 * references rewritten to the JVM implementation, and run.
 */
class RemapOnJvmTest {

    /** A TaskGraph with a KernelContext row softmax (local memory, barriers, padded columns), a lambda and a @Parallel loop. */
    static final String SOFTMAX = """
            package demo;

            import uk.ac.manchester.tornado.api.GridScheduler;
            import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
            import uk.ac.manchester.tornado.api.KernelContext;
            import uk.ac.manchester.tornado.api.TaskGraph;
            import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
            import uk.ac.manchester.tornado.api.WorkerGrid;
            import uk.ac.manchester.tornado.api.WorkerGrid1D;
            import uk.ac.manchester.tornado.api.annotations.Parallel;
            import uk.ac.manchester.tornado.api.enums.DataTransferMode;
            import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
            import uk.ac.manchester.tornado.api.math.TornadoMath;
            import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

            public final class SoftmaxRows {
                public static final int ROWS = 5;
                public static final int COLS = 37;
                static final int LOCAL = 16;

                /** Kernels in a nested class, as generated code may put them. */
                static final class Kernels {
                    static void rowSoftmax(KernelContext ctx, FloatArray x, FloatArray out, int cols) {
                        int row = ctx.groupIdx;
                        int lid = ctx.localIdx;
                        int size = ctx.localGroupSizeX;
                        float[] red = ctx.allocateFloatLocalArray(16);
                        float m = Float.NEGATIVE_INFINITY;
                        for (int j = lid; j < cols; j += size) {
                            m = TornadoMath.max(m, x.get(row * cols + j));
                        }
                        red[lid] = m;
                        ctx.localBarrier();
                        for (int s = size / 2; s > 0; s /= 2) {
                            if (lid < s) {
                                red[lid] = TornadoMath.max(red[lid], red[lid + s]);
                            }
                            ctx.localBarrier();
                        }
                        float rowMax = red[0];
                        ctx.localBarrier();
                        float sum = 0f;
                        for (int j = lid; j < cols; j += size) {
                            sum += TornadoMath.exp(x.get(row * cols + j) - rowMax);
                        }
                        red[lid] = sum;
                        ctx.localBarrier();
                        for (int s = size / 2; s > 0; s /= 2) {
                            if (lid < s) {
                                red[lid] += red[lid + s];
                            }
                            ctx.localBarrier();
                        }
                        float total = red[0];
                        for (int j = lid; j < cols; j += size) {
                            out.set(row * cols + j, TornadoMath.exp(x.get(row * cols + j) - rowMax) / total);
                        }
                    }

                    static void scale(FloatArray values, float factor, int n) {
                        for (@Parallel int i = 0; i < n; i++) {
                            values.set(i, values.get(i) * factor);
                        }
                    }
                }

                /** Softmax of each row, times 2, then plus the row index (a lambda task). */
                public static float[] run(float[] input) throws TornadoExecutionPlanException {
                    FloatArray x = FloatArray.fromArray(input);
                    FloatArray out = new FloatArray(ROWS * COLS);
                    KernelContext context = new KernelContext();
                    TaskGraph graph = new TaskGraph("s")
                            .transferToDevice(DataTransferMode.FIRST_EXECUTION, x)
                            .task("softmax", Kernels::rowSoftmax, context, x, out, COLS)
                            .task("scale", Kernels::scale, out, 2.0f, ROWS * COLS)
                            .task("shift", (FloatArray o, Integer cols) -> {
                                for (@Parallel int i = 0; i < o.getSize(); i++) {
                                    o.set(i, o.get(i) + i / cols);
                                }
                            }, out, COLS)
                            .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
                    ImmutableTaskGraph snapshot = graph.snapshot();
                    WorkerGrid grid = new WorkerGrid1D(ROWS * LOCAL);
                    grid.setLocalWork(LOCAL, 1, 1);
                    try (TornadoExecutionPlan plan = new TornadoExecutionPlan(snapshot)) {
                        plan.withGridScheduler(new GridScheduler("s.softmax", grid)).execute();
                    }
                    return out.toHeapArray();
                }
            }
            """;

    static String facadeClasses;
    static Map<String, byte[]> compiled;

    @BeforeAll
    static void compileAgainstTheFacade(@TempDir Path scratch) throws IOException {
        facadeClasses = facadeClassesDirectory(scratch).toString();
        compiled = InMemoryJavac.compile(Map.of("demo.SoftmaxRows", SOFTMAX), facadeClasses);
    }

    /** tornadovm-facade/target/classes; if that module was not built, its sources compiled here. */
    static Path facadeClassesDirectory(Path scratch) throws IOException {
        String classes = System.getProperty("attnc.tornadovm.facade.classes", "../tornadovm-facade/target/classes");
        Path dir = Path.of(classes);
        if (Files.isRegularFile(dir.resolve("uk/ac/manchester/tornado/api/TaskGraph.class"))) {
            return dir;
        }
        Path sources = Path.of(System.getProperty("attnc.tornadovm.facade.sources", "../tornadovm-facade/src/main/java"));
        assertTrue(Files.isDirectory(sources), "neither the facade's classes (" + dir + ") nor its sources (" + sources
                + ") exist: build tornadovm-facade first");
        Map<String, String> units = new HashMap<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String name = sources.relativize(file).toString().replace(file.getFileSystem().getSeparator(), ".");
                units.put(name.substring(0, name.length() - ".java".length()), Files.readString(file, StandardCharsets.UTF_8));
            }
        }
        Path out = scratch.resolve("facade");
        writeClasses(InMemoryJavac.compile(units, ""), out);
        return out;
    }

    private static void writeClasses(Map<String, byte[]> classes, Path dir) throws IOException {
        for (Map.Entry<String, byte[]> entry : classes.entrySet()) {
            Path file = dir.resolve(entry.getKey().replace('.', '/') + ".class");
            Files.createDirectories(file.getParent());
            Files.write(file, entry.getValue());
        }
    }

    private static float[] input() {
        Random random = new Random(7);
        float[] x = new float[5 * 37];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 3);
        }
        return x;
    }

    /** Row softmax in double, times 2, plus the row index: written from the math, not from the kernel. */
    private static double[] expected(float[] x) {
        double[] y = new double[x.length];
        for (int r = 0; r < 5; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 37; c++) {
                max = Math.max(max, x[r * 37 + c]);
            }
            double sum = 0;
            for (int c = 0; c < 37; c++) {
                sum += Math.exp(x[r * 37 + c] - max);
            }
            for (int c = 0; c < 37; c++) {
                y[r * 37 + c] = 2 * Math.exp(x[r * 37 + c] - max) / sum + r;
            }
        }
        return y;
    }

    private static void assertRunsCorrectly(Class<?> type) throws ReflectiveOperationException {
        Method run = type.getMethod("run", float[].class);
        float[] x = input();
        float[] y = (float[]) run.invoke(null, (Object) x);
        double[] expected = expected(x);
        assertEquals(expected.length, y.length);
        for (int i = 0; i < y.length; i++) {
            assertEquals(expected[i], y[i], 1e-5, "element " + i);
        }
    }

    @Test
    void theFacadeIsNotOnTheTestClassPath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("uk.ac.manchester.tornado.api.TaskGraph"));
        assertTrue(compiled.containsKey("demo.SoftmaxRows$Kernels"), compiled.keySet().toString());
    }

    @Test
    void loadsFromBytesAndRunsOnTheJvm() throws ReflectiveOperationException {
        Map<String, byte[]> others = new HashMap<>(compiled);
        byte[] main = others.remove("demo.SoftmaxRows");
        Class<?> type = TornadoSupport.loadOnJvm("demo.SoftmaxRows", main, others, RemapOnJvmTest.class.getClassLoader());
        assertTrue(type.getClassLoader() instanceof JvmApiClassLoader);
        assertRunsCorrectly(type);
    }

    @Test
    void rewrittenClassesNameNoTornadoVmType() {
        JvmApiClassLoader loader = new JvmApiClassLoader(compiled, getClass().getClassLoader());
        for (String name : loader.classNames()) {
            String text = new String(loader.rewrittenBytes(name), StandardCharsets.ISO_8859_1);
            assertFalse(text.contains("uk/ac/manchester/tornado"), name + " still names a TornadoVM class");
            assertTrue(text.contains("dev/attnc/runtime/tornado/jvm/"), name);
        }
        String original = new String(compiled.get("demo.SoftmaxRows$Kernels"), StandardCharsets.ISO_8859_1);
        assertTrue(original.contains("Luk/ac/manchester/tornado/api/annotations/Parallel;"), "@Parallel is kept as a type annotation");
        String rewritten = new String(loader.rewrittenBytes("demo.SoftmaxRows$Kernels"), StandardCharsets.ISO_8859_1);
        assertTrue(rewritten.contains("Ldev/attnc/runtime/tornado/jvm/Parallel;"));
    }

    @Test
    void loadsAClassThatAnotherLoaderFoundFromItsResources(@TempDir Path dir) throws Exception {
        writeClasses(compiled, dir);
        try (URLClassLoader plain = new URLClassLoader(new URL[] { dir.toUri().toURL() }, getClass().getClassLoader())) {
            Class<?> original = Class.forName("demo.SoftmaxRows", false, plain);
            // Run as it is, it needs the real API, which is absent.
            Throwable failure = assertThrows(Throwable.class,
                    () -> original.getMethod("run", float[].class).invoke(null, (Object) input()));
            Throwable cause = failure instanceof InvocationTargetException ? failure.getCause() : failure;
            assertInstanceOf(NoClassDefFoundError.class, cause);

            Map<String, byte[]> nest = TornadoSupport.classBytes(original, Map.of());
            assertEquals(List.of("demo.SoftmaxRows", "demo.SoftmaxRows$Kernels"), nest.keySet().stream().sorted().toList());
            Class<?> onJvm = TornadoSupport.loadOnJvm(original);
            assertNotSame(original, onJvm);
            assertRunsCorrectly(onJvm);
        }
    }

    /** Defines classes from bytes and has no resources, as an in-memory compiler's loader. */
    static final class BytesLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        BytesLoader(Map<String, byte[]> classes, ClassLoader parent) {
            super(parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = classes.get(name);
            if (bytes == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, bytes, 0, bytes.length);
        }
    }

    @Test
    void bytesHandedInAreUsedWhenTheLoaderHasNoResources() throws Exception {
        Class<?> original = Class.forName("demo.SoftmaxRows$Kernels", false, new BytesLoader(compiled, getClass().getClassLoader()));
        assertThrows(IllegalArgumentException.class, () -> TornadoSupport.classBytes(original, Map.of()), "no resources");
        Map<String, byte[]> nest = TornadoSupport.classBytes(original, compiled);
        assertEquals(List.of("demo.SoftmaxRows", "demo.SoftmaxRows$Kernels"), nest.keySet().stream().sorted().toList(),
                "the whole nest, from its host");
        Map<String, byte[]> others = new HashMap<>(nest);
        Class<?> onJvm = TornadoSupport.loadOnJvm("demo.SoftmaxRows", others.remove("demo.SoftmaxRows"), others,
                getClass().getClassLoader());
        assertRunsCorrectly(onJvm);
    }

    @Test
    void anApiTypeWithoutACounterpartIsNamed() {
        Map<String, byte[]> classes = InMemoryJavac.compile(Map.of(
                "uk.ac.manchester.tornado.api.types.arrays.DoubleArray", """
                        package uk.ac.manchester.tornado.api.types.arrays;
                        public final class DoubleArray {
                            public DoubleArray(int n) {
                            }
                        }
                        """,
                "demo.UsesDoubles", """
                        package demo;
                        public class UsesDoubles {
                            public static Object make() {
                                return new uk.ac.manchester.tornado.api.types.arrays.DoubleArray(3);
                            }
                        }
                        """), "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TornadoSupport.loadOnJvm("demo.UsesDoubles", classes.get("demo.UsesDoubles"), Map.of(), getClass().getClassLoader()));
        assertTrue(e.getMessage().contains("demo.UsesDoubles uses TornadoVM API classes that have no JVM implementation"), e.getMessage());
        assertTrue(e.getMessage().contains("uk.ac.manchester.tornado.api.types.arrays.DoubleArray"), e.getMessage());
    }
}
