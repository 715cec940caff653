package dev.attnc.runtime.weights;

import com.google.gson.stream.JsonWriter;
import dev.attnc.runtime.Tensor;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/** Reading ({@link #open}) and writing ({@link #write}) safetensors files. */
public final class Safetensors {

    private static final int CHUNK = 1 << 20;

    private Safetensors() {}

    /** Same as {@link SafetensorsFile#open}. */
    public static SafetensorsFile open(Path path) {
        return SafetensorsFile.open(path);
    }

    /** Writes {@code tensors} with no metadata; see {@link #write(Path, Map, Map)}. */
    public static void write(Path path, Map<String, Tensor> tensors) {
        write(path, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} (F32 or I32) to a safetensors file any reader accepts, replacing
     * {@code path} if it exists.
     *
     * <p>Tensors are laid out in name order; the header is compact JSON padded with spaces to a
     * multiple of 8 bytes, as the reference implementation writes it, so that the data is
     * aligned. {@code metadata}, if not empty, is stored as {@code __metadata__}. The file is
     * written next to {@code path} under a temporary name and then moved into place, so a
     * reader never sees half a file.
     *
     * @throws IllegalArgumentException if a name is empty or {@code __metadata__}
     * @throws UncheckedIOException if the file cannot be written
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(path, "path");
        SortedMap<String, Tensor> sorted = new TreeMap<>();
        tensors.forEach((name, tensor) -> {
            Objects.requireNonNull(name, "tensor name");
            Objects.requireNonNull(tensor, () -> "tensor " + name);
            if (name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("\"" + name + "\" cannot name a tensor in a safetensors file");
            }
            sorted.put(name, tensor);
        });
        SortedMap<String, String> meta = new TreeMap<>();
        metadata.forEach((k, v) -> meta.put(Objects.requireNonNull(k, "metadata key"),
                Objects.requireNonNull(v, () -> "metadata value of " + k)));

        byte[] header = header(sorted, meta);
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = null;
        try {
            // Not Files.createTempFile: its owner-only permissions would stay with the result.
            Path candidate = dir.resolve("." + target.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            FileChannel channel = FileChannel.open(candidate, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
            temp = candidate;
            try (FileChannel out = channel) {
                ByteBuffer buffer = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                buffer.putLong(header.length);
                writeAll(out, buffer.flip());
                writeAll(out, ByteBuffer.wrap(header));
                for (Tensor t : sorted.values()) {
                    writeData(out, buffer, t);
                }
            }
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the write failed already; a leftover temporary file is the lesser problem
                }
            }
        }
    }

    /** The JSON header, space-padded to a multiple of 8 bytes. */
    private static byte[] header(SortedMap<String, Tensor> tensors, SortedMap<String, String> metadata) {
        StringWriter json = new StringWriter();
        try (JsonWriter w = new JsonWriter(json)) {
            w.setHtmlSafe(false);
            w.beginObject();
            if (!metadata.isEmpty()) {
                w.name(SafetensorsHeader.METADATA_KEY).beginObject();
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    w.name(m.getKey()).value(m.getValue());
                }
                w.endObject();
            }
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                long bytes = t.size() * t.dtype().byteSize();
                w.name(e.getKey()).beginObject();
                w.name("dtype").value(t.dtype().name());
                w.name("shape").beginArray();
                for (int d : t.shape()) {
                    w.value(d);
                }
                w.endArray();
                w.name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray();
                w.endObject();
                offset += bytes;
            }
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        byte[] utf8 = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (utf8.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(utf8, padded);
        Arrays.fill(out, utf8.length, padded, (byte) ' ');
        return out;
    }

    private static void writeData(FileChannel out, ByteBuffer buffer, Tensor t) throws IOException {
        int perChunk = buffer.capacity() / 4;
        int n = (int) t.size();
        for (int from = 0; from < n; from += perChunk) {
            int count = Math.min(perChunk, n - from);
            buffer.clear();
            switch (t.dtype()) {
                case F32 -> buffer.asFloatBuffer().put(t.floatData(), from, count);
                case I32 -> buffer.asIntBuffer().put(t.intData(), from, count);
            }
            buffer.limit(count * 4);
            writeAll(out, buffer);
        }
    }

    private static void writeAll(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
