package dev.attnc.runtime.weights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a GGUF file: version, key-value metadata and the tensor table, read and
 * checked in one pass.
 *
 * <p>Layout (little-endian): the magic {@code GGUF}, a uint32 version, the tensor count and the
 * metadata count, the metadata entries (a string key, a uint32 value type, the value), the
 * tensor infos (a string name, a uint32 dim count, the dims fastest-first, a uint32 ggml type,
 * a uint64 offset into the data), padding to {@code general.alignment} (32 by default), then
 * the data. Version 1 stores counts, string lengths, array lengths and dims as uint32;
 * versions 2 and 3 as uint64 (version 3 only adds big-endian files, which attnc does not read).
 *
 * <p>Every count and length is checked against the bytes left in the file before anything is
 * allocated for it, and against the caps below, so a hostile header fails in memory that
 * follows what is kept, not what it claims.
 */
final class GgufHeader {

    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    static final int MAX_TENSORS = 1 << 18;
    static final int MAX_KEYS = 1 << 16;
    /** ggml tensors have at most 4 dims. */
    static final int MAX_DIMS = 4;
    /** The longest key or tensor name, in bytes. */
    static final int MAX_NAME_BYTES = 1 << 16;
    /** The longest string value, in bytes. */
    static final int MAX_STRING_BYTES = 1 << 22;
    /** Arrays of arrays at most this deep. */
    static final int MAX_NESTING = 8;
    /** The most heap the metadata may take, as estimated while it is read. */
    static final long MAX_KEPT_BYTES = 256L << 20;
    static final long MAX_ALIGNMENT = 1L << 24;
    static final long DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";

    /**
     * One tensor.
     *
     * @param dims as stored, fastest-varying first ({@code ne} in ggml)
     * @param offset the absolute file position of its data
     * @param bytes the size of its data
     */
    record Entry(String name, GgufType type, long[] dims, long values, long offset, long bytes) {

        /** The shape as attnc writes it, slowest first: the dims reversed. */
        int[] shape() {
            int[] shape = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = (int) dims[dims.length - 1 - i];
            }
            return shape;
        }

