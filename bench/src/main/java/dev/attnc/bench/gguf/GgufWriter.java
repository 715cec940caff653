package dev.attnc.bench.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a GGUF v3 file (little-endian): the header (metadata and tensor infos) is built in
 * memory, where it is small; the tensor data is streamed, one chunk at a time, so a file of
 * gigabytes never sits in memory. The file appears under its name only once it is complete.
 *
 * <p>Layout: magic {@code GGUF}, u32 version 3, u64 tensor count, u64 metadata count, the
 * metadata (key string, u32 value type, value), the tensor infos (name, u32 dims, u64 dims
 * innermost first, u32 tensor type, u64 offset from the start of the data), zero padding to
 * {@link #ALIGNMENT}, the data, each tensor starting at a multiple of the alignment.
 */
final class GgufWriter {
    static final int VERSION = 3;
    static final int ALIGNMENT = 32;

    // GGUF metadata value types.
    static final int UINT32 = 4;
    static final int INT32 = 5;
    static final int FLOAT32 = 6;
    static final int BOOL = 7;
    static final int STRING = 8;
    static final int ARRAY = 9;

    /** The values of one tensor, produced in order, {@code count} at a time. */
    interface Values {
        void next(float[] into, int count);
    }

    private record TensorInfo(String name, long[] dims, GgufType type, long offset, Values values) {
        long elements() {
            long n = 1;
            for (long dim : dims) {
                n = Math.multiplyExact(n, dim);
            }
            return n;
        }
    }

    private final Little metadata = new Little();
    private int metadataCount;
    private final Set<String> keys = new LinkedHashSet<>();
    private final List<TensorInfo> tensors = new ArrayList<>();
    private long dataSize;

    void putString(String key, String value) {
        key(key, STRING);
        metadata.string(value);
    }

    void putUInt32(String key, int value) {
        key(key, UINT32);
        metadata.i32(value);
    }

    void putFloat32(String key, float value) {
        key(key, FLOAT32);
        metadata.f32(value);
    }

    void putBool(String key, boolean value) {
        key(key, BOOL);
        metadata.u8(value ? 1 : 0);
    }

    void putStrings(String key, List<String> values) {
        key(key, ARRAY);
        metadata.i32(STRING);
        metadata.i64(values.size());
        values.forEach(metadata::string);
    }

    void putFloats(String key, float[] values) {
        key(key, ARRAY);
        metadata.i32(FLOAT32);
        metadata.i64(values.length);
        for (float value : values) {
            metadata.f32(value);
        }
    }

    void putInts(String key, int[] values) {
        key(key, ARRAY);
        metadata.i32(INT32);
        metadata.i64(values.length);
        for (int value : values) {
            metadata.i32(value);
        }
    }

    /**
     * Adds a tensor; {@code dims} innermost first, as GGUF stores them (a matrix of {@code rows}
     * rows of {@code columns} values is {@code {columns, rows}}).
     */
    void addTensor(String name, long[] dims, GgufType type, Values values) {
        TensorInfo info = new TensorInfo(name, dims.clone(), type, dataSize, values);
        if (tensors.stream().anyMatch(t -> t.name().equals(name))) {
            throw new IllegalArgumentException("tensor " + name + " added twice");
        }
        dataSize = align(dataSize + type.bytes(info.elements()));
        tensors.add(info);
    }

    /** Writes the file: first to {@code out}'s name plus {@code .part}, renamed to {@code out} when complete. */
    long write(Path out) throws IOException {
        Path part = out.resolveSibling(out.getFileName() + ".part");
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] header = header();
            writeFully(channel, ByteBuffer.wrap(header));
            writeFully(channel, ByteBuffer.allocate((int) (align(header.length) - header.length)));
            long dataStart = align(header.length);
            ByteBuffer buffer = ByteBuffer.allocateDirect(GgufType.F32.bytes(CHUNK)).order(ByteOrder.LITTLE_ENDIAN);
            float[] chunk = new float[CHUNK];
            for (TensorInfo tensor : tensors) {
                if (channel.position() != dataStart + tensor.offset()) {
                    throw new IllegalStateException("tensor " + tensor.name() + " would start at " + channel.position()
                            + ", its info says " + (dataStart + tensor.offset()));
                }
                long left = tensor.elements();
                while (left > 0) {
                    int count = (int) Math.min(CHUNK, left);
                    tensor.values().next(chunk, count);
                    buffer.clear();
                    tensor.type().encode(chunk, count, buffer);
                    buffer.flip();
                    writeFully(channel, buffer);
                    left -= count;
                }
                long padding = align(channel.position()) - channel.position();
                writeFully(channel, ByteBuffer.allocate((int) padding));
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return Files.size(out);
    }

    /** Values converted per chunk: a multiple of every block size (32), 4 MiB as float32. */
    static final int CHUNK = 1 << 20;

    private byte[] header() {
        Little header = new Little();
        header.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        header.i32(VERSION);
        header.i64(tensors.size());
        header.i64(metadataCount);
        header.bytes(metadata.toByteArray());
        for (TensorInfo tensor : tensors) {
            header.string(tensor.name());
            header.i32(tensor.dims().length);
            for (long dim : tensor.dims()) {
                header.i64(dim);
            }
            header.i32(tensor.type().id);
            header.i64(tensor.offset());
        }
        return header.toByteArray();
    }

    private void key(String key, int type) {
        if (!keys.add(key)) {
            throw new IllegalArgumentException("metadata key " + key + " set twice");
        }
        metadata.string(key);
        metadata.i32(type);
        metadataCount++;
    }

    static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** A growing little-endian byte array. */
    private static final class Little extends ByteArrayOutputStream {
        void u8(int value) {
            write(value);
        }

        void i32(int value) {
            for (int shift = 0; shift < 32; shift += 8) {
                write(value >>> shift);
            }
        }

        void i64(long value) {
            for (int shift = 0; shift < 64; shift += 8) {
                write((int) (value >>> shift));
            }
        }

        void f32(float value) {
            i32(Float.floatToRawIntBits(value));
        }

        void bytes(byte[] value) {
            write(value, 0, value.length);
        }

        /** u64 byte length, then UTF-8 without a terminator. */
        void string(String value) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            i64(utf8.length);
            bytes(utf8);
        }
    }
}
