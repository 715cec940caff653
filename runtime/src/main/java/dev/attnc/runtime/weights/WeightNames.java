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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the names a {@code .attn} file reads ({@code from "..."}) become a checkpoint's names,
 * without editing the file: a prefix rule, and rules from a mapping file.
 *
 * <p>The prefix rule {@code FROM=TO} replaces a leading {@code FROM} of a name with {@code TO}:
 * {@code =transformer.} adds {@code transformer.} to every name, {@code model.=} takes
 * {@code model.} off, {@code model.=transformer.} swaps one for the other. A plain {@code P}
 * (no {@code =}) adds {@code P}. A name that does not start with {@code FROM} is read as it is.
 *
 * <p>A mapping file has one rule a line, {@code ATTN_NAME = CHECKPOINT_NAME}:
 *
 * <pre>
 * # the .attn name          = the checkpoint's name
 * wte.weight                = transformer.wte.weight
 * h.{n}.attn.c_attn.weight  = transformer.h.{n}.attn.c_attn.weight
 * </pre>
 *
 * <p>{@code {n}} (any name in braces) matches a run of digits, a layer number, and the
 * checkpoint name may use it. {@code #} starts a comment; blank lines are ignored. The first
 * rule that matches a name wins; the prefix rule applies to the names no rule matches.
 */
public final class WeightNames {
    /** The longest mapping file read: a rule a line is a few KiB even for large models. */
    static final int MAX_FILE_BYTES = 1 << 20;

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");

    /** One rule of the file, with its line and the pattern of its .attn side. */
    private record Rule(int line, String attnName, String checkpointName, Pattern pattern, List<String> placeholders) {
    }

    private final String file;
    private final List<Rule> rules;
    private final String prefixFrom;
    private final String prefixTo;

    private WeightNames(String file, List<Rule> rules, String prefixFrom, String prefixTo) {
        this.file = file;
        this.rules = List.copyOf(rules);
        this.prefixFrom = prefixFrom;
        this.prefixTo = prefixTo;
    }

    /** No renaming. */
    public static WeightNames none() {
        return new WeightNames(null, List.of(), null, null);
    }

    /** These names with the prefix rule {@code FROM=TO} (or {@code P}: add P) applied where no file rule matches. */
    public WeightNames withPrefix(String rule) {
        Objects.requireNonNull(rule, "rule");
        int equals = rule.indexOf('=');
        String from = equals < 0 ? "" : rule.substring(0, equals);
        String to = equals < 0 ? rule : rule.substring(equals + 1);
        if (from.equals(to)) {
            throw new WeightException("--weights-prefix " + rule + " changes no name; write FROM=TO, =ADDED or REMOVED=");
        }
        return new WeightNames(file, rules, from, to);
    }

    /**
     * Reads a mapping file.
     *
     * @throws WeightException if the file cannot be read or a line is malformed; the message
     *     names the file and the line
     */
    public static WeightNames read(Path path) {
        Objects.requireNonNull(path, "path");
        String file = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        RegularFiles.require(path, file, "a mapping file");
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new WeightException(file + ": file not found (" + path.toAbsolutePath() + ")", e);
        } catch (IOException e) {
            throw new WeightException(file + ": cannot read: " + e, e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new WeightException(file + ": longer than " + MAX_FILE_BYTES + " bytes; a mapping file holds a rule a line");
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            return parse(file, text);
        } catch (CharacterCodingException e) {
            throw new WeightException(file + ": not valid UTF-8", e);
        }
    }

    /**
     * Parses mapping rules.
     *
     * @param file what the text is, for messages
     */
    public static WeightNames parse(String file, String text) {
        List<Rule> rules = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        String[] lines = text.split("\r\n|\n|\r", -1);
        for (int index = 0; index < lines.length; index++) {
            int line = index + 1;
            String content = lines[index];
            int comment = content.indexOf('#');
            content = (comment < 0 ? content : content.substring(0, comment)).strip();
            if (content.isEmpty()) {
                continue;
            }
            String at = file + ":" + line + ": ";
            String[] sides = content.split("=", -1);
            if (sides.length != 2 || sides[0].isBlank() || sides[1].isBlank()) {
                throw new WeightException(at + "expected ATTN_NAME = CHECKPOINT_NAME, found: " + clip(content));
            }
            String attnName = sides[0].strip();
            String checkpointName = sides[1].strip();
            for (String name : List.of(attnName, checkpointName)) {
                if (name.chars().anyMatch(Character::isWhitespace)) {
                    throw new WeightException(at + "a name holds no spaces: " + clip(name));
                }
            }
            List<String> placeholders = new ArrayList<>();
            Pattern pattern = pattern(attnName, placeholders, at);
            Matcher used = PLACEHOLDER.matcher(checkpointName);
            while (used.find()) {
                if (!placeholders.contains(used.group(1))) {
                    throw new WeightException(at + "{" + used.group(1) + "} is not in " + attnName + ", so it has no value");
                }
            }
            Integer before = seen.putIfAbsent(PLACEHOLDER.matcher(attnName).replaceAll("{}"), line);
            if (before != null) {
                throw new WeightException(at + attnName + " is already mapped on line " + before + ", so this rule would never apply");
            }
            rules.add(new Rule(line, attnName, checkpointName, pattern, placeholders));
        }
        return new WeightNames(file, rules, null, null);
    }

    /** A name pattern: literal text, each {@code {n}} a run of digits (the same digits where a placeholder repeats). */
    private static Pattern pattern(String text, List<String> placeholders, String at) {
        if (PLACEHOLDER.matcher(text).replaceAll("").matches("(?s).*[{}].*")) {
            throw new WeightException(at + "a placeholder is a name in braces, such as {n}: " + clip(text));
        }
        StringBuilder regex = new StringBuilder();
        Matcher m = PLACEHOLDER.matcher(text);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(text.substring(last, m.start())));
            String name = m.group(1);
            int earlier = placeholders.indexOf(name);
            if (earlier >= 0) {
                regex.append("\\").append(earlier + 1);
            } else {
                placeholders.add(name);
                regex.append("([0-9]{1,9})");
            }
            last = m.end();
        }
        regex.append(Pattern.quote(text.substring(last)));
        return Pattern.compile(regex.toString());
    }

    private static String clip(String text) {
        return text.length() > 80 ? text.substring(0, 77) + "..." : text;
    }

    /** Whether any name is changed. */
    public boolean isEmpty() {
        return rules.isEmpty() && prefixTo == null;
    }

    /** The checkpoint's name for {@code attnName}, with why it differs (for messages), or empty when it is the same. */
    public Optional<Renamed> rename(String attnName) {
        for (Rule rule : rules) {
            Matcher m = rule.pattern().matcher(attnName);
            if (m.matches()) {
                String name = rule.checkpointName();
                for (int group = 0; group < rule.placeholders().size(); group++) {
                    name = name.replace("{" + rule.placeholders().get(group) + "}", m.group(group + 1));
                }
                return Optional.of(new Renamed(name, file + ":" + rule.line()));
            }
        }
        if (prefixTo != null && attnName.startsWith(prefixFrom)) {
            return Optional.of(new Renamed(prefixTo + attnName.substring(prefixFrom.length()),
                    "--weights-prefix " + prefixFrom + "=" + prefixTo));
        }
        return Optional.empty();
    }

    /** The .attn name a checkpoint name is read for, where a rule gives one (the reverse of {@link #rename}); else the name itself. */
    String attnName(String checkpointName) {
        for (Rule rule : rules) {
            List<String> placeholders = new ArrayList<>();
            Pattern reverse;
            try {
                reverse = pattern(rule.checkpointName(), placeholders, "");
            } catch (WeightException e) {
                continue;
            }
            Matcher m = reverse.matcher(checkpointName);
            if (m.matches()) {
                String name = rule.attnName();
                for (int group = 0; group < placeholders.size(); group++) {
                    name = name.replace("{" + placeholders.get(group) + "}", m.group(group + 1));
                }
                if (rename(name).map(r -> r.name().equals(checkpointName)).orElse(false)) {
                    return name;
                }
            }
        }
        if (prefixTo != null && checkpointName.startsWith(prefixTo)) {
            String name = prefixFrom + checkpointName.substring(prefixTo.length());
            if (rename(name).map(r -> r.name().equals(checkpointName)).orElse(false)) {
                return name;
            }
        }
        return checkpointName;
    }

    /**
     * A name as the checkpoint has it.
     *
     * @param name the checkpoint's name
     * @param why  the rule that gave it: {@code gpt2.map:3}, {@code --weights-prefix =transformer.}
     */
    public record Renamed(String name, String why) {
    }
}
