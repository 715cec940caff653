package dev.attnc.compiler.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * The binary inputs of the hostile cases, built in the case's scratch folder before it runs
 * (the time to build is not counted in the case's time). A case names one with
 * {@code build: BUILDER FILE [PARAM...]}; the README of the corpus lists them.
 */
final class Builders {
    private Builders() {
    }

    /** A builder could not make its file here (no mkfifo, say): the case is reported as not run, loudly. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    private interface Build {
        void build(Path file, List<String> params) throws IOException, Unavailable;
    }

    private static final Map<String, Build> BUILDERS = Map.ofEntries(
            Map.entry("bytes", Builders::bytes),
            Map.entry("header-length", Builders::headerLength),
            Map.entry("safetensors", Builders::safetensors),
            Map.entry("safetensors-json", Builders::safetensorsJson),
            Map.entry("big-header", Builders::bigHeader),
            Map.entry("many-tensors", Builders::manyTensors),
            Map.entry("onnx-tensor", Builders::onnxTensor),
            Map.entry("onnx-external", Builders::onnxExternal),
            Map.entry("tiny-embed", Builders::tinyEmbed),
            Map.entry("zip-bomb", Builders::zipBomb),
            Map.entry("fifo", Builders::fifo),
            Map.entry("corpus", Builders::corpus),
            Map.entry("text", Builders::text),
            Map.entry("sparse", Builders::sparse),
            Map.entry("folder", (file, params) -> Files.createDirectories(file)));

    /** The corpus folder, for {@code corpus}; set by the runner. */
    static Path corpusFolder;

    /** {@code corpus FILE SOURCE}: a copy of {@code models/SOURCE} of the corpus folder. */
    private static void corpus(Path file, List<String> params) throws IOException {
        Files.copy(corpusFolder.resolve("models").resolve(params.get(0)), file);
    }

    /** {@code text FILE MB LINE...}: the LINEs (joined by spaces, then a line break) repeated to MB megabytes. */
    private static void text(Path file, List<String> params) throws IOException {
        long bytes = Long.parseLong(params.get(0)) * 1_000_000L;
        byte[] line = (String.join(" ", params.subList(1, params.size())) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] block = new byte[(1 << 20) / line.length * line.length];
        for (int i = 0; i < block.length; i += line.length) {
            System.arraycopy(line, 0, block, i, line.length);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long done = 0; done < bytes; done += block.length) {
                out.write(block, 0, (int) Math.min(block.length, bytes - done));
            }
        }
    }

    /** {@code sparse FILE MB [HEX]}: the bytes HEX, then zeros (a hole, no disk) to MB megabytes. */
    private static void sparse(Path file, List<String> params) throws IOException {
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            if (params.size() > 1) {
                out.write(HexFormat.of().parseHex(params.get(1)));
            }
            out.setLength(Long.parseLong(params.get(0)) * 1_000_000L);
        }
    }

    static boolean known(String builder) {
        return BUILDERS.containsKey(builder);
    }

    /** Runs {@code build} ({@code BUILDER FILE [PARAM...]}, placeholders expanded) in {@code dir}. */
    static void build(List<String> build, Path dir) throws IOException, Unavailable {
        Path file = dir.resolve(build.get(1));
        Files.createDirectories(file.getParent());
        BUILDERS.get(build.get(0)).build(file, build.subList(2, build.size()));
    }

    /** {@code bytes FILE HEX}: exactly these bytes. */
    private static void bytes(Path file, List<String> params) throws IOException {
        Files.write(file, HexFormat.of().parseHex(String.join("", params)));
    }

    /** {@code header-length FILE N [BYTES]}: a safetensors file whose first 8 bytes say N (unsigned), then BYTES bytes of {@code {}}-padding (default 16). */
    private static void headerLength(Path file, List<String> params) throws IOException {
        long claimed = Long.parseUnsignedLong(params.get(0));
        int following = params.size() > 1 ? Integer.parseInt(params.get(1)) : 16;
        ByteBuffer b = ByteBuffer.allocate(8 + following).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(claimed);
        byte[] json = padded("{}", following);
        b.put(json);
        Files.write(file, b.array());
    }

    /**
     * {@code safetensors FILE DATA_BYTES TENSOR...}: a header listing each TENSOR as
     * {@code NAME:DTYPE:D1xD2x...} (an empty shape is {@code NAME:DTYPE:}), laid out one after
     * another unless {@code @BEGIN-END} follows, then DATA_BYTES of data (seeded random floats;
     * past 64 MiB the rest is a hole: a sparse file, so a 4 GB claim costs no disk).
     */
    private static void safetensors(Path file, List<String> params) throws IOException {
        long dataBytes = Long.parseLong(params.get(0));
        StringBuilder json = new StringBuilder("{");
        long offset = 0;
        for (String spec : params.subList(1, params.size())) {
            String[] parts = spec.split(":", 3);
            String shapePart = parts[2];
            String range = null;
            int at = shapePart.indexOf('@');
            if (at >= 0) {
                range = shapePart.substring(at + 1);
                shapePart = shapePart.substring(0, at);
            }
            List<String> dims = shapePart.isEmpty() ? List.of() : Arrays.asList(shapePart.split("x"));
            long begin;
            long end;
            if (range != null) {
                begin = Long.parseLong(range.substring(0, range.indexOf('-')));
                end = Long.parseLong(range.substring(range.indexOf('-') + 1));
            } else {
                long count = 1;
                for (String d : dims) {
                    count *= Long.parseLong(d);
                }
                begin = offset;
                end = offset + count * elementBytes(parts[1]);
            }
            offset = end;
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('"').append(parts[0]).append("\":{\"dtype\":\"").append(parts[1]).append("\",\"shape\":[")
                    .append(String.join(",", dims)).append("],\"data_offsets\":[").append(begin).append(',').append(end)
                    .append("]}");
        }
        json.append('}');
        writeSafetensors(file, json.toString(), dataBytes);
    }

    /** {@code safetensors-json FILE DATA_BYTES JSON}: this header, as given, then the data. */
    private static void safetensorsJson(Path file, List<String> params) throws IOException {
        writeSafetensors(file, String.join(" ", params.subList(1, params.size())), Long.parseLong(params.get(0)));
    }

    private static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            default -> 1;
        };
    }

    private static final long WRITTEN_DATA = 64L << 20;

    private static void writeSafetensors(Path file, String json, long dataBytes) throws IOException {
        byte[] header = padded(json, json.getBytes(StandardCharsets.UTF_8).length);
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            out.write(length.array());
            out.write(header);
            long written = Math.min(dataBytes, WRITTEN_DATA);
            SplittableRandom random = new SplittableRandom(12);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (long done = 0; done < written; ) {
                chunk.clear();
                int n = (int) Math.min(chunk.capacity(), written - done) & ~3;
                if (n == 0) {
                    out.write(new byte[(int) (written - done)]);
                    break;
                }
                while (chunk.position() < n) {
                    chunk.putFloat((float) random.nextGaussian());
                }
                out.write(chunk.array(), 0, n);
                done += n;
            }
            out.setLength(8 + header.length + dataBytes);
        }
    }

    /** {@code text}'s UTF-8, padded with spaces to at least {@code length} bytes. */
    private static byte[] padded(String text, int length) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= length) {
            return bytes;
        }
        byte[] out = Arrays.copyOf(bytes, length);
        Arrays.fill(out, bytes.length, length, (byte) ' ');
        return out;
    }

    /** {@code big-header FILE MB}: a valid header of about MB megabytes (one long metadata string), no tensors. */
    private static void bigHeader(Path file, List<String> params) throws IOException {
        long bytes = Long.parseLong(params.get(0)) * 1_000_000L - 64;
        String prefix = "{\"__metadata__\":{\"filler\":\"";
        String suffix = "\"}}";
        long fill = bytes - prefix.length() - suffix.length();
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(bytes).array());
            out.write(prefix.getBytes(StandardCharsets.US_ASCII));
            byte[] a = new byte[1 << 20];
            Arrays.fill(a, (byte) 'a');
            for (long done = 0; done < fill; done += a.length) {
                out.write(a, 0, (int) Math.min(a.length, fill - done));
            }
            out.write(suffix.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** {@code many-tensors FILE COUNT}: COUNT scalar F32 tensors {@code t0, t1, ...} in one header. */
    private static void manyTensors(Path file, List<String> params) throws IOException {
        int count = Integer.parseInt(params.get(0));
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            json.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[")
                    .append(4L * i).append(',').append(4L * i + 4).append("]}");
        }
        json.append('}');
        writeSafetensors(file, json.toString(), 4L * count);
    }

    // ---- ONNX: just the protobuf fields the reader looks at ----

    /**
     * {@code onnx-tensor FILE NAME RAW_BYTES D1 D2 ...}: a model whose graph has one FLOAT
     * initializer NAME with these dims (any int64, negative and huge ones included) and
     * RAW_BYTES bytes of raw_data.
     */
    private static void onnxTensor(Path file, List<String> params) throws IOException {
        long[] dims = params.subList(2, params.size()).stream().mapToLong(Long::parseLong).toArray();
        byte[] raw = new byte[Integer.parseInt(params.get(1))];
        Files.write(file, model(graph(initializer(params.get(0), dims, raw))));
    }

    /** {@code onnx-external FILE NAME LOCATION}: one initializer whose data is in the external file LOCATION. */
    private static void onnxExternal(Path file, List<String> params) throws IOException {
        Proto tensor = new Proto();
        tensor.varint(1, 4);
        tensor.varint(2, 1);
        tensor.string(8, params.get(0));
        Proto entry = new Proto();
        entry.string(1, "location");
        entry.string(2, params.get(1));
        tensor.bytes(13, entry.toBytes());
        tensor.varint(14, 1);
        Files.write(file, model(graph(tensor.toBytes())));
    }

    private static byte[] initializer(String name, long[] dims, byte[] raw) {
        Proto tensor = new Proto();
        for (long d : dims) {
            tensor.varint(1, d);
        }
        tensor.varint(2, 1); // FLOAT
        tensor.string(8, name);
        tensor.bytes(9, raw);
        return tensor.toBytes();
    }

    private static byte[] graph(byte[]... initializers) {
        Proto graph = new Proto();
        graph.string(2, "hostile");
        for (byte[] i : initializers) {
            graph.bytes(5, i);
        }
        return graph.toBytes();
    }

    private static byte[] model(byte[] graph) {
        Proto model = new Proto();
        model.varint(1, 8);
        model.string(2, "attnc hostile corpus");
        model.bytes(7, graph);
        Proto opset = new Proto();
        opset.varint(2, 17);
        model.bytes(8, opset.toBytes());
        return model.toBytes();
    }

    /** Protocol buffers' wire format, the two field kinds ONNX needs here. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void varint(int field, long value) {
            raw((long) field << 3);
            raw(value);
        }

        void bytes(int field, byte[] value) {
            raw((long) field << 3 | 2);
            raw(value.length);
            out.writeBytes(value);
        }

        void string(int field, String value) {
            bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        private void raw(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) (value & 0x7F) | 0x80);
                value >>>= 7;
            }
            out.write((int) value);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    // ---- embed: a model small enough to run in milliseconds ----

    /**
     * {@code tiny-embed PREFIX}: PREFIX.attn (token embeddings and one attention, inputs
     * input_ids and attention_mask), PREFIX.onnx (its weights), PREFIX.onnx-map (no rules) and
     * PREFIX-tokenizer.json (a six-word WordPiece vocabulary), for {@code attnc embed --attn
     * PREFIX.attn --model PREFIX.onnx --map PREFIX.onnx-map --tokenizer PREFIX-tokenizer.json}.
     */
    private static void tinyEmbed(Path prefix, List<String> params) throws IOException {
        String base = prefix.getFileName().toString();
        Path dir = prefix.getParent();
        Files.writeString(dir.resolve(base + ".attn"), """
                // A tiny encoder for the embed command's hostile cases.
                model TinyEmbed {
                  const D = 8, V = 6
                  dim T <= 512
                  input input_ids : int[T]
                  input attention_mask : int[T]
                  param emb : embedding(V, D) from "emb"
                  x = emb(input_ids)
                  y = attention(x, x, x, heads = 2) { mask attention_mask[j] != 0 }
                  output y
                }
                """);
        ByteBuffer weights = ByteBuffer.allocate(6 * 8 * 4).order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom random = new SplittableRandom(7);
        while (weights.hasRemaining()) {
            weights.putFloat((float) random.nextGaussian());
        }
        Files.write(dir.resolve(base + ".onnx"), model(graph(initializer("emb.weight", new long[] {6, 8}, weights.array()))));
        Files.writeString(dir.resolve(base + ".onnx-map"), "# every name as it is\n");
        Files.writeString(dir.resolve(base + "-tokenizer.json"), """
                {"model": {"type": "WordPiece", "unk_token": "[UNK]",
                           "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "world": 5}},
                 "normalizer": {"type": "BertNormalizer", "clean_text": false, "lowercase": true},
                 "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "BertProcessing", "cls": ["[CLS]", 2], "sep": ["[SEP]", 3]}}
                """);
    }

    // ---- a zip bomb, built in well under a second ----

    /**
     * {@code zip-bomb FILE ENTRY MIB}: a jar holding one entry ENTRY of MIB MiB of zeros, deflated
     * (about 1,000 to 1). Deflating gigabytes takes seconds, so one MiB of zeros is deflated
     * once with a full flush (which makes its compressed form independent of what came before)
     * and those bytes are repeated; the zip records are written by hand.
     */
    private static void zipBomb(Path file, List<String> params) throws IOException {
        String entry = params.get(0);
        long mib = Long.parseLong(params.get(1));
        byte[] zeros = new byte[1 << 20];
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        byte[] buffer = new byte[1 << 16];
        deflater.setInput(zeros);
        byte[] chunk = drain(deflater, buffer, Deflater.FULL_FLUSH);
        deflater.setInput(zeros);
        if (!Arrays.equals(chunk, drain(deflater, buffer, Deflater.FULL_FLUSH))) {
            throw new IOException("a full flush did not give the same bytes twice; cannot build the bomb quickly");
        }
        deflater.finish();
        byte[] tail = drain(deflater, buffer, Deflater.NO_FLUSH);
        deflater.end();
        long size = mib << 20;
        long compressed = chunk.length * mib + tail.length;
        if (size >= 0xFFFFFFFFL || compressed >= 0xFFFFFFFFL) {
            throw new IOException("the bomb is limited to under 4 GiB (no zip64 here)");
        }
        CRC32 crc = new CRC32();
        for (long i = 0; i < mib; i++) {
            crc.update(zeros);
        }
        byte[] name = entry.getBytes(StandardCharsets.UTF_8);
        ByteBuffer local = ByteBuffer.allocate(30 + name.length).order(ByteOrder.LITTLE_ENDIAN);
        local.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 8).putShort((short) 0)
                .putShort((short) 0x21).putInt((int) crc.getValue()).putInt((int) compressed).putInt((int) size)
                .putShort((short) name.length).putShort((short) 0).put(name);
        ByteBuffer central = ByteBuffer.allocate(46 + name.length).order(ByteOrder.LITTLE_ENDIAN);
        central.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 8)
                .putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue()).putInt((int) compressed)
                .putInt((int) size).putShort((short) name.length).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0).putInt(0).putInt(0).put(name);
        long centralStart = local.capacity() + compressed;
        ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) 1).putShort((short) 1)
                .putInt(central.capacity()).putInt((int) centralStart).putShort((short) 0);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(local.array());
            for (long i = 0; i < mib; i++) {
                out.write(chunk);
            }
            out.write(tail);
            out.write(central.array());
            out.write(end.array());
        }
    }

    private static byte[] drain(Deflater deflater, byte[] buffer, int flush) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int n = deflater.deflate(buffer, 0, buffer.length, flush);
            out.write(buffer, 0, n);
            if (n < buffer.length && (flush != Deflater.NO_FLUSH || deflater.finished())) {
                return out.toByteArray();
            }
        }
    }

    // ---- a FIFO ----

    /** {@code fifo FILE}: a named pipe nobody writes to (mkfifo); unavailable where mkfifo is missing. */
    private static void fifo(Path file, List<String> params) throws IOException, Unavailable {
        List<String> command = new ArrayList<>(List.of("mkfifo", file.toString()));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new Unavailable("mkfifo cannot be run here (" + e.getMessage() + ")");
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new Unavailable("mkfifo failed: " + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while running mkfifo");
        }
    }
}
