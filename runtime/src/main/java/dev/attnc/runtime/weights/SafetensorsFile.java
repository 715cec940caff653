package dev.attnc.runtime.weights;

import dev.attnc.runtime.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A safetensors file opened for reading: the weights format of Hugging Face checkpoints.
 *
 * <p>The format is an 8-byte little-endian header length N, N bytes of UTF-8 JSON naming each
 * tensor's dtype, shape and byte range, then the data. {@link #open} reads and validates the
 * whole header at once, so a broken file fails there with a {@link WeightException} naming the
 * tensor and the file; the data is read on request, tensor by tensor, with positional reads
 * of the file channel (safe from several threads at once).
 *
 * <p>Memory: the header is streamed from the file in 64 KiB chunks and checked as it is read,
 * never held whole; what is kept is the tensor table (names, shapes, offsets: about the
 * header's size plus 150 bytes a tensor) and the metadata. Limits: a header of at most
 * {@link #MAX_HEADER_BYTES} bytes and no longer than the file, at most 262,144 tensors of at
 * most 64 dims, strings of at most 4 Mi characters and at most 16 Mi characters of metadata.
 * Every tensor's byte range is checked against its dtype and shape (without overflow) and
 * against the file's real size. A tensor's values are read only when asked for with the shape
 * the model expects.
 *
 * <p>F32, F16 and BF16 tensors are read as float32, I32 and I64 as int32. A file may hold
 * tensors of other dtypes (a BOOL mask, say); they are accepted at open and reported only when
 * read.
 */
public final class SafetensorsFile implements WeightSource {

    /** The largest header accepted, as in the reference implementation: 100 MB. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Bytes read from the file per call; a multiple of every element size. */
    private static final int CHUNK = 1 << 20;

    private final Path path;
    private final String file;
    private final FileChannel channel;
    private final long dataStart;
    private final SafetensorsHeader header;
    private volatile boolean closed;

    private SafetensorsFile(Path path, String file, FileChannel channel, long dataStart, SafetensorsHeader header) {
        this.path = path;
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = header;
    }

    /**
     * Opens {@code path} and validates its header: the header length, the JSON, and every
     * tensor's dtype, shape and byte range against each other and the size of the file.
     *
     * @throws WeightException if the file cannot be read or is not a valid safetensors file
     */
    public static SafetensorsFile open(Path path) {
        Objects.requireNonNull(path, "path");
        Path name = path.getFileName();
        String file = name == null ? path.toString() : name.toString();
        RegularFiles.require(path, file, "a safetensors file");
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new WeightException(file + ": file not found (" + path.toAbsolutePath() + ")", e);
        } catch (AccessDeniedException e) {
            throw new WeightException(file + ": permission denied (" + path.toAbsolutePath() + ")", e);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            throw new WeightException(file + ": cannot open: " + e, e);
        }
        try {
            long size = channel.size();
            if (size < 8) {
                throw new WeightException(file + ": file is " + size
                        + " bytes, too short for a safetensors file (at least 8)");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0, file, null);
            long n = lengthBytes.flip().getLong(); // unsigned: negative means >= 2^63
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw new WeightException(file + ": header length " + Long.toUnsignedString(n)
                        + " is over the limit of " + MAX_HEADER_BYTES + " bytes; is this a safetensors file?");
            }
            if (n == 0) {
                throw new WeightException(file + ": header length is 0; a safetensors file starts with a JSON header");
            }
            if (n > size - 8) {
                throw new WeightException(file + ": header length " + n + " is past the end of the file (only "
                        + (size - 8) + " bytes follow the length; is the file truncated?)");
            }
            // Streamed, never copied whole: memory follows what the header lists, not its length.
            SafetensorsHeader header = SafetensorsHeader.parse(new HeaderReader(channel, 8, n, file), size - 8 - n, file);
            return new SafetensorsFile(path, file, channel, 8 + n, header);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new WeightException(file + ": cannot read: " + e, e);
        } catch (RuntimeException | Error e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing with a better message
        }
    }

    /** Fills {@code buffer} from {@code position}; a short file is a WeightException. */
    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, String file, String tensor)
            throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new WeightException((tensor == null ? "" : tensor + ": ") + file
                        + " ended early at byte " + at + " (was it changed while open?)");
            }
            at += read;
        }
    }

    /** The path as given to {@link #open}. */
    public Path path() {
        return path;
    }

    /** The {@code __metadata__} of the header (empty if none), unmodifiable. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    @Override
    public boolean contains(String name) {
        return header.entries().containsKey(name);
    }

    /** The tensor names, in name order, unmodifiable. */
    @Override
    public Set<String> names() {
        return header.entries().keySet();
    }

    /** The file name, e.g. {@code gpt2.safetensors}. */
    @Override
    public String description() {
        return file;
    }

    /**
     * The stored shape of {@code name}.
     *
     * @throws WeightException if there is no such tensor
     */
    public int[] shape(String name) {
        return entry(name).shape().clone();
    }

    /**
     * The stored dtype of {@code name} as the file spells it: {@code F32}, {@code BF16}, ...
     *
     * @throws WeightException if there is no such tensor
     */
    public String dtype(String name) {
        return entry(name).dtype().name();
    }

    /**
     * The tensor {@code name} as float32, converted from F32, F16 or BF16.
     *
     * @param init ignored: the values come from the file
     * @throws WeightException if the tensor is missing, its stored shape is not {@code shape} or
     *     its dtype is not a float dtype
     */
    @Override
    public float[] floats(String name, int[] shape, Init init) {
        SafetensorsHeader.Entry e = entry(name);
        checkShape(e, shape);
        if (!e.dtype().isFloat()) {
            throw new WeightException(name + ": dtype " + e.dtype() + " cannot be read as float32 in " + file
                    + " (supported: " + StoredDType.FLOATS + ")");
        }
        return readFloats(e);
    }

    /**
     * The matrix {@code name} kept in 16 bits when it is stored as F16 or BF16, for
     * {@code dev.attnc.runtime.kernels.HalfLinear}, as {@code GgufFile} keeps them: half the
     * memory of float32, and half the bytes read per decoding step. Empty for other dtypes (then
     * read it with {@link #floats}), and for a matrix past one mapping (2 GiB), which
     * {@link #floats} reports.
     *
     * @param shape {@code [rows, columns]}, a linear layer's {@code [out, in]} as Hugging Face stores it
     * @throws WeightException if the tensor is missing or its stored shape is not {@code shape}
     */
    @Override
    public Optional<HalfMatrix> halves(String name, int[] shape) {
        SafetensorsHeader.Entry e = entry(name);
        checkShape(e, shape);
        HalfMatrix.Format format = switch (e.dtype()) {
            case F16 -> HalfMatrix.Format.F16;
            case BF16 -> HalfMatrix.Format.BF16;
            default -> null;
        };
        long length = e.end() - e.begin();
        if (format == null || shape.length != 2 || length > Integer.MAX_VALUE - 8
                || (long) HalfMatrix.panels(shape[0]) * HalfMatrix.PANEL * shape[1] > Integer.MAX_VALUE - 8) {
            return Optional.empty();
        }
        if (closed) {
            throw new IllegalStateException(file + " is closed");
        }
        ByteBuffer data;
        try {
            data = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), length).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException x) {
            if (closed) {
                throw new IllegalStateException(file + " is closed", x);
            }
            throw new WeightException(name + ": cannot read from " + file + ": " + x, x);
        }
        return Optional.of(HalfMatrix.fromBytes(format, shape[0], shape[1], data));
    }

    /**
     * The tensor {@code name} as int32, from I32 or I64.
     *
     * @throws WeightException if the tensor is missing, its stored shape is not {@code shape}, its
     *     dtype is not an integer dtype, or an I64 value does not fit in an int
     */
    public int[] ints(String name, int[] shape) {
        SafetensorsHeader.Entry e = entry(name);
        checkShape(e, shape);
        if (!e.dtype().isInt()) {
            throw new WeightException(name + ": dtype " + e.dtype() + " cannot be read as int32 in " + file
                    + " (supported: " + StoredDType.INTS + ")");
        }
        return readInts(e);
    }

    /**
     * The tensor {@code name} in its stored shape: F32, F16 and BF16 as a float32 tensor, I32 and
     * I64 as an int32 tensor. For reading model inputs, whose shape is known only from the file.
     *
     * @throws WeightException if the tensor is missing or of another dtype
     */
    public Tensor tensor(String name) {
        SafetensorsHeader.Entry e = entry(name);
        if (e.dtype().isFloat()) {
            return Tensor.floats(readFloats(e), e.shape());
        }
        if (e.dtype().isInt()) {
            return Tensor.ints(readInts(e), e.shape());
        }
        throw new WeightException(name + ": dtype " + e.dtype() + " cannot be read as a tensor in " + file
                + " (supported: " + StoredDType.READABLE + ")");
    }

    /** Closes the file; later reads throw IllegalStateException. Closing twice is harmless. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(channel);
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + file + ", " + header.entries().size() + " tensors]";
    }

    private SafetensorsHeader.Entry entry(String name) {
        Objects.requireNonNull(name, "name");
        SafetensorsHeader.Entry e = header.entries().get(name);
        if (e == null) {
            String hint = NameHints.closest(name, header.entries().keySet());
            throw new WeightException(name + ": not found in " + file
                    + (hint == null ? "" : " (did you mean " + hint + "?)"));
        }
        return e;
    }

    private void checkShape(SafetensorsHeader.Entry e, int[] expected) {
        Objects.requireNonNull(expected, "shape");
        if (!Arrays.equals(e.shape(), expected)) {
            throw new WeightException(e.name() + ": expected " + SafetensorsHeader.shapeString(expected)
                    + ", found " + e.shapeString() + " in " + file);
        }
    }

    private int elementCount(SafetensorsHeader.Entry e) {
        long n = e.elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new WeightException(e.name() + ": " + n + " elements are more than one Java array holds, in " + file);
        }
        return (int) n;
    }

    private float[] readFloats(SafetensorsHeader.Entry e) {
        float[] out = new float[elementCount(e)];
        StoredDType dtype = e.dtype();
        read(e, (buffer, offset, count) -> {
            switch (dtype) {
                case F32 -> buffer.asFloatBuffer().get(out, offset, count);
                case F16 -> {
                    for (int i = 0; i < count; i++) {
                        out[offset + i] = Float.float16ToFloat(buffer.getShort(2 * i));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < count; i++) {
                        // A bfloat16 is the top half of a float32.
                        out[offset + i] = Float.intBitsToFloat((buffer.getShort(2 * i) & 0xFFFF) << 16);
                    }
                }
                default -> throw new AssertionError(dtype);
            }
        });
        return out;
    }

    private int[] readInts(SafetensorsHeader.Entry e) {
        int[] out = new int[elementCount(e)];
        StoredDType dtype = e.dtype();
        read(e, (buffer, offset, count) -> {
            switch (dtype) {
                case I32 -> buffer.asIntBuffer().get(out, offset, count);
                case I64 -> {
                    for (int i = 0; i < count; i++) {
                        long v = buffer.getLong(8 * i);
                        if (v != (int) v) {
                            throw new WeightException(e.name() + ": element " + (offset + i) + " is " + v
                                    + ", which does not fit in int32, in " + file);
                        }
                        out[offset + i] = (int) v;
                    }
                }
                default -> throw new AssertionError(dtype);
            }
        });
        return out;
    }

    /** Takes {@code count} elements from {@code buffer} (little-endian, at position 0) into place {@code offset}. */
    private interface Sink {
        void take(ByteBuffer buffer, int offset, int count);
    }

    /** Reads the bytes of {@code e} chunk by chunk and hands each chunk to {@code sink}. */
    private void read(SafetensorsHeader.Entry e, Sink sink) {
        if (closed) {
            throw new IllegalStateException(file + " is closed");
        }
        int size = e.dtype().bytes();
        long length = e.end() - e.begin();
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(CHUNK, length)).order(ByteOrder.LITTLE_ENDIAN);
        long done = 0;
        try {
            while (done < length) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), length - done));
                readFully(channel, buffer, dataStart + e.begin() + done, file, e.name());
                buffer.flip();
                sink.take(buffer, (int) (done / size), buffer.limit() / size);
                done += buffer.limit();
            }
        } catch (IOException x) {
            if (closed) {
                throw new IllegalStateException(file + " is closed", x);
            }
            throw new WeightException(e.name() + ": cannot read from " + file + ": " + x, x);
        }
    }
}
