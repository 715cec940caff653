package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.BufferOverflowException;
import org.junit.jupiter.api.Test;

/**
 * TornadoVM 5.2 keeps a task graph's list of tasks in a fixed 8 KB buffer, and a 12-layer model
 * overflows it (bge_small on PoCL). The CLI names that limit instead of reporting a bug in attnc;
 * any other overflow is still an internal error.
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
    void anyOtherOverflowIsNot() {
        assertFalse(Main.taskGraphTooLarge(overflowIn("dev.attnc.runtime.weights.SafetensorsFile")));
        assertFalse(Main.taskGraphTooLarge(new IllegalStateException("uk.ac.manchester.tornado")));
    }
}
