package dev.attnc.compiler.decoder;

import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.Init;
import dev.attnc.runtime.weights.WeightException;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Small checkpoints written by tests in the layouts real ones use. */
final class Checkpoints {
    private Checkpoints() {
    }

    /** A tensor as a test writes it: row-major values and a shape. */
    record Stored(float[] values, int[] shape) {
    }

    /** bf16 of a float: its upper 16 bits, rounded to nearest even. */
    static short bf16(float value) {
        int bits = Float.floatToIntBits(value);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static float fromBf16(short value) {
        return Float.intBitsToFloat((value & 0xFFFF) << 16);
    }

    /** Writes a safetensors file with every tensor as F32 or (bf16 true) BF16. */
    static void writeSafetensors(Path file, Map<String, Stored> tensors, boolean bf16) throws IOException {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        Map<String, Stored> sorted = new TreeMap<>(tensors);
        for (Map.Entry<String, Stored> entry : sorted.entrySet()) {
            long bytes = (long) entry.getValue().values().length * (bf16 ? 2 : 4);
            if (header.length() > 1) {
                header.append(',');
            }
            header.append('"').append(entry.getKey()).append("\":{\"dtype\":\"").append(bf16 ? "BF16" : "F32")
                    .append("\",\"shape\":").append(Arrays.toString(entry.getValue().shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        while ((header.length() + 8) % 8 != 0) {
            header.append(' ');
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (Stored tensor : sorted.values()) {
                ByteBuffer data = ByteBuffer.allocate(tensor.values().length * (bf16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
                for (float value : tensor.values()) {
                    if (bf16) {
                        data.putShort(bf16(value));
                    } else {
                        data.putFloat(value);
                    }
                }
                out.write(data.array());
            }
        }
    }

    /** A checkpoint held in memory with GGUF-style metadata, as a GGUF reader offers one. */
    static final class InMemory implements WeightSource {
        private final Map<String, Stored> tensors;
        private final CheckpointMetadata metadata;

        InMemory(Map<String, Stored> tensors, CheckpointMetadata metadata) {
            this.tensors = new LinkedHashMap<>(tensors);
            this.metadata = metadata;
        }

        @Override
        public float[] floats(String name, int[] shape, Init init) {
            Stored stored = tensors.get(name);
            if (stored == null) {
                throw new WeightException(name + ": no such tensor in " + description());
            }
            if (!Arrays.equals(stored.shape(), shape)) {
                throw new WeightException(name + ": shape " + Arrays.toString(stored.shape()) + ", expected " + Arrays.toString(shape));
            }
            return stored.values().clone();
        }

        @Override
        public boolean contains(String name) {
            return tensors.containsKey(name);
        }

        @Override
        public Set<String> names() {
            return tensors.keySet();
        }

        @Override
        public CheckpointMetadata checkpointMetadata() {
            return metadata;
        }

        @Override
        public String description() {
            return metadata.description();
        }

        @Override
        public void close() {
        }
    }
}
