package dev.attnc.compiler.api;

import java.util.Locale;

/**
 * The code attnc generates for a model: plain Java for the JVM, or a TornadoVM class whose
 * kernels TornadoVM compiles for a GPU (and which runs on the JVM where TornadoVM is missing).
 */
public enum Backend {
    /** One class, {@code <Model>}, whose kernels are Java loops. */
    JVM("jvm"),
    /** One class, {@code <Model>Tornado}, with TornadoVM task graphs. */
    TORNADOVM("tornadovm");

    private final String spelling;

    Backend(String spelling) {
        this.spelling = spelling;
    }

    /** The name the command line uses: {@code jvm} or {@code tornadovm}. */
    public String spelling() {
        return spelling;
    }

    /**
     * The backend called {@code name} ({@code jvm}, {@code tornadovm} or {@code tornado}, in any case).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Backend parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "jvm" -> JVM;
            case "tornadovm", "tornado" -> TORNADOVM;
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': use jvm or tornadovm");
        };
    }
}
