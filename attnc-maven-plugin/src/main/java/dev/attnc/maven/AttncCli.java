package dev.attnc.maven;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * Runs one {@code attnc} command line in this JVM and returns what it printed. The compiler's
 * classes are Java 21 bytecode, so this class (compiled for Java 17, like the rest of the plugin,
 * to load in any Maven JVM) reaches them only by reflection, and only on Java 21 or newer.
 */
final class AttncCli {
    static final String MAIN = "dev.attnc.compiler.cli.Main";

    /** One command's exit code (0 clean, 1 errors in the input, 2 usage, 3 internal) and output. */
    record Result(int exitCode, String out, String err) {
    }

    private AttncCli() {
    }

    static final String PACKAGE_NAME = "dev.attnc.compiler.api.PackageName";

    /**
     * What the compiler's one package-name check ({@code PackageName.problem}) finds wrong with
     * {@code name}; empty if nothing, and empty where the compiler's Java 21 classes cannot load
     * in this JVM: the forked compiler then refuses the name itself ({@code --package}).
     */
    @SuppressWarnings("unchecked")
    static Optional<String> packageProblem(ClassLoader loader, String name) {
        try {
            Method problem = Class.forName(PACKAGE_NAME, true, loader).getMethod("problem", String.class);
            return (Optional<String>) problem.invoke(null, name);
        } catch (ReflectiveOperationException | LinkageError e) {
            return Optional.empty();
        }
    }

    static Result run(ClassLoader loader, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            Method run = Class.forName(MAIN, true, loader).getMethod("run", String[].class, PrintWriter.class, PrintWriter.class);
            int code = (Integer) run.invoke(null, args, new PrintWriter(out, true), new PrintWriter(err, true));
            return new Result(code, out.toString(), err.toString());
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            StringWriter trace = new StringWriter();
            cause.printStackTrace(new PrintWriter(trace));
            return new Result(3, out.toString(), err + "attnc: internal error: " + trace);
        } catch (ReflectiveOperationException | LinkageError e) {
            return new Result(3, out.toString(), err + "attnc: cannot start the compiler: " + e);
        }
    }
}
