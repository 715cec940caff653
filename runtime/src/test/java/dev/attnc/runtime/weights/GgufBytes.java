package dev.attnc.runtime.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small GGUF writer for tests, written from the format's definition (little-endian: magic
 * "GGUF", uint32 version, tensor and metadata counts, metadata, tensor infos, padding to the
 * alignment, data). Version 1 writes counts, lengths and dims as uint32, later versions as
 * uint64. The low-level methods write any bytes, so that tests can build broken files too.
 */
final class GgufBytes {

    // Metadata value types.
    static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    /** A metadata value of a stated type; for ARRAY, {@code value} is an {@link Arr}. */
    record Meta(String key, int type, Object value) {}

    /** An array value: its element type and elements (Arr again for nested arrays). */
    record Arr(int elementType, List<?> values) {}

    /** A tensor: dims fastest first, ggml type id, data bytes; offset null to place it after the previous one. */
    record Tensor(String name, long[] dims, int type, byte[] data, Long offset) {
        Tensor(String name, long[] dims, int type, byte[] data) {
            this(name, dims, type, data, null);
        }
    }

    final int version;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    GgufBytes(int version) {
        this.version = version;
    }

    GgufBytes raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    GgufBytes u8(int v) {
        out.write(v);
        return this;
    }

    GgufBytes u16(int v) {
        return raw(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array());
    }

    GgufBytes u32(long v) {
        return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
    }

    GgufBytes u64(long v) {
        return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    /** A count or length field: uint32 in version 1, uint64 after. */
    GgufBytes len(long n) {
        return version == 1 ? u32(n) : u64(n);
    }

    GgufBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        len(b.length);
        return raw(b);
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    GgufBytes header(long tensors, long keys) {
        raw("GGUF".getBytes(StandardCharsets.US_ASCII));
        u32(version);
        len(tensors);
        return len(keys);
    }

    GgufBytes meta(Meta m) {
        str(m.key);
        u32(m.type);
        return value(m.type, m.value);
    }

    GgufBytes value(int type, Object v) {
        switch (type) {
            case UINT8, INT8 -> u8(((Number) v).intValue());
            case BOOL -> u8((Boolean) v ? 1 : 0);
            case UINT16, INT16 -> u16(((Number) v).intValue());
            case UINT32, INT32 -> u32(((Number) v).longValue());
            case FLOAT32 -> u32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case UINT64, INT64 -> u64(((Number) v).longValue());
            case FLOAT64 -> u64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case STRING -> str((String) v);
            case ARRAY -> {
                Arr a = (Arr) v;
                u32(a.elementType);
                len(a.values.size());
                for (Object e : a.values) {
                    value(a.elementType, e);
                }
            }
            default -> throw new IllegalArgumentException("type " + type);
        }
        return this;
    }

    /** A tensor info with an explicit offset. */
    GgufBytes info(String name, long[] dims, int type, long offset) {
        str(name);
        u32(dims.length);
        for (long d : dims) {
            len(d);
        }
        u32(type);
        return u64(offset);
    }

    GgufBytes padTo(long alignment) {
        while (size() % alignment != 0) {
            u8(0);
        }
        return this;
    }

    /** A whole well-formed file: tensors placed one after the other at multiples of {@code alignment}. */
    static byte[] file(int version, List<Meta> metadata, List<Tensor> tensors, long alignment) {
        GgufBytes g = new GgufBytes(version).header(tensors.size(), metadata.size());
        for (Meta m : metadata) {
            g.meta(m);
        }
        List<Long> offsets = new ArrayList<>();
        long at = 0;
        for (Tensor t : tensors) {
            long offset = t.offset != null ? t.offset : at;
            offsets.add(offset);
            g.info(t.name, t.dims, t.type, offset);
            at = (offset + t.data.length + alignment - 1) / alignment * alignment;
        }
        g.padTo(alignment);
        long dataStart = g.size();
        for (int i = 0; i < tensors.size(); i++) {
            while (g.size() < dataStart + offsets.get(i)) {
                g.u8(0);
            }
            g.raw(tensors.get(i).data);
        }
        return g.bytes();
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    /** Float32 values as little-endian bytes. */
    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }
}
