package dev.attnc.compiler.hostile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One hostile case of a {@code .cases} file in {@code src/test/resources/hostile/}: the command
 * line, the files it needs, and what must come out. The format is described in that folder's
 * README.md.
 *
 * @param name unique over the whole corpus
 * @param file the {@code .cases} file it comes from, and its line
 * @param args the arguments to {@code attnc}, placeholders not yet expanded
 * @param files inline files: name in the scratch folder to text (placeholders not expanded)
 * @param builds binary files made by {@link Builders}, each {@code BUILDER FILE [PARAM...]}
 * @param exit the expected exit code
 * @param error the regex the first non-blank line of standard error must contain, or null
 * @param stdout a regex standard output must contain, or null
 * @param forbid regexes neither standard output nor standard error may contain
 * @param absent paths that must not exist afterwards (relative to the scratch folder)
 * @param exists paths that must exist afterwards
 * @param changes prepared files the case may change
 * @param env environment variables; a case with any runs in a JVM of its own
 * @param javac a folder of the scratch folder whose .java files are compiled with javac and
 *     whose classes are then loaded and initialized (so that a static initializer injected
 *     into them would run), or null
 * @param pending why the case is expected to fail on this branch, or null
 */
record HostileCase(String name, String file, List<String> args, Map<String, String> files, List<List<String>> builds,
        int exit, String error, String stdout, List<String> forbid, List<String> absent, List<String> exists, List<String> changes,
        Map<String, String> env, String javac, String pending) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    /** Every case of every {@code .cases} file in {@code folder}, in file order. */
    static List<HostileCase> readAll(Path folder) {
        List<HostileCase> all = new ArrayList<>();
        try (var listing = Files.list(folder)) {
            for (Path path : listing.filter(p -> p.getFileName().toString().endsWith(".cases")).sorted().toList()) {
                all.addAll(parse(path.getFileName().toString(), Files.readString(path, StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> seen = new ArrayList<>();
        for (HostileCase c : all) {
            if (seen.contains(c.name())) {
                throw new IllegalArgumentException(c.file() + ": case `" + c.name() + "` is defined twice");
            }
            seen.add(c.name());
        }
        return all;
    }

    /** The cases of one file; a malformed file fails with its name and line. */
    static List<HostileCase> parse(String fileName, String text) {
        List<HostileCase> cases = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        Builder current = null;
        String openFile = null;
        StringBuilder content = null;
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            String where = fileName + ":" + (n + 1);
            if (line.startsWith("|")) {
                if (openFile == null) {
                    throw new IllegalArgumentException(where + ": a `|` line outside a `file:`");
                }
                content.append(line.startsWith("| ") ? line.substring(2) : line.substring(1)).append('\n');
                continue;
            }
            if (openFile != null) {
                current.files.put(openFile, content.toString());
                openFile = null;
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("== ")) {
                if (current != null) {
                    cases.add(current.build());
                }
                String name = line.substring(3).strip();
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException(where + ": a case name is lower-case letters, digits and `-`: " + name);
                }
                current = new Builder(name, where);
                continue;
            }
            int colon = line.indexOf(':');
            if (current == null || colon < 0) {
                throw new IllegalArgumentException(where + ": expected `== name` or `key: value`, found: " + line);
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "args" -> current.args = split(value, where);
                case "file" -> {
                    openFile = value;
                    content = new StringBuilder();
                }
                case "build" -> current.builds.add(split(value, where));
                case "exit" -> current.exit = Integer.parseInt(value);
                case "error" -> current.error = regex(value, where);
                case "stdout" -> current.stdout = regex(value, where);
                case "absent" -> current.absent.add(value);
                case "forbid" -> current.forbid.add(regex(value, where));
                case "exists" -> current.exists.add(value);
                case "changes" -> current.changes.add(value);
                case "env" -> {
                    int eq = value.indexOf('=');
                    current.env.put(value.substring(0, eq), value.substring(eq + 1));
                }
                case "pending" -> current.pending = value;
                case "javac" -> current.javac = value;
                default -> throw new IllegalArgumentException(where + ": unknown key `" + key + "`");
            }
        }
        if (openFile != null) {
            current.files.put(openFile, content.toString());
        }
        if (current != null) {
            cases.add(current.build());
        }
        return cases;
    }

    private static String regex(String value, String where) {
        try {
            Pattern.compile(value);
            return value;
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(where + ": bad regex: " + e.getMessage());
        }
    }

    /** Splits on blanks; '...' and "..." group (no escapes inside). */
    static List<String> split(String value, String where) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (c == ' ' || c == '\t') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException(where + ": unclosed quote");
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    private static final Pattern CODE_POINT = Pattern.compile("\\{U\\+([0-9A-Fa-f]{1,6})}");
    private static final Pattern REPEAT = Pattern.compile("\\{repeat (\\d+) ([^}]*)}");

    /**
     * Expands the placeholders of an argument or an inline file: {@code {dir}} (the scratch
     * folder), {@code {canary}} (the canary folder beside it), {@code {U+XXXX}} (that character)
     * and {@code {repeat N TEXT}} (TEXT N times).
     */
    static String expand(String text, Path dir, Path canary) {
        String out = text.replace("{dir}", dir.toString()).replace("{canary}", canary.toString());
        Matcher m = CODE_POINT.matcher(out);
        StringBuilder c = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(c, Matcher.quoteReplacement(Character.toString(Integer.parseInt(m.group(1), 16))));
        }
        m.appendTail(c);
        // After the code points, so that a repeated text may hold {U+000A}.
        Matcher repeat = REPEAT.matcher(c.toString());
        StringBuilder b = new StringBuilder();
        while (repeat.find()) {
            repeat.appendReplacement(b, Matcher.quoteReplacement(repeat.group(2).repeat(Integer.parseInt(repeat.group(1)))));
        }
        repeat.appendTail(b);
        return b.toString();
    }

    private static final class Builder {
        final String name;
        final String where;
        List<String> args;
        final Map<String, String> files = new LinkedHashMap<>();
        final List<List<String>> builds = new ArrayList<>();
        Integer exit;
        String error;
        String stdout;
        final List<String> forbid = new ArrayList<>();
        final List<String> absent = new ArrayList<>();
        final List<String> exists = new ArrayList<>();
        final List<String> changes = new ArrayList<>();
        final Map<String, String> env = new LinkedHashMap<>();
        String pending;
        String javac;

        Builder(String name, String where) {
            this.name = name;
            this.where = where;
        }

        HostileCase build() {
            if (args == null || exit == null) {
                throw new IllegalArgumentException(where + ": case `" + name + "` needs `args:` and `exit:`");
            }
            if (exit != 0 && error == null) {
                throw new IllegalArgumentException(where + ": case `" + name + "` exits " + exit + " and needs `error:`");
            }
            for (List<String> build : builds) {
                if (build.size() < 2 || !Builders.known(build.get(0))) {
                    throw new IllegalArgumentException(where + ": case `" + name + "`: unknown builder or no file: " + build);
                }
            }
            return new HostileCase(name, where, List.copyOf(args), Collections.unmodifiableMap(new LinkedHashMap<>(files)), List.copyOf(builds), exit, error,
                    stdout, List.copyOf(forbid), List.copyOf(absent), List.copyOf(exists), List.copyOf(changes), Map.copyOf(env), javac, pending);
        }
    }
}
