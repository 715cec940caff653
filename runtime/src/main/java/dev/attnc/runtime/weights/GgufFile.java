package dev.attnc.runtime.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A GGUF file opened for reading: the weights format of llama.cpp, versions 1, 2 and 3
 * (little-endian). {@link #open} reads and checks the whole header (metadata and tensor table);
 * tensor data is memory-mapped and decoded when asked for.
 *
 * <p><b>Shapes.</b> GGUF lists a tensor's dims fastest-varying first ({@code ne}); attnc writes
 * shapes slowest first, so a tensor's attnc shape is its GGUF dims reversed. A linear weight
 * stored with {@code ne = [in, out]} is row-major {@code [out][in]}, and
 * {@code floats(name, new int[] {out, in}, init)} reads it; {@code token_embd.weight} with
 * {@code ne = [d, vocab]} is {@code [vocab, d]}, a row per token.
 *
 * <p><b>Types.</b> F32, F16, BF16, Q8_0, Q4_0, Q4_K and Q6_K tensors are read as float32 by
 * {@link #floats}. Q8_0 and Q4_0 matrices whose rows are whole 32-value blocks can also be
 * kept in their blocks with {@link #quantized} for the quantized linear kernel, and F16 and
 * BF16 matrices in 16 bits with {@link #halves} for the half-precision one. Blocks run over
 * the flattened tensor, so a Q8_0 tensor with rows of 172 values (blocks straddling rows) is
 * read correctly as float, and only as float. Reading a tensor other than F32 as float32 (an
 * F16 embedding table, any Q4_K or Q6_K tensor) is said once per file on the notes stream
 * (stderr unless given), naming the types the file holds. Other ggml types open and are reported when read.
 *
 * <p><b>Metadata.</b> {@link #checkpointMetadata()} holds every key-value pair: integers of
 * every width as Long, float32 and float64 as Double, strings (UTF-8; a byte sequence that is
 * not UTF-8 becomes U+FFFD), bools, and arrays (nested too) as unmodifiable lists.
 * {@code general.alignment} (default 32) sets where the data starts and what tensor offsets
 * must be multiples of.
 *
 * <p><b>Untrusted files.</b> A truncated or hostile file fails at {@link #open} with one
 * {@link WeightException} naming the file and what is wrong, in memory that follows what is
 * kept: every count and length is checked against the bytes left in the file before anything
 * is allocated; at most 262,144 tensors of at most 4 dims, 65,536 metadata keys, keys and
 * names of at most 64 KiB, string values of at most 4 MiB, arrays nested at most 8 deep, and
 * metadata of at most 256 MiB of heap as estimated while reading. Each tensor's type must be a
 * ggml type, its values whole blocks, its offset a multiple of the alignment, its data inside
 * the file and not overlapping another's; names and keys appear once.
 */
public final class GgufFile implements WeightSource {

    /** Bytes mapped at a time when a tensor is decoded. */
    private static final long WINDOW = 1L << 30;

    private final Path path;
    private final String file;
    private final FileChannel channel;
    private final GgufHeader header;
    private final CheckpointMetadata metadata;
    private final Consumer<String> notes;
    private final String conversionNote;
    private final AtomicBoolean noted = new AtomicBoolean();
    private volatile boolean closed;

    private GgufFile(Path path, String file, FileChannel channel, GgufHeader header, Consumer<String> notes) {
        this.path = path;
        this.file = file;
        this.channel = channel;
        this.header = header;
        this.metadata = new Metadata(CheckpointMetadata.of(header.metadata, file));
        this.notes = notes;
        Set<GgufType> converted = EnumSet.noneOf(GgufType.class);
        for (GgufHeader.Entry e : header.entries.values()) {
            if (e.type() != GgufType.F32 && e.type().readable() && !e.type().keptQuantized()) {
                converted.add(e.type());
            }
        }
        this.conversionNote = converted.isEmpty() ? null
                : "note: " + file + ": " + converted.stream().map(Enum::name).collect(Collectors.joining(", "))
                        + " tensors read as float32 are converted as they are loaded (linear layers read F16, BF16,"
                        + " Q8_0 and Q4_0 matrices in place)";
    }

    /**
     * Opens {@code path}, reads and checks its header; notes go to stderr.
     *
     * @throws WeightException if the file cannot be read or is not a valid GGUF file
     */
    public static GgufFile open(Path path) {
        return open(path, System.err::println);
    }

    /**
     * Opens {@code path}, reads and checks its header.
     *
     * @param notes where the one line saying that tensors are converted to float32 goes
     * @throws WeightException if the file cannot be read or is not a valid GGUF file
     */
    public static GgufFile open(Path path, Consumer<String> notes) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(notes, "notes");
        Path name = path.getFileName();
        String file = name == null ? path.toString() : name.toString();
        RegularFiles.require(path, file, "a GGUF file");
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
            GgufHeader header = GgufHeader.parse(new GgufCursor(channel, file, channel.size()));
            return new GgufFile(path, file, channel, header, notes);
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

    /** The path as given to {@link #open}. */
    public Path path() {
        return path;
    }

    /** The GGUF version: 1, 2 or 3. */
    public int version() {
        return header.version;
    }

    /** The alignment of the data: {@code general.alignment}, or 32. */
    public long alignment() {
        return header.alignment;
    }

    /** Every metadata key-value pair of the file. */
    @Override
    public CheckpointMetadata checkpointMetadata() {
        return metadata;
    }

    @Override
    public boolean contains(String name) {
        return header.entries.containsKey(name);
    }

    /** The tensor names, in the file's order, unmodifiable. */
    @Override
    public Set<String> names() {
        return header.entries.keySet();
    }

    /** The file name, e.g. {@code stories260K.gguf}. */
    @Override
    public String description() {
        return file;
    }

    /**
     * The shape of {@code name} as attnc writes it: the GGUF dims reversed (slowest first).
     *
     * @throws WeightException if there is no such tensor
     */
    public int[] shape(String name) {
        return entry(name).shape();
    }

    /**
     * The stored type of {@code name}.
     *
     * @throws WeightException if there is no such tensor
     */
    public GgufType type(String name) {
        return entry(name).type();
    }

    /**
     * The tensor {@code name} as row-major float32, decoded from its stored type.
     *
     * @param shape the shape the model expects, slowest first: the GGUF dims reversed
     * @param init ignored: the values come from the file
     * @throws WeightException if the tensor is missing, its shape is not {@code shape}, or its
     *     type cannot be read as float
     */
    @Override
    public float[] floats(String name, int[] shape, Init init) {
        GgufHeader.Entry e = entry(name);
        checkShape(e, shape);
        if (!e.type().readable()) {
            throw new WeightException(name + ": type " + e.type() + " cannot be read as float32 in " + file
                    + " (supported: " + GgufType.READABLE + ")");
        }
        if (e.values() > Integer.MAX_VALUE - 8) {
            throw new WeightException(name + ": " + e.values() + " values are more than one Java array holds, in " + file);
        }
        if (conversionNote != null && e.type() != GgufType.F32 && !e.type().keptQuantized()
                && noted.compareAndSet(false, true)) {
            notes.accept(conversionNote);
        }
        float[] out = new float[(int) e.values()];
        GgufType type = e.type();
        long blocks = e.blocks();
        long perWindow = Math.max(1, WINDOW / type.blockBytes);
        for (long done = 0; done < blocks; done += perWindow) {
            int count = (int) Math.min(perWindow, blocks - done);
            ByteBuffer window = map(e, done * type.blockBytes, (long) count * type.blockBytes);
            GgufDequantizer.decode(type, window, count, out, (int) (done * type.blockValues));
        }
        return out;
    }

    /**
     * The matrix {@code name} kept in its Q8_0 or Q4_0 blocks, for
     * {@code dev.attnc.runtime.kernels.QuantizedLinear}; empty when it is stored in another type
     * or its rows are not whole 32-value blocks (then read it with {@link #floats}).
     *
     * @param shape {@code [rows, columns]}, a linear layer's {@code [out, in]}: the GGUF dims reversed
     * @throws WeightException if the tensor is missing or its shape is not {@code shape}
     */
    @Override
    public Optional<QuantizedMatrix> quantized(String name, int[] shape) {
        GgufHeader.Entry e = entry(name);
        checkShape(e, shape);
        QuantizedMatrix.Format format = switch (e.type()) {
            case Q8_0 -> QuantizedMatrix.Format.Q8_0;
            case Q4_0 -> QuantizedMatrix.Format.Q4_0;
            default -> null;
        };
        // A matrix over 2 GiB of blocks (one mapping) or 2^31 values (one array) is left to floats, which reports it.
        if (format == null || shape.length != 2 || shape[1] % QuantizedMatrix.BLOCK != 0
                || e.values() > Integer.MAX_VALUE - 8 || e.bytes() > Integer.MAX_VALUE - 8) {
            return Optional.empty();
        }
        return Optional.of(QuantizedMatrix.fromBlocks(format, shape[0], shape[1], map(e, 0, e.bytes())));
    }

    /**
     * The matrix {@code name} kept in 16 bits when it is stored as F16 or BF16, for
     * {@code dev.attnc.runtime.kernels.HalfLinear}; empty for other types (then read it with
     * {@link #floats}).
     *
     * @param shape {@code [rows, columns]}, a linear layer's {@code [out, in]}: the GGUF dims reversed
     * @throws WeightException if the tensor is missing or its shape is not {@code shape}
     */
    @Override
    public Optional<HalfMatrix> halves(String name, int[] shape) {
        GgufHeader.Entry e = entry(name);
        checkShape(e, shape);
        HalfMatrix.Format format = switch (e.type()) {
            case F16 -> HalfMatrix.Format.F16;
            case BF16 -> HalfMatrix.Format.BF16;
            default -> null;
        };
        // Past one mapping or one array (with the padding of the last panel) it is left to floats, which reports it.
        if (format == null || shape.length != 2 || e.bytes() > Integer.MAX_VALUE - 8
                || (long) HalfMatrix.panels(shape[0]) * HalfMatrix.PANEL * shape[1] > Integer.MAX_VALUE - 8) {
            return Optional.empty();
        }
        return Optional.of(HalfMatrix.fromBytes(format, shape[0], shape[1], map(e, 0, e.bytes())));
    }

    /** The file's key-value metadata, and the RoPE divisors of its {@code rope_freqs} tensor. */
    private final class Metadata implements CheckpointMetadata {
        private final CheckpointMetadata values;

        Metadata(CheckpointMetadata values) {
            this.values = values;
        }

        @Override
        public Optional<Object> value(String key) {
            return values.value(key);
        }

        @Override
        public Set<String> keys() {
            return values.keys();
        }

        @Override
        public String description() {
            return values.description();
        }

        @Override
        public Optional<double[]> ropeFrequencyDivisors() {
            return GgufFile.this.ropeFrequencyDivisors();
        }
    }

    /** The values of {@link CheckpointMetadata#ROPE_FREQS_TENSOR}, checked; empty without it. */
    private Optional<double[]> ropeFrequencyDivisors() {
        String name = CheckpointMetadata.ROPE_FREQS_TENSOR;
        GgufHeader.Entry e = header.entries.get(name);
        if (e == null) {
            return Optional.empty();
        }
        int[] shape = e.shape();
        if (shape.length != 1 || shape[0] < 1 || shape[0] > CheckpointMetadata.MAX_ROPE_DIVISORS) {
            throw new WeightException(name + ": expected a vector of 1 to " + CheckpointMetadata.MAX_ROPE_DIVISORS
                    + " RoPE frequency divisors, found " + Arrays.toString(shape) + " in " + file);
        }
        float[] stored = floats(name, shape, Init.NORM_SCALE);
        double[] divisors = new double[stored.length];
        for (int i = 0; i < stored.length; i++) {
            if (!(stored[i] > 0) || !Float.isFinite(stored[i])) {
                throw new WeightException(name + ": RoPE frequency divisor " + i + " is " + stored[i]
                        + ", expected a finite number above 0, in " + file);
            }
            divisors[i] = stored[i];
        }
        return Optional.of(divisors);
    }

    /** Closes the file; later reads throw IllegalStateException. Closing twice is harmless. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(channel);
    }

    @Override
    public String toString() {
        return "GgufFile[" + file + ", v" + header.version + ", " + header.entries.size() + " tensors]";
    }

    /** {@code length} bytes of {@code e}'s data from {@code from}, mapped (length below 2 GiB). */
    private ByteBuffer map(GgufHeader.Entry e, long from, long length) {
        if (closed) {
            throw new IllegalStateException(file + " is closed");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, e.offset() + from, length).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException x) {
            if (closed) {
                throw new IllegalStateException(file + " is closed", x);
            }
            throw new WeightException(e.name() + ": cannot map its data in " + file + ": " + x, x);
        }
    }

    private GgufHeader.Entry entry(String name) {
        Objects.requireNonNull(name, "name");
        GgufHeader.Entry e = header.entries.get(name);
        if (e == null) {
            String hint = NameHints.closest(name, header.entries.keySet());
            throw new WeightException(name + ": not found in " + file
                    + (hint == null ? "" : " (did you mean " + hint + "?)"));
        }
        return e;
    }

    private void checkShape(GgufHeader.Entry e, int[] expected) {
        Objects.requireNonNull(expected, "shape");
        if (!Arrays.equals(e.shape(), expected)) {
            throw new WeightException(e.name() + ": expected " + Arrays.toString(expected) + ", found "
                    + Arrays.toString(e.shape()) + " (stored as GGUF " + GgufHeader.dimsString(e.dims(), e.dims().length)
                    + ", fastest first) in " + file);
        }
    }
}
