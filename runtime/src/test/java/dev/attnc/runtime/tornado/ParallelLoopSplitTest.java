package dev.attnc.runtime.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.kernels.Threads;
import dev.attnc.runtime.tornado.jvm.FloatArray;
import dev.attnc.runtime.tornado.jvm.IntArray;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernels compiled against the facade, loaded on the JVM: the outermost {@code @Parallel} loop is
 * spread across {@link Threads#count()} workers, every iteration still runs exactly once, and
 * loops the splitter cannot prove to be the plain {@code i++} shape run sequentially as before.
 */
class ParallelLoopSplitTest {

    static final String LOOPS = """
            package demo;

            import uk.ac.manchester.tornado.api.annotations.Parallel;
            import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
            import uk.ac.manchester.tornado.api.types.arrays.IntArray;

            public final class Loops {
                /** Each cell gets r * 1000 + c + 0.5 and a visit count; each row records the thread that ran it. */
                public static void cells(FloatArray out, IntArray visits, IntArray rowThread, int first, int rows,
                        int width, long unused, double alsoUnused) {
                    int end = first + rows;
                    for (@Parallel int r = first; r < end; r++) {
                        for (@Parallel int c = 0; c < width; c++) {
                            out.set(r * width + c, r * 1000 + c + 0.5f);
                            visits.set(r * width + c, visits.get(r * width + c) + 1);
                        }
                        rowThread.set(r, (int) Thread.currentThread().threadId());
                    }
                }

                /** Steps by two: not the shape the splitter rewrites, so it stays sequential. */
                public static void everyOther(IntArray visits, int n) {
                    for (@Parallel int i = 0; i < n; i += 2) {
                        visits.set(i, visits.get(i) + 1);
                    }
                }
            }
            """;

    static Class<?> loops;

    @BeforeAll
    static void compileAndLoad(@TempDir Path scratch) throws IOException {
        String facade = RemapOnJvmTest.facadeClassesDirectory(scratch).toString();
        Map<String, byte[]> compiled = InMemoryJavac.compile(Map.of("demo.Loops", LOOPS), facade);
        loops = TornadoSupport.loadOnJvm("demo.Loops", compiled.get("demo.Loops"), Map.of(),
                ParallelLoopSplitTest.class.getClassLoader());
    }

    @Test
    void theOutermostLoopIsSharedOutAndEachIterationRunsOnce() throws ReflectiveOperationException {
        int first = 3;
        int rows = 1001; // not a multiple of the worker count
        int width = 7;
        FloatArray out = new FloatArray((first + rows) * width);
        IntArray visits = new IntArray((first + rows) * width);
        IntArray rowThread = new IntArray(first + rows);
        Method cells = loops.getMethod("cells", FloatArray.class, IntArray.class, IntArray.class, int.class,
                int.class, int.class, long.class, double.class);
        cells.invoke(null, out, visits, rowThread, first, rows, width, 5L, 2.5);

        for (int r = 0; r < first + rows; r++) {
            for (int c = 0; c < width; c++) {
                int at = r * width + c;
                boolean inLoop = r >= first;
                assertEquals(inLoop ? 1 : 0, visits.get(at), "visits of row " + r + " column " + c);
                assertEquals(inLoop ? r * 1000 + c + 0.5f : 0f, out.get(at), "row " + r + " column " + c);
            }
        }
        Set<Integer> threads = new HashSet<>();
        for (int r = first; r < first + rows; r++) {
            threads.add(rowThread.get(r));
        }
        // Chunks go to whoever comes first (the caller too), so a fast caller may run them all.
        assertTrue(threads.size() >= 1 && threads.size() <= Threads.count(),
                threads.size() + " threads ran rows, with " + Threads.count() + " workers");
    }

    @Test
    void theKernelKeepsItsSignatureAndItsBodyIsPrivate() throws NoSuchMethodException {
        Method body = Arrays.stream(loops.getDeclaredMethods())
                .filter(m -> m.getName().equals("cells" + ParallelLoopSplitter.BODY_SUFFIX)).findFirst().orElseThrow();
        assertTrue(Modifier.isPrivate(body.getModifiers()) && body.isSynthetic(), body.toString());
        Method kernel = loops.getMethod("cells", FloatArray.class, IntArray.class, IntArray.class, int.class,
                int.class, int.class, long.class, double.class);
        assertTrue(Modifier.isPublic(kernel.getModifiers()) && Modifier.isStatic(kernel.getModifiers()));
    }

    @Test
    void aLoopOfAnotherShapeIsLeftSequential() throws ReflectiveOperationException {
        assertFalse(Arrays.stream(loops.getDeclaredMethods())
                .anyMatch(m -> m.getName().equals("everyOther" + ParallelLoopSplitter.BODY_SUFFIX)));
        IntArray visits = new IntArray(11);
        loops.getMethod("everyOther", IntArray.class, int.class).invoke(null, visits, 11);
        for (int i = 0; i < 11; i++) {
            assertEquals(i % 2 == 0 ? 1 : 0, visits.get(i), "element " + i);
        }
    }
}
