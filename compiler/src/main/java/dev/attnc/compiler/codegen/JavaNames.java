package dev.attnc.compiler.codegen;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** Java identifiers for .attn names: kept as written where Java allows, made unique where needed. */
public final class JavaNames {
    private static final Set<String> KEYWORDS = Set.of("abstract", "assert", "boolean", "break", "byte", "case",
            "catch", "char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends",
            "final", "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int",
            "interface", "long", "native", "new", "package", "private", "protected", "public", "return", "short",
            "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try",
            "void", "volatile", "while", "true", "false", "null", "var", "record", "yield", "sealed", "permits", "_");

    private final Set<String> taken = new HashSet<>();

    /** Reserves names the generated class uses itself. */
    public JavaNames(Set<String> reserved) {
        taken.addAll(reserved);
    }

    /** {@code base}, or {@code base_2}, {@code base_3}... if taken; Java keywords get a trailing underscore. */
    public String unique(String base) {
        String name = KEYWORDS.contains(base) ? base + "_" : base;
        String candidate = name;
        for (int n = 2; taken.contains(candidate); n++) {
            candidate = name + "_" + n;
        }
        taken.add(candidate);
        return candidate;
    }

    /** {@code c_attn} to {@code C_ATTN}. */
    public static String constantCase(String name) {
        return name.toUpperCase(Locale.ROOT);
    }
}
