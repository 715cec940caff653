package dev.attnc.runtime.weights;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.EOFException;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parsed and fully validated JSON header of a safetensors file: every tensor's dtype,
 * shape and place in the data region, plus the optional string metadata.
 *
 * <p>{@link #parse} reads the header with Gson's strict streaming reader, checking every JSON
 * type itself, so that every problem comes out as a {@link WeightException} naming the tensor
 * and the file, never as a JSON library exception. Each entry is validated as soon as it is
 * read and only what is kept is built (no copy of the header text, no intermediate form), so a
 * broken header fails at its first bad entry and a well-formed one takes memory in proportion
 * to the tensors it lists, within the limits below.
 */
final class SafetensorsHeader {

    static final String METADATA_KEY = "__metadata__";

    /** The most tensors one file may list: far above any checkpoint shard (a few thousand). */
    static final int MAX_TENSORS = 1 << 18;
    /** The most dims of one shape (NumPy's limit). */
    static final int MAX_RANK = 64;
    /** The most characters of all {@code __metadata__} keys and values together. */
    static final long MAX_METADATA_CHARS = 1L << 24;

    /** One tensor's entry; offsets are relative to the start of the data region. */
    record Entry(String name, StoredDType dtype, int[] shape, long begin, long end) {

        long elements() {
            long n = 1;
            for (int d : shape) {
                n *= d; // cannot overflow: validated against the byte length at parse time
            }
            return n;
        }

        String shapeString() {
            return SafetensorsHeader.shapeString(shape);
        }
    }

    private static final Pattern POSITION = Pattern.compile("at line (\\d+) column (\\d+)");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");

    private final Map<String, String> metadata;
    private final SortedMap<String, Entry> entries;

    private SafetensorsHeader(Map<String, String> metadata, SortedMap<String, Entry> entries) {
        this.metadata = Collections.unmodifiableMap(metadata);
        this.entries = Collections.unmodifiableSortedMap(entries);
    }

    Map<String, String> metadata() {
        return metadata;
    }

    /** The tensors by name, in name order. */
    SortedMap<String, Entry> entries() {
        return entries;
    }

    /**
     * Parses and validates the header read from {@code json}, entry by entry.
     *
     * @param dataLength bytes in the data region that follows the header
     * @param file the file name, for messages
     */
    static SafetensorsHeader parse(Reader json, long dataLength, String file) {
        Parser parser = new Parser(json, dataLength, file);
        try {
            parser.read();
        } catch (WeightException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new WeightException(file + ": " + jsonProblem(e), e);
        }
        checkOverlaps(parser.entries.values(), file);
        return new SafetensorsHeader(parser.metadata, parser.entries);
    }

    /** What Gson found wrong, with the place but without Gson's own wording. */
    private static String jsonProblem(Exception e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        Matcher m = POSITION.matcher(message);
        String at = m.find() ? "line " + m.group(1) + ", column " + m.group(2) : null;
        if (message.startsWith("Nesting limit")) {
            return "header JSON is nested too deeply" + (at == null ? "" : " (at " + at + ")");
        }
        if (e instanceof EOFException) {
            return "header is not valid JSON (it ends early" + (at == null ? ")" : ", at " + at + ")");
        }
        return "header is not valid JSON" + (at == null ? "" : " (error at " + at + ")");
    }

    /** Reads the JSON structure; reports wrong JSON types and missing or repeated keys. */
    private static final class Parser {
        private final JsonReader in;
        private final long dataLength;
        private final String file;
        final Map<String, String> metadata = new LinkedHashMap<>();
        final SortedMap<String, Entry> entries = new TreeMap<>();
        private boolean metadataSeen;
        private long metadataChars;

        Parser(Reader json, long dataLength, String file) {
            this.in = new JsonReader(json);
            this.in.setStrictness(Strictness.STRICT);
            this.dataLength = dataLength;
            this.file = file;
        }

        void read() throws IOException {
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw new WeightException(file + ": header is not a JSON object, found " + describe(in.peek()));
            }
            in.beginObject();
            while (in.hasNext()) {
                String name = in.nextName();
                if (name.equals(METADATA_KEY)) {
                    if (metadataSeen) {
                        throw new WeightException(name + ": listed twice in the header of " + file);
                    }
                    metadataSeen = true;
                    readMetadata();
                    continue;
                }
                if (entries.containsKey(name)) {
                    throw new WeightException(name + ": listed twice in the header of " + file);
                }
                if (entries.size() == MAX_TENSORS) {
                    throw new WeightException(file + ": header lists more than " + MAX_TENSORS
                            + " tensors, more than attnc reads from one file");
                }
                entries.put(name, readEntry(name));
            }
            in.endObject();
            if (in.peek() != JsonToken.END_DOCUMENT) {
                // Strict mode reports text after the object itself; this is a safety net.
                throw new WeightException(file + ": header has more after its JSON object");
            }
        }

        private void readMetadata() throws IOException {
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw new WeightException(file + ": \"" + METADATA_KEY
                        + "\" must be an object of strings, found " + describe(in.peek()));
            }
            in.beginObject();
            while (in.hasNext()) {
                String key = in.nextName();
                if (in.peek() != JsonToken.STRING) {
                    throw new WeightException(file + ": \"" + METADATA_KEY + "\" value of \"" + key
                            + "\" must be a string, found " + describe(in.peek()));
                }
                String value = in.nextString();
                metadataChars += key.length() + value.length();
                if (metadataChars > MAX_METADATA_CHARS) {
                    throw new WeightException(file + ": \"" + METADATA_KEY + "\" holds more than " + MAX_METADATA_CHARS
                            + " characters, more than attnc reads");
                }
                if (metadata.put(key, value) != null) {
                    throw new WeightException(file + ": \"" + METADATA_KEY + "\" lists \"" + key + "\" twice");
                }
            }
            in.endObject();
        }

        private Entry readEntry(String name) throws IOException {
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw tensorError(name, "entry must be an object with \"dtype\", \"shape\" and \"data_offsets\", found "
                        + describe(in.peek()));
            }
            String dtype = null;
            long[] shape = null;
            long[] offsets = null;
            Set<String> keys = new HashSet<>();
            in.beginObject();
            while (in.hasNext()) {
                String key = in.nextName();
                if (!keys.add(key)) {
                    throw tensorError(name, "\"" + key + "\" appears twice");
                }
                switch (key) {
                    case "dtype" -> {
                        if (in.peek() != JsonToken.STRING) {
                            throw tensorError(name, "\"dtype\" must be a string, found " + describe(in.peek()));
                        }
                        dtype = in.nextString();
                    }
                    case "shape" -> shape = readIntegers(name, "shape", "an array of integers", MAX_RANK);
                    case "data_offsets" -> offsets = readIntegers(name, "data_offsets", "[begin, end]", 2);
                    default -> in.skipValue(); // unknown keys are ignored, as the reference reader does
                }
            }
            in.endObject();
            for (String required : List.of("dtype", "shape", "data_offsets")) {
                if (!keys.contains(required)) {
                    throw tensorError(name, "missing \"" + required + "\"");
                }
            }
            if (offsets.length != 2) {
                throw tensorError(name, "\"data_offsets\" must be [begin, end], found " + render(offsets));
            }
            return validate(name, dtype, shape, offsets, dataLength, file);
        }

        /**
         * An array of at most {@code max} integer literals. A value beyond the range of a long is
         * clamped to Long.MIN_VALUE or Long.MAX_VALUE: it is then reported as negative or too
         * large. Past {@code max} values the rest is read but not kept.
         */
        private long[] readIntegers(String name, String key, String expected, int max) throws IOException {
            if (in.peek() != JsonToken.BEGIN_ARRAY) {
                throw tensorError(name, "\"" + key + "\" must be " + expected + ", found " + describe(in.peek()));
            }
            List<String> shown = new ArrayList<>();
            List<Long> values = new ArrayList<>();
            boolean ok = true;
            long count = 0;
            in.beginArray();
            while (in.hasNext()) {
                if (++count > max) {
                    in.skipValue();
                    continue;
                }
                JsonToken t = in.peek();
                switch (t) {
                    case NUMBER -> {
                        String literal = in.nextString(); // the number exactly as written
                        shown.add(literal);
                        if (INTEGER.matcher(literal).matches()) {
                            values.add(clamp(new BigInteger(literal)));
                        } else {
                            ok = false;
                        }
                    }
                    case STRING -> {
                        shown.add('"' + in.nextString() + '"');
                        ok = false;
                    }
                    case BOOLEAN -> {
                        shown.add(String.valueOf(in.nextBoolean()));
                        ok = false;
                    }
                    case NULL -> {
                        in.nextNull();
                        shown.add("null");
                        ok = false;
                    }
                    default -> {
                        shown.add(t == JsonToken.BEGIN_ARRAY ? "[...]" : "{...}");
                        in.skipValue();
                        ok = false;
                    }
                }
            }
            in.endArray();
            if (count > max && max == 2) {
                shown.add("...");
                throw tensorError(name, "\"" + key + "\" must be " + expected + ", found "
                        + String.join(", ", shown).transform(s -> "[" + s + "]"));
            }
            if (count > max) {
                throw tensorError(name, "\"" + key + "\" has " + count + " dims, more than the " + max
                        + " attnc reads");
            }
            if (!ok) {
                throw tensorError(name, "\"" + key + "\" must be " + expected + ", found "
                        + String.join(", ", shown).transform(s -> "[" + s + "]"));
            }
            return values.stream().mapToLong(Long::longValue).toArray();
        }

        private WeightException tensorError(String name, String problem) {
            return new WeightException(name + ": " + problem + " in " + file);
        }
    }

    private static long clamp(BigInteger v) {
        if (v.bitLength() < 64) {
            return v.longValue();
        }
        return v.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case BEGIN_OBJECT -> "an object";
            case BEGIN_ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> "nothing";
        };
    }

    private static String render(long[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(values[i]);
        }
        return sb.append(']').toString();
    }

    static String shapeString(int[] shape) {
        return render(Arrays.stream(shape).asLongStream().toArray());
    }

    /** Checks one entry's dtype, dims and offsets against each other and the size of the data region. */
    private static Entry validate(String name, String dtypeName, long[] rawShape, long[] offsetsAsWritten,
            long dataLength, String file) {
        String in = " in " + file;
        StoredDType dtype = StoredDType.parse(dtypeName);
        if (dtype == null) {
            throw new WeightException(name + ": unknown dtype \"" + dtypeName + "\"" + in
                    + " (supported: " + StoredDType.READABLE + ")");
        }
        int[] shape = new int[rawShape.length];
        for (int i = 0; i < shape.length; i++) {
            long d = rawShape[i];
            if (d < 0) {
                throw new WeightException(name + ": shape " + render(rawShape) + " has a negative dim" + in);
            }
            if (d > Integer.MAX_VALUE) {
                throw new WeightException(name + ": shape " + render(rawShape)
                        + " has a dim larger than " + Integer.MAX_VALUE + in);
            }
            shape[i] = (int) d;
        }
        long begin = offsetsAsWritten[0];
        long end = offsetsAsWritten[1];
        String offsets = "data_offsets " + render(offsetsAsWritten);
        if (begin < 0 || end < 0) {
            throw new WeightException(name + ": " + offsets + " must not be negative" + in);
        }
        if (end < begin) {
            throw new WeightException(name + ": " + offsets + " end before they begin" + in);
        }
        if (end > dataLength) {
            throw new WeightException(name + ": " + offsets + " reach past the end of the data ("
                    + dataLength + " bytes; is the file truncated?)" + in);
        }
        long bits = bitsOf(shape, dtype.bits);
        if (bits < 0) {
            throw new WeightException(name + ": shape " + render(rawShape) + " is too large" + in);
        }
        if (bits % 8 != 0) {
            throw new WeightException(name + ": " + dtype + " " + render(rawShape)
                    + " does not fill a whole number of bytes" + in);
        }
        long needed = bits / 8;
        if (end - begin != needed) {
            throw new WeightException(name + ": " + offsets + " hold " + (end - begin) + " bytes, but "
                    + dtype + " " + render(rawShape) + " needs " + needed + in);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Bits for {@code shape} elements of {@code bits} each, or -1 if that overflows a long. */
    private static long bitsOf(int[] shape, int bits) {
        for (int d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        try {
            long n = bits;
            for (int d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        } catch (ArithmeticException overflow) {
            return -1;
        }
    }

    /** Tensors may leave gaps between them but must not share bytes. */
    private static void checkOverlaps(Collection<Entry> entries, String file) {
        List<Entry> byOffset = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            if (e.end() > e.begin()) {
                byOffset.add(e);
            }
        }
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparing(Entry::name));
        Entry reach = null; // the entry reaching furthest so far
        for (Entry e : byOffset) {
            if (reach != null && e.begin() < reach.end()) {
                throw new WeightException(e.name() + ": data_offsets [" + e.begin() + ", " + e.end()
                        + "] overlap those of " + reach.name() + " [" + reach.begin() + ", " + reach.end()
                        + "] in " + file);
            }
            if (reach == null || e.end() > reach.end()) {
                reach = e;
            }
        }
    }
}
