package dev.attnc.runtime.tornado.jvm;

/** One task of a graph: its id, a call of its code, and the arguments bound when it was added. */
record JvmTask(String id, Invoker invoker, Object[] args) {

    /** Calls the task's code with an argument array (one element per task argument). */
    @FunctionalInterface
    interface Invoker {
        void invoke(Object[] args);
    }

    @SuppressWarnings("unchecked")
    static <T> T arg(Object[] args, int index) {
        return (T) args[index];
    }

    /** Whether some argument is a {@link KernelContext}: then the task is launched over a grid. */
    boolean usesKernelContext() {
        for (Object arg : args) {
            if (arg instanceof KernelContext) {
                return true;
            }
        }
        return false;
    }

    void run() {
        invoker.invoke(args);
    }
}
