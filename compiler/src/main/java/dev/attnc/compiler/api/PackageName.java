package dev.attnc.compiler.api;

import dev.attnc.compiler.codegen.JavaNames;
import java.util.Optional;

/**
 * The one check of a package name for generated classes, used by {@link CompileOptions}, by
 * {@code attnc compile --package} and by the Maven plugin's {@code packageName}. The name
 * becomes folders under the output folder and text in the generated source, so it is held to
 * what Java itself accepts, in plain ASCII: dot-separated parts, each a letter, {@code _} or
 * {@code $} followed by letters, digits, {@code _} and {@code $}, none a Java keyword or
 * literal, none empty, the whole at most {@link #MAX_LENGTH} characters, and not in the JDK's
 * own {@code java} packages (no class loader defines classes there).
 */
public final class PackageName {

    /** The longest package name accepted, in characters. */
    public static final int MAX_LENGTH = 200;

    private PackageName() {
    }

    /**
     * {@code name} if it is a valid package name for generated classes.
     *
     * @throws IllegalArgumentException with a one-line message naming the bad part otherwise
     */
    public static String check(String name) {
        Optional<String> problem = problem(name);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        return name;
    }

    /** What is wrong with {@code name} as a package name, in one line; empty if nothing is. */
    public static Optional<String> problem(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("package name is empty; name a package such as " + CompileOptions.DEFAULT_PACKAGE);
        }
        if (name.length() > MAX_LENGTH) {
            return Optional.of("package name is " + name.length() + " characters long; at most " + MAX_LENGTH
                    + " are allowed");
        }
        String[] parts = name.split("\\.", -1);
        String where = "package name '" + shown(name) + "'";
        // Characters first: "../x" is best told by its '/', not by its empty parts.
        for (String part : parts) {
            for (int at = 0; at < part.length(); at++) {
                char c = part.charAt(at);
                if (!isIdentifierChar(c)) {
                    return Optional.of(where + ": part '" + shown(part) + "' holds " + describe(c)
                            + ", which a Java identifier cannot (use ASCII letters, digits, _ and $)");
                }
            }
        }
        for (int index = 0; index < parts.length; index++) {
            String part = parts[index];
            if (part.isEmpty()) {
                return Optional.of(where + " has an empty part"
                        + (index == 0 ? " at the start" : index == parts.length - 1 ? " at the end" : " between two dots"));
            }
            if (Character.isDigit(part.charAt(0))) {
                return Optional.of(where + ": part '" + part + "' starts with a digit");
            }
            if (JavaNames.isReservedWord(part)) {
                return Optional.of(where + ": part '" + part + "' is a Java keyword or literal");
            }
        }
        if (parts[0].equals("java")) {
            return Optional.of("package name '" + name + "': part 'java' at the start names the JDK's own packages,"
                    + " where no class can be defined");
        }
        return Optional.empty();
    }

    private static boolean isIdentifierChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$';
    }

    /** A character for a message: printable ASCII quoted, anything else by its code. */
    private static String describe(char c) {
        return c > ' ' && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    /** {@code text} for a one-line message: characters other than printable ASCII shown as {@code ?}. */
    private static String shown(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int at = 0; at < text.length(); at++) {
            char c = text.charAt(at);
            out.append(c >= ' ' && c < 0x7f ? c : '?');
        }
        return out.toString();
    }
}
