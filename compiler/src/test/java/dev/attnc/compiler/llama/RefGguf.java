package dev.attnc.compiler.llama;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF reader for tests, written from the format's definition and independent of attnc's
 * reader: versions 1 (32-bit counts and string lengths) to 3, every metadata value type, tensor
 * types F32, F16 and Q8_0 dequantized to float64. Trusts its input (it only reads the known
 * files); the whole file is read into memory (the stories260K files are about 1 MB).
 */
final class RefGguf {
    /** A tensor's entry: dims fastest first, as GGUF stores them; offset from the data section. */
    record TensorInfo(String name, long[] dims, int type, long offset) {
        long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    private static final int TYPE_F32 = 0;
    private static final int TYPE_F16 = 1;
    private static final int TYPE_Q8_0 = 8;
    private static final int Q8_0_BLOCK = 32;

    final int version;
    final Map<String, Object> metadata = new LinkedHashMap<>();
    final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private final ByteBuffer buffer;
    private final long dataStart;

    private RefGguf(ByteBuffer buffer) {
        this.buffer = buffer;
        int magic = buffer.getInt();
        if (magic != 0x46554747) { // "GGUF" read little-endian
            throw new IllegalStateException("not a GGUF file");
        }
        version = buffer.getInt();
        if (version < 1 || version > 3) {
            throw new IllegalStateException("GGUF version " + version);
        }
        long tensorCount = count();
        long metadataCount = count();
        for (long i = 0; i < metadataCount; i++) {
            String key = string();
            metadata.put(key, value(buffer.getInt()));
        }
        for (long i = 0; i < tensorCount; i++) {
            String name = string();
            int rank = buffer.getInt();
            long[] dims = new long[rank];
            for (int d = 0; d < rank; d++) {
                dims[d] = count();
            }
            int type = buffer.getInt();
            long offset = buffer.getLong();
            tensors.put(name, new TensorInfo(name, dims, type, offset));
        }
        long alignment = metadata.containsKey("general.alignment") ? ((Number) metadata.get("general.alignment")).longValue() : 32;
        long position = buffer.position();
        dataStart = (position + alignment - 1) / alignment * alignment;
    }

    static RefGguf read(Path file) {
        try {
            return new RefGguf(ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts, array lengths, string lengths and dims: 32-bit in version 1, 64-bit later. */
    private long count() {
        return version == 1 ? Integer.toUnsignedLong(buffer.getInt()) : buffer.getLong();
    }

    private String string() {
        byte[] bytes = new byte[Math.toIntExact(count())];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private Object value(int type) {
        return switch (type) {
            case 0 -> (long) Byte.toUnsignedInt(buffer.get());
            case 1 -> (long) buffer.get();
            case 2 -> (long) Short.toUnsignedInt(buffer.getShort());
            case 3 -> (long) buffer.getShort();
            case 4 -> Integer.toUnsignedLong(buffer.getInt());
            case 5 -> (long) buffer.getInt();
            case 6 -> (double) buffer.getFloat();
            case 7 -> buffer.get() != 0;
            case 8 -> string();
            case 9 -> {
                int elementType = buffer.getInt();
                long length = count();
                List<Object> list = new ArrayList<>();
                for (long i = 0; i < length; i++) {
                    list.add(value(elementType));
                }
                yield list;
            }
            case 10, 11 -> buffer.getLong();
            case 12 -> buffer.getDouble();
            default -> throw new IllegalStateException("metadata value type " + type);
        };
    }

    long integer(String key) {
        return ((Number) metadata.get(key)).longValue();
    }

    double real(String key, double fallback) {
        Object value = metadata.get(key);
        return value == null ? fallback : ((Number) value).doubleValue();
    }

    @SuppressWarnings("unchecked")
    <T> List<T> list(String key) {
        return (List<T>) metadata.get(key);
    }

    /** Every value of a tensor in file order (the first dim fastest), as float64. */
    double[] values(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        int n = Math.toIntExact(info.elements());
        double[] out = new double[n];
        int at = Math.toIntExact(dataStart + info.offset());
        switch (info.type()) {
            case TYPE_F32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = buffer.getFloat(at + 4 * i);
                }
            }
            case TYPE_F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = halfToDouble(buffer.getShort(at + 2 * i));
                }
            }
            case TYPE_Q8_0 -> {
                // Blocks of 32 run over the flattened tensor, whatever its row length: each is an
                // f16 scale then 32 signed bytes, value = scale * byte.
                if (n % Q8_0_BLOCK != 0) {
                    throw new IllegalStateException(name + " has " + n + " values, not whole Q8_0 blocks");
                }
                for (int block = 0; block < n / Q8_0_BLOCK; block++) {
                    int base = at + block * (2 + Q8_0_BLOCK);
                    double scale = halfToDouble(buffer.getShort(base));
                    for (int j = 0; j < Q8_0_BLOCK; j++) {
                        out[block * Q8_0_BLOCK + j] = scale * buffer.get(base + 2 + j);
                    }
                }
            }
            default -> throw new IllegalStateException(name + " has tensor type " + info.type() + ", not read here");
        }
        return out;
    }

    /** A matrix with dims [in, out] (in fastest) as rows [out][in]. */
    double[][] matrix(String name) {
        long[] dims = tensors.get(name).dims();
        if (dims.length != 2) {
            throw new IllegalStateException(name + " has rank " + dims.length);
        }
        int in = Math.toIntExact(dims[0]);
        int out = Math.toIntExact(dims[1]);
        double[] flat = values(name);
        double[][] rows = new double[out][in];
        for (int r = 0; r < out; r++) {
            System.arraycopy(flat, r * in, rows[r], 0, in);
        }
        return rows;
    }

    /** IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. */
    static double halfToDouble(short bits) {
        int sign = (bits >> 15) & 1;
        int exponent = (bits >> 10) & 0x1f;
        int fraction = bits & 0x3ff;
        double magnitude;
        if (exponent == 0) {
            magnitude = fraction * Math.pow(2, -24);
        } else if (exponent == 31) {
            magnitude = fraction == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            magnitude = (1 + fraction / 1024.0) * Math.pow(2, exponent - 15);
        }
        return sign == 1 ? -magnitude : magnitude;
    }
}
