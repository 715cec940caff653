package dev.attnc.runtime.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the checkpoint names a {@code .attn} file reads ({@code from "..."}) are found in an ONNX
 * model: a small text file of rules, one per line, read by {@link #parse}.
 *
 * <pre>
 * # TARGET                                      &lt;- SOURCE
 * encoder.layer.{n}.attention.self.query.weight &lt;- input 1 of /encoder/layer.{n}/attention/self/query/MatMul transposed
 * embeddings.word_embeddings.weight             &lt;- tensor embeddings.word_embeddings.weight
 * </pre>
 *
 * <ul>
 *   <li>{@code TARGET} is a name the model asks for. {@code {n}} (any name in braces) matches a
 *       run of digits, a layer number; the same placeholder used twice must match the same digits.
 *   <li>{@code SOURCE} is {@code tensor NAME} (an initializer, or a Constant node's output) or
 *       {@code input K of NODE}: the tensor that is input K (from 0) of the graph node named
 *       {@code NODE}. This is how weights with generated names ({@code onnx::MatMul_787}) are
 *       found. The source may use the target's placeholders, and no others.
 *   <li>{@code transposed} at the end reads a rank-2 tensor stored {@code [in, out]} (as ONNX
 *       MatMul weights are) as the {@code [out, in]} a linear layer expects.
 *   <li>The first rule whose target matches wins. A name no rule matches is looked up in the
 *       model as it is.
 *   <li>{@code #} starts a comment; blank lines are ignored. A name holding spaces or {@code #}
 *       is written in double quotes.
 * </ul>
 *
 * <p>A malformed file fails in {@link #parse} with a {@link WeightException} naming the file and
 * line. {@link #apply} gives the {@link WeightSource} the generated model loads from.
 */
public final class OnnxNameMap {

    /** Where a rule takes its tensor from. */
    public enum From {
        /** {@code tensor NAME}. */
        TENSOR,
        /** {@code input K of NODE}. */
        NODE_INPUT
    }

    /**
     * One line of the file.
     *
     * @param line the line number, from 1
     * @param target the target pattern, as written
     * @param from the kind of source
     * @param source the tensor name or the node name, as written (with placeholders)
     * @param input for {@link From#NODE_INPUT}: which input of the node, from 0; else -1
     * @param transposed whether a rank-2 tensor is transposed on the way
     */
    public record Rule(int line, String target, From from, String source, int input, boolean transposed) {}

    /** The longest mapping file read (the MiniLM one is about 1 KiB). */
    static final int MAX_FILE_BYTES = 1 << 20;

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");
    private static final Pattern PLACEHOLDER_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9]*");

    /** A rule with its compiled patterns. */
    record Compiled(Rule rule, Pattern target, List<String> targetNames, Pattern source) {

        /** Where the rule is, for messages: {@code minilm.onnx-map:4}. */
        String where(String file) {
            return file + ":" + rule.line();
        }
    }

    private final String file;
    private final List<Compiled> rules;

    private OnnxNameMap(String file, List<Compiled> rules) {
        this.file = file;
        this.rules = List.copyOf(rules);
    }

    /**
     * Reads and checks the mapping file at {@code path}.
     *
     * @throws WeightException if the file cannot be read or a line is malformed; the message
     *     names the file and the line
     */
    public static OnnxNameMap parse(Path path) {
        Objects.requireNonNull(path, "path");
        Path name = path.getFileName();
        String file = name == null ? path.toString() : name.toString();
        RegularFiles.require(path, file, "a mapping file");
        String text;
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new WeightException(file + ": longer than " + MAX_FILE_BYTES
                        + " bytes; a mapping file holds a rule a line, a few KiB");
            }
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (NoSuchFileException e) {
            throw new WeightException(file + ": file not found (" + path.toAbsolutePath() + ")", e);
        } catch (CharacterCodingException e) {
            throw new WeightException(file + ": not valid UTF-8", e);
        } catch (IOException e) {
            throw new WeightException(file + ": cannot read: " + e, e);
        }
        return parse(file, text);
    }

    /**
     * Parses mapping rules from {@code text}.
     *
     * @param file what the text is, for messages: {@code minilm.onnx-map}
     * @throws WeightException if a line is malformed; the message names the file and the line
     */
    public static OnnxNameMap parse(String file, String text) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(text, "text");
        List<Compiled> rules = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        String[] lines = text.split("\r\n|\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            int line = i + 1;
            List<String> tokens = tokens(lines[i], file, line);
            if (tokens.isEmpty()) {
                continue;
            }
            Compiled rule = rule(tokens, file, line);
            // Two targets that differ only in their placeholders' names match the same names.
            Integer before = seen.putIfAbsent(PLACEHOLDER.matcher(rule.rule().target()).replaceAll("{}"), line);
            if (before != null) {
                throw new WeightException(file + ":" + line + ": target " + rule.rule().target()
                        + " is already mapped on line " + before + ", so this rule would never apply");
            }
            rules.add(rule);
        }
        return new OnnxNameMap(file, rules);
    }

    private static Compiled rule(List<String> t, String file, int line) {
        String at = file + ":" + line + ": ";
        String form = "expected TARGET <- tensor NAME [transposed] or TARGET <- input K of NODE [transposed]";
        if (t.size() < 3 || !t.get(1).equals("<-")) {
            throw new WeightException(at + form + ", found: " + String.join(" ", t));
        }
        String target = t.get(0);
        boolean transposed = t.get(t.size() - 1).equals("transposed");
        List<String> source = t.subList(2, transposed ? t.size() - 1 : t.size());
        From from;
        String name;
        int input = -1;
        if (source.size() == 2 && source.get(0).equals("tensor")) {
            from = From.TENSOR;
            name = source.get(1);
        } else if (source.size() == 4 && source.get(0).equals("input") && source.get(2).equals("of")) {
            from = From.NODE_INPUT;
            name = source.get(3);
            try {
                input = Integer.parseInt(source.get(1));
            } catch (NumberFormatException e) {
                input = -1;
            }
            if (input < 0) {
                throw new WeightException(at + "the input index must be a number from 0, found " + source.get(1));
            }
        } else {
            throw new WeightException(at + form + ", found: " + String.join(" ", t));
        }
        List<String> targetNames = new ArrayList<>();
        Pattern targetPattern = pattern(target, targetNames, at);
        List<String> sourceNames = new ArrayList<>();
        Pattern sourcePattern = pattern(name, sourceNames, at);
        for (String n : sourceNames) {
            if (!targetNames.contains(n)) {
                throw new WeightException(at + "{" + n + "} in " + name + " is not in the target " + target
                        + ", so it has no value");
            }
        }
        return new Compiled(new Rule(line, target, from, name, input, transposed), targetPattern,
                List.copyOf(new LinkedHashSet<>(targetNames)), sourcePattern);
    }

    /**
     * A regex for a name with placeholders: each placeholder a run of digits, a repeated one a
     * back reference. Adds the placeholder names, in order of first use, to {@code names}.
     */
    private static Pattern pattern(String text, List<String> names, String at) {
        StringBuilder regex = new StringBuilder();
        Matcher m = PLACEHOLDER.matcher(text);
        int last = 0;
        while (m.find()) {
            regex.append(literal(text, text.substring(last, m.start()), at));
            String n = m.group(1);
            if (!PLACEHOLDER_NAME.matcher(n).matches()) {
                throw new WeightException(at + "placeholder {" + n + "} in " + text
                        + ": a placeholder is a name of letters and digits, such as {layer}");
            }
            if (names.contains(n)) {
                regex.append("\\k<").append(n).append('>');
            } else {
                names.add(n);
                regex.append("(?<").append(n).append(">[0-9]+)");
            }
            last = m.end();
        }
        regex.append(literal(text, text.substring(last), at));
        return Pattern.compile(regex.toString());
    }

    private static String literal(String text, String part, String at) {
        if (part.indexOf('{') >= 0 || part.indexOf('}') >= 0) {
            throw new WeightException(at + "unmatched { or } in " + text);
        }
        return part.isEmpty() ? "" : Pattern.quote(part);
    }

    /** The tokens of a line, without its comment; double quotes group a name with spaces. */
    private static List<String> tokens(String line, String file, int number) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                break;
            } else if (c == '"') {
                int end = line.indexOf('"', i + 1);
                if (end < 0) {
                    throw new WeightException(file + ":" + number + ": unclosed \" in: " + line.strip());
                }
                tokens.add(line.substring(i + 1, end));
                i = end + 1;
            } else {
                int start = i;
                while (i < line.length() && !Character.isWhitespace(line.charAt(i))) {
                    i++;
                }
                tokens.add(line.substring(start, i));
            }
        }
        return tokens;
    }

    /** The file name given to {@link #parse}. */
    public String file() {
        return file;
    }

    /** The rules, in file order. */
    public List<Rule> rules() {
        return rules.stream().map(Compiled::rule).toList();
    }

    /** The weights of {@code onnx} under the names this map gives them. Closing it closes {@code onnx}. */
    public MappedWeights apply(OnnxWeights onnx) {
        return new MappedWeights(onnx, this);
    }

    List<Compiled> compiled() {
        return rules;
    }

    /** The first rule whose target matches {@code name}, with the matcher that matched. */
    Optional<Map.Entry<Compiled, Matcher>> match(String name) {
        for (Compiled rule : rules) {
            Matcher m = rule.target().matcher(name);
            if (m.matches()) {
                return Optional.of(Map.entry(rule, m));
            }
        }
        return Optional.empty();
    }

    /** {@code text} with each {@code {name}} replaced by what the target matched. */
    static String substitute(String text, Matcher target) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(target.group(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The target name for placeholder values {@code values} (placeholder name to digits). */
    static String fill(String text, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(values.get(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The placeholder values that {@code source} matched, or null if it does not match. */
    static Map<String, String> values(Compiled rule, String source) {
        Matcher m = rule.source().matcher(source);
        if (!m.matches()) {
            return null;
        }
        Map<String, String> values = new LinkedHashMap<>();
        Matcher names = PLACEHOLDER.matcher(rule.rule().source());
        while (names.find()) {
            values.putIfAbsent(names.group(1), m.group(names.group(1)));
        }
        return values;
    }

    /** Names of placeholders the target has and the source lacks (a tensor shared by all layers). */
    static Set<String> unbound(Compiled rule) {
        Set<String> missing = new LinkedHashSet<>(rule.targetNames());
        Matcher names = PLACEHOLDER.matcher(rule.rule().source());
        while (names.find()) {
            missing.remove(names.group(1));
        }
        return missing;
    }

    @Override
    public String toString() {
        return "OnnxNameMap[" + file + ", " + rules.size() + " rules]";
    }
}
