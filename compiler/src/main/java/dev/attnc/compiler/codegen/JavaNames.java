package dev.attnc.compiler.codegen;

import dev.attnc.compiler.ir.Dim;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Java names of one generated class. Two kinds share the class's scopes:
 *
 * <ul>
 *   <li>names the generator writes itself ({@code arena}, {@code QUERY_TILE}, the locals of
 *       the attention loops, the types it refers to by simple name): a fixed list per backend,
 *       given to the constructor, which user names never take;
 *   <li>names that come from the {@code .attn} file: constants, run-time dims and repeat indices
 *       keep their own name ({@link #user}), and names built from them ({@code X_AT},
 *       {@code wq_weight}, {@code MAX_T}) are made unique ({@link #unique}).
 * </ul>
 *
 * A user name that would clash with a generated one, a Java keyword or another name gets a
 * trailing underscore (and a number if that is taken too), so that no name written in a
 * {@code .attn} file can change what a generated name means. Every {@code .attn} name is
 * ASCII letters, digits and underscores (the grammar's ID), which Java always accepts; the
 * checker bounds their length.
 */
public final class JavaNames {
    /** Java's keywords, reserved ones included, and its literals: never a name, of a package or anything else. */
    private static final Set<String> RESERVED_WORDS = Set.of("abstract", "assert", "boolean", "break", "byte", "case",
            "catch", "char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends",
            "final", "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int",
            "interface", "long", "native", "new", "package", "private", "protected", "public", "return", "short",
            "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try",
            "void", "volatile", "while", "true", "false", "null", "_");

    /**
     * What generated code never uses as a name: the reserved words, and the contextual keywords,
     * which Java accepts as names in most places but which read as the keyword.
     */
    private static final Set<String> KEYWORDS = Stream.concat(RESERVED_WORDS.stream(),
            Stream.of("var", "record", "yield", "sealed", "permits", "non-sealed", "when", "module", "open", "exports",
                    "requires", "opens", "to", "uses", "provides", "with", "transitive"))
            .collect(Collectors.toUnmodifiableSet());

    /**
     * The first parts of the packages generated code names in full where a simple name is taken
     * ({@code dev.attnc.runtime.Tensor}): a class, field or local of that name would hide the package.
     */
    public static final Set<String> PACKAGE_ROOTS = Set.of("java", "javax", "jdk", "dev", "uk", "attnc");

    private final Set<String> generated;
    private final Set<String> taken = new HashSet<>();
    /** The names given out by {@link #user}, {@link #unique} and {@link #field}. */
    private final Set<String> given = new HashSet<>();
    private final Map<String, String> users = new HashMap<>();

    /** @param generated every name the generated class uses that does not come from the .attn file */
    public JavaNames(Collection<String> generated) {
        this.generated = Set.copyOf(generated);
        taken.addAll(generated);
        taken.addAll(PACKAGE_ROOTS);
    }

    /**
     * The Java name of an .attn name used as it is (a constant, a run-time dim, a repeat index):
     * the name itself, or the name with a trailing underscore where that would clash. The same
     * .attn name always gets the same Java name.
     */
    public String user(String name) {
        return user(name, Set.of());
    }

    /**
     * As {@link #user(String)}, the first time also clear of {@code alsoAvoid}: names the generator
     * uses in a narrower scope (a kernel's locals) where this name will appear too.
     */
    public String user(String name, Set<String> alsoAvoid) {
        String existing = users.get(name);
        if (existing != null) {
            return existing;
        }
        JavaText.identifier(name);
        String java = KEYWORDS.contains(name) || taken.contains(name) || alsoAvoid.contains(name) ? name + "_" : name;
        for (int n = 2; taken.contains(java) || alsoAvoid.contains(java); n++) {
            java = name + "_" + n;
        }
        taken.add(java);
        given.add(java);
        users.put(name, java);
        return java;
    }

    /** {@code base}, or {@code base_2}, {@code base_3}... if taken; a Java keyword gets a trailing underscore first. */
    public String unique(String base) {
        JavaText.identifier(base);
        String name = KEYWORDS.contains(base) ? base + "_" : base;
        String candidate = name;
        for (int n = 2; taken.contains(candidate); n++) {
            candidate = name + "_" + n;
        }
        taken.add(candidate);
        given.add(candidate);
        return candidate;
    }

    /**
     * As {@link #unique}, for a field that may share its name with a generated local in
     * {@code mayShadow}: the code that declares such a local refers to the field as
     * {@code this.name}. So a value named {@code x} in the .attn file is the field {@code x},
     * although the attention loops have a local {@code x}.
     */
    public String field(String base, Set<String> mayShadow) {
        JavaText.identifier(base);
        String name = KEYWORDS.contains(base) ? base + "_" : base;
        String candidate = name;
        for (int n = 2; taken.contains(candidate) && !shadows(candidate, mayShadow); n++) {
            candidate = name + "_" + n;
        }
        taken.add(candidate);
        given.add(candidate);
        return candidate;
    }

    private boolean shadows(String name, Set<String> mayShadow) {
        return mayShadow.contains(name) && generated.contains(name) && !given.contains(name) && !PACKAGE_ROOTS.contains(name);
    }

    /** A dim as a Java expression: constants as numbers, run-time dims by their Java names ({@code 2*T + 1}). */
    public String dim(Dim dim) {
        return dim.render(this::user);
    }

    /** Whether {@code word} is a Java keyword or literal, which nothing can be named. */
    public static boolean isReservedWord(String word) {
        return RESERVED_WORDS.contains(word);
    }

    /** Whether the generator writes {@code name} itself. */
    public boolean isGenerated(String name) {
        return generated.contains(name);
    }

    /** Every name given out for the .attn file, and the generated ones: what a test checks declarations against. */
    public Set<String> all() {
        return Set.copyOf(taken);
    }

    /** {@code c_attn} to {@code C_ATTN}. */
    public static String constantCase(String name) {
        return name.toUpperCase(Locale.ROOT);
    }

    /**
     * The class name of a model: its own name, unless that is the name of a class in
     * {@code java.lang}. Generated code calls {@code Math}, {@code Float} and others by their
     * simple name, and a class of the same name in the package would hide them from every model
     * there; such a model's class is named {@code <Name>Model}, as is one named like a Java keyword
     * or the first part of a package the generated code names ({@code dev}, {@code java}).
     */
    public static String className(String modelName) {
        JavaText.identifier(modelName);
        return isJavaLangType(modelName) || KEYWORDS.contains(modelName) || PACKAGE_ROOTS.contains(modelName)
                ? modelName + "Model" : modelName;
    }

    private static boolean isJavaLangType(String simpleName) {
        try {
            Class.forName("java.lang." + simpleName, false, JavaNames.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
