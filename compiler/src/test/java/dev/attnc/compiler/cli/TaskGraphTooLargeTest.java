package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.BufferOverflowException;
import org.junit.jupiter.api.Test;

/**
 * TornadoVM 5.2 keeps a task graph's list of tasks in a fixed 8 KB buffer, which a 12-layer model
 * in one graph overflows (bge_small on PoCL); attnc now cuts such models into several graphs by
 * its own count of those bytes. Should a TornadoVM still overflow, the CLI names that limit and
 * the property that makes graphs smaller instead of reporting a bug in attnc; any other overflow
 * is still an internal error.
 */
class TaskGraphTooLargeTest {

    /** An overflow thrown from the frame TornadoVM's own code would throw it from. */
    private static BufferOverflowException overflowIn(String className) {
        BufferOverflowException e = new BufferOverflowException();
        e.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("java.nio.HeapByteBuffer", "put", "HeapByteBuffer.java", 200),
            new StackTraceElement(className, "compile", "X.java", 10)});
        return e;
    }

    @Test
    void anOverflowInsideTornadoVmIsTheTaskGraphLimit() {
        BufferOverflowException overflow = overflowIn("uk.ac.manchester.tornado.runtime.tasks.TornadoTaskGraph");
        assertTrue(Main.taskGraphTooLarge(overflow));
        assertTrue(Main.taskGraphTooLarge(new RuntimeException("wrapped", new IllegalStateException(overflow))));
    }

    @Test
    void theMessageSaysHowToMakeGraphsSmaller() {
        assertTrue(Main.TASK_GRAPH_TOO_LARGE.contains("-Dattnc.tornado.graphBytes=BYTES"), Main.TASK_GRAPH_TOO_LARGE);
        assertTrue(Main.TASK_GRAPH_TOO_LARGE.contains("--backend jvm"), Main.TASK_GRAPH_TOO_LARGE);
    }

    @Test
    void anyOtherOverflowIsNot() {
        assertFalse(Main.taskGraphTooLarge(overflowIn("dev.attnc.runtime.weights.SafetensorsFile")));
        assertFalse(Main.taskGraphTooLarge(new IllegalStateException("uk.ac.manchester.tornado")));
    }
}
