package dev.attnc.runtime.tornado.jvm;

/** As TornadoVM's checked {@code exceptions.TornadoExecutionPlanException}. */
public class TornadoExecutionPlanException extends Exception {

    private static final long serialVersionUID = 1L;

    public TornadoExecutionPlanException(String reason) {
        super(reason);
    }

    public TornadoExecutionPlanException(String message, Throwable cause) {
        super(message, cause);
    }
}
