package dev.attnc.runtime.weights;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
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
 * and the file, never as a JSON library exception.
 */
final class SafetensorsHeader {

    static final String METADATA_KEY = "__metadata__";

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
     * Parses and validates {@code json}.
     *
     * @param dataLength bytes in the data region that follows the header
     * @param file the file name, for messages
     */
    static SafetensorsHeader parse(String json, long dataLength, String file) {
        Raw raw;
        try {
            raw = new Parser(json, file).read();
        } catch (WeightException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new WeightException(file + ": " + jsonProblem(e), e);
        }
        return validate(raw, dataLength, file);
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

    /** One entry as written, before validation. */
    private record RawEntry(String name, String dtype, long[] shape, long[] offsets) {}

    private record Raw(Map<String, String> metadata, List<RawEntry> entries) {}

    /** Reads the JSON structure; reports wrong JSON types and missing or repeated keys. */
    private static final class Parser {
        private final JsonReader in;
        private final String file;

        Parser(String json, String file) {
            this.in = new JsonReader(new StringReader(json));
            this.in.setStrictness(Strictness.STRICT);
            this.file = file;
        }

        Raw read() throws IOException {
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw new WeightException(file + ": header is not a JSON object, found " + describe(in.peek()));
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            List<RawEntry> entries = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            in.beginObject();
            while (in.hasNext()) {
                String name = in.nextName();
                if (!seen.add(name)) {
                    throw new WeightException(name + ": listed twice in the header of " + file);
                }
                if (name.equals(METADATA_KEY)) {
                    readMetadata(metadata);
                } else {
                    entries.add(readEntry(name));
                }
            }
            in.endObject();
            if (in.peek() != JsonToken.END_DOCUMENT) {
                // Strict mode reports text after the object itself; this is a safety net.
                throw new WeightException(file + ": header has more after its JSON object");
            }
            return new Raw(metadata, entries);
        }

        private void readMetadata(Map<String, String> metadata) throws IOException {
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
                if (metadata.put(key, in.nextString()) != null) {
                    throw new WeightException(file + ": \"" + METADATA_KEY + "\" lists \"" + key + "\" twice");
                }
            }
            in.endObject();
        }

        private RawEntry readEntry(String name) throws IOException {
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
                    case "shape" -> shape = readIntegers(name, "shape", "an array of integers");
                    case "data_offsets" -> offsets = readIntegers(name, "data_offsets", "[begin, end]");
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
            return new RawEntry(name, dtype, shape, offsets);
        }

        /**
         * An array of integer literals. A value beyond the range of a long is clamped to
         * Long.MIN_VALUE or Long.MAX_VALUE: it is then reported as negative or too large.
         */
        private long[] readIntegers(String name, String key, String expected) throws IOException {
            if (in.peek() != JsonToken.BEGIN_ARRAY) {
                throw tensorError(name, "\"" + key + "\" must be " + expected + ", found " + describe(in.peek()));
            }
            List<String> shown = new ArrayList<>();
            List<Long> values = new ArrayList<>();
            boolean ok = true;
            in.beginArray();
            while (in.hasNext()) {
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

    /** Checks dtypes, dims and offsets against each other and the size of the data region. */
    private static SafetensorsHeader validate(Raw raw, long dataLength, String file) {
        SortedMap<String, Entry> entries = new TreeMap<>();
        List<RawEntry> sorted = new ArrayList<>(raw.entries());
        sorted.sort(Comparator.comparing(RawEntry::name));
        for (RawEntry r : sorted) {
            String in = " in " + file;
            StoredDType dtype = StoredDType.parse(r.dtype());
            if (dtype == null) {
                throw new WeightException(r.name() + ": unknown dtype \"" + r.dtype() + "\"" + in
                        + " (supported: " + StoredDType.READABLE + ")");
            }
            int[] shape = new int[r.shape().length];
            for (int i = 0; i < shape.length; i++) {
                long d = r.shape()[i];
                if (d < 0) {
                    throw new WeightException(r.name() + ": shape " + render(r.shape()) + " has a negative dim" + in);
                }
                if (d > Integer.MAX_VALUE) {
                    throw new WeightException(r.name() + ": shape " + render(r.shape())
                            + " has a dim larger than " + Integer.MAX_VALUE + in);
                }
                shape[i] = (int) d;
            }
            long begin = r.offsets()[0];
            long end = r.offsets()[1];
            String offsets = "data_offsets " + render(r.offsets());
            if (begin < 0 || end < 0) {
                throw new WeightException(r.name() + ": " + offsets + " must not be negative" + in);
            }
            if (end < begin) {
                throw new WeightException(r.name() + ": " + offsets + " end before they begin" + in);
            }
            if (end > dataLength) {
                throw new WeightException(r.name() + ": " + offsets + " reach past the end of the data ("
                        + dataLength + " bytes; is the file truncated?)" + in);
            }
            long bits = bitsOf(shape, dtype.bits);
            if (bits < 0) {
                throw new WeightException(r.name() + ": shape " + render(r.shape()) + " is too large" + in);
            }
            if (bits % 8 != 0) {
                throw new WeightException(r.name() + ": " + dtype + " " + render(r.shape())
                        + " does not fill a whole number of bytes" + in);
            }
            long needed = bits / 8;
            if (end - begin != needed) {
                throw new WeightException(r.name() + ": " + offsets + " hold " + (end - begin) + " bytes, but "
                        + dtype + " " + render(r.shape()) + " needs " + needed + in);
            }
            entries.put(r.name(), new Entry(r.name(), dtype, shape, begin, end));
        }
        checkOverlaps(entries.values(), file);
        return new SafetensorsHeader(raw.metadata(), entries);
    }

    /** Bits for {@code shape} elements of {@code bits} each, or -1 if that overflows a long. */
    private static long bitsOf(int[] shape, int bits) {
        long n = bits;
        for (int d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        for (int d : shape) {
            if (n > Long.MAX_VALUE / d) {
                return -1;
            }
            n *= d;
        }
        return n;
    }

    /** Tensors may leave gaps between them but must not share bytes. */
    private static void checkOverlaps(Iterable<Entry> entries, String file) {
        List<Entry> byOffset = new ArrayList<>();
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