        long blocks() {
            return values / type.blockValues;
        }
    }

    final int version;
    final Map<String, Object> metadata;
    final Map<String, Entry> entries;
    final long alignment;
    final long dataStart;

    private GgufHeader(int version, Map<String, Object> metadata, Map<String, Entry> entries, long alignment, long dataStart) {
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.entries = Collections.unmodifiableMap(entries);
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    // Value types of metadata.
    private static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;
    private static final String[] TYPE_NAMES = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool",
        "string", "array", "uint64", "int64", "float64"};

    /** Parsing state. */
    private static final class Reader {
        final GgufCursor in;
        final String file;
        final int version;
        /** Bytes of a count or length field: 4 in version 1, else 8. */
        final int lengthBytes;
        long kept;

        Reader(GgufCursor in, int version) {
            this.in = in;
            this.file = in.file();
            this.version = version;
            this.lengthBytes = version == 1 ? 4 : 8;
        }

        /** A count or length field, unsigned (compare it with {@link #over}). */
        long length(String what) {
            return version == 1 ? in.u32(what) : in.i64(what);
        }

        String string(int max, boolean strict, String what) {
            long n = length("the length of " + what);
            if (over(n, max)) {
                throw new WeightException(file + ": " + what + " is " + Long.toUnsignedString(n) + " bytes long"
                        + (over(n, in.remaining()) ? ", past the end of the file" : "") + "; attnc reads at most " + max);
            }
            in.require(n, what);
            keep(48 + 2 * n, what);
            return in.utf8((int) n, strict, what);
        }

        void keep(long bytes, String what) {
            kept += bytes;
            if (kept > MAX_KEPT_BYTES) {
                throw new WeightException(file + ": metadata takes more than " + (MAX_KEPT_BYTES >> 20)
                        + " MiB of memory (at " + what + "); attnc reads at most that");
            }
        }

        /** The fewest bytes a value of {@code type} takes in the file. */
        int minBytes(int type) {
            return switch (type) {
                case UINT8, INT8, BOOL -> 1;
                case UINT16, INT16 -> 2;
                case UINT32, INT32, FLOAT32 -> 4;
                case UINT64, INT64, FLOAT64 -> 8;
                case STRING -> lengthBytes;
                default -> 4 + lengthBytes; // ARRAY
            };
        }

        int valueType(String what) {
            long type = in.u32("the value type of " + what);
            if (type > FLOAT64) {
                throw new WeightException(file + ": " + what + " has value type " + type
                        + ", which is not a GGUF type (0 to 12)");
            }
            return (int) type;
        }

        Object value(int type, int depth, String what) {
            return switch (type) {
                case UINT8 -> (long) in.u8(what);
                case INT8 -> (long) in.i8(what);
                case UINT16 -> (long) in.u16(what);
                case INT16 -> (long) in.i16(what);
                case UINT32 -> in.u32(what);
                case INT32 -> (long) in.i32(what);
                case UINT64 -> {
                    long v = in.i64(what);
                    if (v < 0) {
                        throw new WeightException(file + ": " + what + " is the uint64 " + Long.toUnsignedString(v)
                                + ", larger than attnc reads (2^63 - 1)");
                    }
                    yield v;
                }
                case INT64 -> in.i64(what);
                case FLOAT32 -> (double) in.f32(what);
                case FLOAT64 -> in.f64(what);
                case BOOL -> bool(what);
                case STRING -> string(MAX_STRING_BYTES, false, what);
                default -> array(depth, what);
            };
        }

        Boolean bool(String what) {
            int b = in.u8(what);
            if (b > 1) {
                throw new WeightException(file + ": " + what + " is a bool stored as " + b + " (0 or 1 expected)");
            }
            return b == 1;
        }

        List<Object> array(int depth, String what) {
            if (depth >= MAX_NESTING) {
                throw new WeightException(file + ": " + what + " nests arrays more than " + MAX_NESTING + " deep");
            }
            int type = valueType("the elements of " + what);
            long n = length("the length of " + what);
            int min = minBytes(type);
            if (over(n, in.remaining() / min)) {
                throw new WeightException(file + ": " + what + " claims " + Long.toUnsignedString(n) + " "
                        + TYPE_NAMES[type] + " elements, but only " + in.remaining()
                        + " bytes of the file follow (is the file truncated?)");
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw new WeightException(file + ": " + what + " has " + n + " elements, more than attnc reads");
            }
            int count = (int) n;
            keep(32 + n * switch (type) {
                case UINT8, INT8, BOOL -> 1;
                case UINT16, INT16, UINT32, INT32, FLOAT32 -> 4;
                case UINT64, INT64, FLOAT64 -> 8;
                default -> 16; // a reference; strings and arrays add their own
            }, what);
            switch (type) {
                case UINT8, INT8, UINT16, INT16, UINT32, INT32 -> {
                    int[] values = new int[count];
                    for (int i = 0; i < count; i++) {
                        values[i] = switch (type) {
                            case UINT8 -> in.u8(what);
                            case INT8 -> in.i8(what);
                            case UINT16 -> in.u16(what);
                            case INT16 -> in.i16(what);
                            default -> in.i32(what);
                        };
                    }
                    return GgufArrays.ints(values, type == UINT32);
                }
                case UINT64, INT64 -> {
                    long[] values = new long[count];
                    for (int i = 0; i < count; i++) {
                        values[i] = type == UINT64 ? (Long) value(UINT64, depth, what) : in.i64(what);
                    }
                    return GgufArrays.longs(values);
                }
                case FLOAT32 -> {
                    float[] values = new float[count];
                    for (int i = 0; i < count; i++) {
                        values[i] = in.f32(what);
                    }
                    return GgufArrays.floats(values);
                }
                case FLOAT64 -> {
                    double[] values = new double[count];
                    for (int i = 0; i < count; i++) {
                        values[i] = in.f64(what);
                    }
                    return GgufArrays.doubles(values);
                }
                case BOOL -> {
                    boolean[] values = new boolean[count];
                    for (int i = 0; i < count; i++) {
                        values[i] = bool(what);
                    }
                    return GgufArrays.booleans(values);
                }
                default -> {
                    // Strings or arrays: grown as read, so a count the file cannot back is never allocated.
                    List<Object> values = new ArrayList<>(Math.min(count, 1024));
                    for (int i = 0; i < count; i++) {
                        values.add(value(type, depth + 1, "element " + i + " of " + what));
                    }
                    return Collections.unmodifiableList(values);
                }
            }
        }
    }

    /** Reads and checks the header of a file of {@code in.size()} bytes. */
    static GgufHeader parse(GgufCursor in) {
        String file = in.file();
        if (in.size() < 8) {
            throw new WeightException(file + ": file is " + in.size() + " bytes, too short for a GGUF file (at least 8)");
        }
        int magic = in.i32("the magic number");
        if (magic != MAGIC) {
            throw new WeightException(file + ": not a GGUF file (it starts with bytes " + hexBytes(magic)
                    + ", not \"GGUF\")");
        }
        long version = in.u32("the version");
        if (version == 0x01000000L || version == 0x02000000L || version == 0x03000000L) {
            throw new WeightException(file + ": is a big-endian GGUF file (version " + Long.reverseBytes(version << 32)
                    + "); attnc reads little-endian ones");
        }
        if (version < 1 || version > 3) {
            throw new WeightException(file + ": GGUF version " + version + " is not supported (attnc reads versions 1 to 3)");
        }
        Reader r = new Reader(in, (int) version);
        long tensorCount = r.length("the tensor count");
        long keyCount = r.length("the metadata count");
        if (over(tensorCount, MAX_TENSORS)) {
            throw new WeightException(file + ": header lists " + Long.toUnsignedString(tensorCount)
                    + " tensors, more than attnc reads (" + MAX_TENSORS + ")");
        }
        if (over(keyCount, MAX_KEYS)) {
            throw new WeightException(file + ": header lists " + Long.toUnsignedString(keyCount)
                    + " metadata entries, more than attnc reads (" + MAX_KEYS + ")");
        }
        long minInfo = r.lengthBytes + 4 + 4 + 8;
        long minEntry = r.lengthBytes + 4 + 1;
        if (tensorCount * minInfo + keyCount * minEntry > in.remaining()) {
            throw new WeightException(file + ": header lists " + tensorCount + " tensors and " + keyCount
                    + " metadata entries, which take at least " + (tensorCount * minInfo + keyCount * minEntry)
                    + " bytes, but only " + in.remaining() + " bytes follow (is the file truncated?)");
        }

        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long k = 0; k < keyCount; k++) {
            String where = "metadata entry " + k + " of " + keyCount;
            String key = r.string(MAX_NAME_BYTES, true, "the key of " + where);
            String what = "metadata \"" + key + "\"";
            int type = r.valueType(what);
            Object value = r.value(type, 0, what);
            if (metadata.putIfAbsent(key, value) != null) {
                throw new WeightException(file + ": metadata key \"" + key + "\" is listed twice");
            }
        }
        long alignment = alignment(metadata.get(ALIGNMENT_KEY), file);

        Map<String, Entry> entries = new LinkedHashMap<>();
        for (long t = 0; t < tensorCount; t++) {
            String where = "tensor " + t + " of " + tensorCount;
            String name = r.string(MAX_NAME_BYTES, true, "the name of " + where);
            String what = "tensor \"" + name + "\"";
            long rank = in.u32("the dim count of " + what);
            if (rank > MAX_DIMS) {
                throw new WeightException(name + ": has " + rank + " dims in " + file + "; GGUF tensors have at most "
                        + MAX_DIMS);
            }
            long[] dims = new long[(int) rank];
            long values = 1;
            boolean overflow = false;
            for (int d = 0; d < rank; d++) {
                dims[d] = r.length("dim " + d + " of " + what);
                if (over(dims[d], Integer.MAX_VALUE)) {
                    throw new WeightException(name + ": dims " + dimsString(dims, d + 1) + " in " + file
                            + " have a dim larger than " + Integer.MAX_VALUE);
                }
                long high = Math.multiplyHigh(values, dims[d]);
                values *= dims[d];
                overflow |= high != 0 || values < 0;
            }
            if (overflow) {
                throw new WeightException(name + ": dims " + dimsString(dims, dims.length) + " in " + file
                        + " hold more values than a file can (over 2^63)");
            }
            long typeId = in.u32("the type of " + what);
            GgufType type = GgufType.of(typeId);
            if (type == null) {
                throw new WeightException(name + ": tensor type " + typeId + " in " + file
                        + " is not one attnc knows (it reads " + GgufType.READABLE + ")");
            }
            if (values % type.blockValues != 0) {
                throw new WeightException(name + ": " + values + " values " + dimsString(dims, dims.length) + " in "
                        + file + " are not a whole number of " + type + " blocks of " + type.blockValues);
            }
            long blocks = values / type.blockValues;
            if (blocks > Long.MAX_VALUE / type.blockBytes) {
                throw new WeightException(name + ": dims " + dimsString(dims, dims.length) + " in " + file
                        + " hold more bytes than a file can");
            }
            long offset = in.i64("the data offset of " + what);
            if (offset < 0) {
                throw new WeightException(name + ": data offset " + Long.toUnsignedString(offset) + " in " + file
                        + " is past the end of any file");
            }
            if (offset % alignment != 0) {
                throw new WeightException(name + ": data offset " + offset + " in " + file
                        + " is not a multiple of the alignment " + alignment);
            }
            if (entries.containsKey(name)) {
                throw new WeightException(name + ": listed twice in the header of " + file);
            }
            entries.put(name, new Entry(name, type, dims, values, offset, blocks * type.blockBytes));
        }

        long headerEnd = in.position();
        long dataStart = (headerEnd + alignment - 1) / alignment * alignment; // alignment <= 2^24: no overflow
        long dataBytes = in.size() - dataStart;
        Map<String, Entry> placed = new LinkedHashMap<>();
        for (Entry e : entries.values()) {
            if (e.bytes > 0 && (dataBytes < 0 || e.offset > dataBytes - e.bytes)) {
                throw new WeightException(e.name + ": data [" + e.offset + ", " + Long.toUnsignedString(e.offset + e.bytes)
                        + ") of " + e.bytes + " bytes (" + e.type + " " + dimsString(e.dims, e.dims.length)
                        + ") reaches past the end of the data in " + file + " (" + Math.max(0, dataBytes)
                        + " bytes from byte " + dataStart + "; is the file truncated?)");
            }
            placed.put(e.name, new Entry(e.name, e.type, e.dims, e.values, dataStart + e.offset, e.bytes));
        }
        checkOverlaps(placed.values(), dataStart, file);
        return new GgufHeader((int) version, metadata, placed, alignment, dataStart);
    }

    /** Whether the unsigned number {@code n} is larger than {@code max} (0 or more). */
    static boolean over(long n, long max) {
        return Long.compareUnsigned(n, max) > 0;
    }

    private static long alignment(Object value, String file) {
        if (value == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!(value instanceof Long a) || a < 1 || a > MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw new WeightException(file + ": " + ALIGNMENT_KEY + " is " + describe(value)
                    + "; it must be a power of two from 1 to " + MAX_ALIGNMENT);
        }
        return a;
    }

    private static String describe(Object value) {
        return value instanceof String s ? "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\""
                : value instanceof List<?> l ? "an array of " + l.size() : String.valueOf(value);
    }

    private static void checkOverlaps(java.util.Collection<Entry> entries, long dataStart, String file) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.removeIf(e -> e.bytes == 0);
        sorted.sort(Comparator.comparingLong(Entry::offset));
        for (int i = 1; i < sorted.size(); i++) {
            Entry before = sorted.get(i - 1);
            Entry e = sorted.get(i);
            if (e.offset < before.offset + before.bytes) {
                throw new WeightException(e.name + ": data [" + (e.offset - dataStart) + ", "
                        + (e.offset - dataStart + e.bytes) + ") overlaps that of " + before.name + " ["
                        + (before.offset - dataStart) + ", " + (before.offset - dataStart + before.bytes) + ") in " + file);
            }
        }
    }

    /** {@code [a, b, c]} of the first {@code n} dims, as stored (fastest first). */
    static String dimsString(long[] dims, int n) {
        StringBuilder s = new StringBuilder("ne=[");
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ", ").append(Long.toUnsignedString(dims[i]));
        }
        return s.append(']').toString();
    }

    private static String hexBytes(int word) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            s.append(i == 0 ? "" : " ").append(String.format("%02x", (word >>> (8 * i)) & 0xFF));
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return "GgufHeader[v" + version + ", " + metadata.size() + " keys, " + entries.size() + " tensors]";
    }
}
