package dev.attnc.runtime.tornado.jvm;

/** What {@link TornadoExecutionPlan#execute()} returns: on the JVM, results are already on the host. */
public class TornadoExecutionResult {

    TornadoExecutionResult() {
    }

    /** Copies UNDER_DEMAND results to the host: nothing to do on the JVM. */
    public TornadoExecutionResult transferToHost(Object... objects) {
        return this;
    }

    /** Always true: {@code execute()} returns once every task has finished. */
    public boolean isReady() {
        return true;
    }
}
