package dev.attnc.runtime.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * A small reader of the metadata of a GGUF file, for the tests only (the runtime's GGUF reader is
 * another piece of work and these tests must not depend on it). Versions 1 (32-bit counts and
 * string lengths) to 3 (64-bit); values come out as Long, Integer, Float, Double, Boolean, String,
 * or a List of those.
 */
final class GgufMetadataForTests {
    /** The shared model folder beside the project (the tests run in runtime/). */
    static final Path MODELS = Path.of("..", "..", "shared", "models");

    private final ByteBuffer buffer;
    private final boolean wide;

    private GgufMetadataForTests(ByteBuffer buffer, boolean wide) {
        this.buffer = buffer;
        this.wide = wide;
    }

    /** The model file {@code name}, or the test skipped with a message saying it is missing. */
    static Path requireModel(String name) {
        Path file = MODELS.resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(file),
                "skipped: " + file.toAbsolutePath().normalize() + " is missing (the shared model files sit beside the"
                        + " project, see shared/models/README.md)");
        return file;
    }

    static Map<String, Object> read(Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int magic = buffer.getInt();
        if (magic != 0x46554747) {
            throw new IOException(file + " is not GGUF");
        }
        int version = buffer.getInt();
        if (version < 1 || version > 3) {
            throw new IOException(file + ": GGUF version " + version);
        }
        GgufMetadataForTests reader = new GgufMetadataForTests(buffer, version >= 2);
        reader.count(); // tensors
        long kvs = reader.count();
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvs; i++) {
            String key = reader.string();
            metadata.put(key, reader.value(buffer.getInt()));
        }
        return metadata;
    }

    private long count() throws IOException {
        long n = wide ? buffer.getLong() : Integer.toUnsignedLong(buffer.getInt());
        if (n < 0 || n > buffer.remaining()) {
            throw new IOException("count " + n + " is more than the bytes left");
        }
        return n;
    }

    private String string() throws IOException {
        int n = (int) count();
        byte[] bytes = new byte[n];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private Object value(int type) throws IOException {
        return switch (type) {
            case 0 -> (long) (buffer.get() & 0xFF);
            case 1 -> (long) buffer.get();
            case 2 -> (long) (buffer.getShort() & 0xFFFF);
            case 3 -> (long) buffer.getShort();
            case 4 -> Integer.toUnsignedLong(buffer.getInt());
            case 5 -> buffer.getInt();
            case 6 -> buffer.getFloat();
            case 7 -> buffer.get() != 0;
            case 8 -> string();
            case 9 -> {
                int elementType = buffer.getInt();
                long n = count();
                List<Object> list = new ArrayList<>((int) n);
                for (long i = 0; i < n; i++) {
                    list.add(value(elementType));
                }
                yield list;
            }
            case 10, 11 -> buffer.getLong();
            case 12 -> buffer.getDouble();
            default -> throw new IOException("GGUF value type " + type);
        };
    }
}
