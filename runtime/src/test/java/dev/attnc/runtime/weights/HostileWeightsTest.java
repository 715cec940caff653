package dev.attnc.runtime.weights;

import static dev.attnc.runtime.weights.OnnxBytes.graph;
import static dev.attnc.runtime.weights.OnnxBytes.io;
import static dev.attnc.runtime.weights.OnnxBytes.model;
import static dev.attnc.runtime.weights.OnnxBytes.nodes;
import static dev.attnc.runtime.weights.OnnxBytes.raw;
import static dev.attnc.runtime.weights.OnnxBytes.shape;
import static dev.attnc.runtime.weights.RawFile.entry;
import static dev.attnc.runtime.weights.RawFile.f32;
import static dev.attnc.runtime.weights.RawFile.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.StringJoiner;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights files built to exhaust memory or time: each is refused with one clear
 * WeightException before memory in proportion to its claims is reserved, or, where the claim
 * is legitimate, read in memory that follows what is kept. Where the old behaviour needed a
 * large heap, the file is opened in a child JVM with a small one ({@link SmallHeap}).
 */
class HostileWeightsTest {

    @TempDir
    Path dir;

    // ---- safetensors ----

    /** A safetensors file whose header is {@code json} followed by {@code padding} spaces. */
    private Path paddedSafetensors(String json, long padding, byte[] data) throws IOException {
        Path file = dir.resolve("model.safetensors");
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, head.length + padding));
            out.write(ByteBuffer.wrap(head));
            byte[] spaces = new byte[1 << 20];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (long left = padding; left > 0; left -= spaces.length) {
                out.write(ByteBuffer.wrap(spaces, 0, (int) Math.min(spaces.length, left)));
            }
            out.write(ByteBuffer.wrap(data));
        }
        return file;
    }

    @Test
    void aHeaderOf64MBOpensInA32MiBHeap() throws Exception {
        // Before: the header was read whole and decoded to a String (~4 x its size) before parsing.
        Path file = paddedSafetensors(header(entry("w", "F32", "[2]", 0, 8)), 64_000_000, f32(1.5f, -2));
        assertEquals(new SmallHeap.Result(0, "opened"), SmallHeap.open("safetensors", file, 32));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertArrayEquals(new float[] {1.5f, -2}, f.floats("w", new int[] {2}, Init.TENSOR));
        }
    }

    @Test
    void garbageAtTheStartOfA64MBHeaderFailsInA32MiBHeap() throws Exception {
        Path file = paddedSafetensors("{\"w\" x", 64_000_000, new byte[0]);
        assertEquals(new SmallHeap.Result(0, "model.safetensors: header is not valid JSON (error at line 1, column 7)"),
                SmallHeap.open("safetensors", file, 32));
    }

    private static String fails(Path file) {
        return assertThrows(WeightException.class, () -> SafetensorsFile.open(file).close()).getMessage();
    }

    private Path safetensors(String json, byte[]... data) throws IOException {
        Path file = dir.resolve("model.safetensors");
        Files.write(file, RawFile.of(json, data));
        return file;
    }

    @Test
    void aStringOverTheLimitIsRefusedAsItIsRead() throws IOException {
        String name = "n".repeat(HeaderReader.MAX_STRING_CHARS + 1);
        String message = fails(safetensors(header(entry(name, "F32", "[1]", 0, 4)), f32(1)));
        assertTrue(message.startsWith("model.safetensors: header holds a string of more than 4194304 characters (before"
                + " byte "), message);
        assertTrue(message.endsWith(" of the header), more than attnc reads"), message);
    }

    @Test
    void moreTensorsThanTheLimitAreRefused() throws IOException {
        StringJoiner entries = new StringJoiner(",", "{", "}");
        for (int i = 0; i <= SafetensorsHeader.MAX_TENSORS; i++) {
            entries.add(entry(Integer.toString(i, 36), "U8", "[0]", 0, 0));
        }
        assertEquals("model.safetensors: header lists more than 262144 tensors, more than attnc reads from one file",
                fails(safetensors(entries.toString())));
    }

    @Test
    void moreDimsThanTheLimitAreRefused() throws IOException {
        String dims = "[" + "1,".repeat(64) + "1]";
        assertEquals("w: \"shape\" has 65 dims, more than the 64 attnc reads in model.safetensors",
                fails(safetensors(header(entry("w", "U8", dims, 0, 1)), new byte[1])));
        // 64 dims are read.
        try (SafetensorsFile f = SafetensorsFile.open(safetensors(header(entry("w", "U8",
                "[" + "1,".repeat(63) + "1]", 0, 1)), new byte[1]))) {
            assertEquals(64, f.shape("w").length);
        }
    }

    @Test
    void dataOffsetsOfMoreThanTwoValuesAreNotGathered() throws IOException {
        String offsets = "[0,4" + ",4".repeat(1000) + "]";
        assertEquals("w: \"data_offsets\" must be [begin, end], found [0, 4, ...] in model.safetensors",
                fails(safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + offsets + "}}", f32(1))));
    }

    @Test
    void metadataOverTheLimitIsRefused() throws IOException {
        String value = "v".repeat(HeaderReader.MAX_STRING_CHARS - 1);
        StringJoiner meta = new StringJoiner(",", "{\"__metadata__\":{", "}}");
        for (int i = 0; i < 5; i++) {
            meta.add("\"k" + i + "\":\"" + value + "\"");
        }
        assertEquals("model.safetensors: \"__metadata__\" holds more than 16777216 characters, more than attnc reads",
                fails(safetensors(meta.toString())));
    }

    @Test
    void aTensorClaimingMoreThanTheFileHoldsIsRefusedAtOpen() throws IOException {
        // [2^31 - 1, 2^31 - 1] F64: the size fits in a long, but not in the file.
        assertEquals("w: data_offsets [0, 9223372036854775807] reach past the end of the data (4 bytes; is the file"
                        + " truncated?) in model.safetensors",
                fails(safetensors(header(entry("w", "F64", "[2147483647,2147483647]", 0, Long.MAX_VALUE)), f32(1))));
    }

    // ---- files that are not regular files ----

    private Path fifo() throws IOException, InterruptedException {
        Path fifo = dir.resolve("weights.fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), "mkfifo failed");
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo));
        return fifo;
    }

    private static String refusedQuickly(Function<Path, ?> open, Path path) {
        return assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(WeightException.class, () -> open.apply(path)).getMessage());
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = fifo();
        String where = " (" + fifo.toAbsolutePath() + ")";
        assertEquals("weights.fifo: is not a regular file (a pipe, device or socket?), not a safetensors file" + where,
                refusedQuickly(SafetensorsFile::open, fifo));
        assertEquals("weights.fifo: is not a regular file (a pipe, device or socket?), not an ONNX model" + where,
                refusedQuickly(OnnxWeights::open, fifo));
        assertEquals("weights.fifo: is not a regular file (a pipe, device or socket?), not a mapping file" + where,
                refusedQuickly(OnnxNameMap::parse, fifo));
    }

    @Test
    void aDeviceIsRefused() {
        Path zero = Path.of("/dev/zero");
        assertTrue(Files.exists(zero), "/dev/zero is missing");
        assertEquals("zero: is not a regular file (a pipe, device or socket?), not a safetensors file (/dev/zero)",
                refusedQuickly(SafetensorsFile::open, zero));
        assertEquals("zero: is not a regular file (a pipe, device or socket?), not an ONNX model (/dev/zero)",
                refusedQuickly(OnnxWeights::open, zero));
        assertEquals("zero: is not a regular file (a pipe, device or socket?), not a mapping file (/dev/zero)",
                refusedQuickly(OnnxNameMap::parse, zero));
    }

    @Test
    void aMappingFileOverTheLimitIsRefused() throws IOException {
        Path map = dir.resolve("big.onnx-map");
        Files.write(map, ("# " + "x".repeat(OnnxNameMap.MAX_FILE_BYTES) + "\n").getBytes(StandardCharsets.UTF_8));
        assertEquals("big.onnx-map: longer than 1048576 bytes; a mapping file holds a rule a line, a few KiB",
                assertThrows(WeightException.class, () -> OnnxNameMap.parse(map)).getMessage());
    }

    // ---- ONNX ----

    private Path onnx(byte[] bytes) throws IOException {
        Path file = dir.resolve("model.onnx");
        Files.write(file, bytes);
        return file;
    }

    private static String onnxFails(byte[] bytes) {
        return assertThrows(WeightException.class, () -> OnnxWeights.read(bytes, "model.onnx").close()).getMessage();
    }

    /** Field {@code field} as a length-delimited field claiming {@code length} bytes, then {@code body}. */
    private static byte[] claiming(int field, int length, byte[] body) {
        return OnnxBytes.message(o -> io(() -> {
            o.writeTag(field, 2);
            o.writeUInt32NoTag(length);
            o.writeRawBytes(body);
        }));
    }

    @Test
    void packedFloatsClaimingTwoGigabytesFailInA32MiBHeap() throws Exception {
        // graph, initializer and float_data each claim nearly 2 GB, nested; the file has 26 bytes. Each
        // length is checked against the bytes left before anything is reserved for it (protobuf's own
        // limits caught this one before too; the check no longer depends on them).
        int claim = Integer.MAX_VALUE - 63;
        byte[] floats = claiming(4, claim - 32, f32(1, 2));
        byte[] file = claiming(7, claim, claiming(5, claim - 16, floats));
        Path path = onnx(file);
        String message = "model.onnx: not a valid ONNX model: it ends early, inside a message or field (is the file"
                + " truncated? it has " + file.length + " bytes)";
        assertEquals(new SmallHeap.Result(0, message), SmallHeap.open("onnx-in-memory", path, 32));
        assertEquals(new SmallHeap.Result(0, message), SmallHeap.open("onnx", path, 32));
    }

    @Test
    void aFieldLongerThanItsMessageIsRefused() {
        // A node claiming 40 bytes inside a graph of 4; the file itself holds the 40.
        byte[] graph = OnnxBytes.message(o -> io(() -> {
            o.writeTag(1, 2);
            o.writeUInt32NoTag(40);
            o.writeRawBytes(new byte[2]);
        }));
        byte[] file = RawFile.concat(OnnxBytes.message(o -> io(() -> o.writeByteArray(7, graph))), new byte[60]);
        assertEquals("model.onnx: not a valid ONNX model: field node of 40 bytes is longer than the 2 bytes left in its"
                + " message (at byte 4 of 66)", onnxFails(file));
    }

    @Test
    void rawDataSizesThatOverflowALongAreRefused() {
        // 2^61 DOUBLE elements take 2^64 bytes, which wrapped to 0 and matched an empty raw_data.
        assertEquals("w: DOUBLE [1073741824, 1073741824, 2] needs more bytes than fit in a long, but raw_data has 0"
                + " in model.onnx", onnxFails(model(graph(nodes(), raw("w", 11, shape(1L << 30, 1L << 30, 2),
                new byte[0])))));
        // 2^62 FLOAT elements: 2^64 bytes.
        assertEquals("w: FLOAT [1073741824, 1073741824, 4] needs more bytes than fit in a long, but raw_data has 0"
                + " in model.onnx", onnxFails(model(graph(nodes(), raw("w", 1, shape(1L << 30, 1L << 30, 4),
                new byte[0])))));
        // 2^63 INT4 elements: 2^65 bits.
        assertEquals("w: INT4 [2147483647, 2147483647, 2] needs more bytes than fit in a long, but raw_data has 0"
                + " in model.onnx", onnxFails(model(graph(nodes(), raw("w", 22, shape(Integer.MAX_VALUE,
                Integer.MAX_VALUE, 2), new byte[0])))));
        assertEquals("w: has more elements than fit in a long: [2147483647, 2147483647, 2147483647] in model.onnx",
                onnxFails(model(graph(nodes(), raw("w", 2, shape(Integer.MAX_VALUE, Integer.MAX_VALUE,
                        Integer.MAX_VALUE), new byte[0])))));
        assertEquals("w: has a negative dim in [4, -1] in model.onnx",
                onnxFails(model(graph(nodes(), raw("w", 1, shape(4, -1), new byte[0])))));
    }

    @Test
    void moreDimsThanTheLimitAreRefusedAsTheyAreRead() {
        long[] dims = new long[65];
        java.util.Arrays.fill(dims, 1);
        String message = onnxFails(model(graph(nodes(), raw("w", 1, dims, f32(1)))));
        assertTrue(message.startsWith("initializer #0: cannot be read: field dims lists more than 64 dims (at byte "),
                message);
    }

    @Test
    void millionsOfEmptyNodesAreRefusedWithinTheBudget() throws Exception {
        // 4.5 million empty nodes, 2 bytes each in the file, some 40 bytes each in memory: past the
        // budget, which counts 64 bytes a node.
        int count = 4_500_000;
        byte[] nodes = new byte[2 * count];
        for (int i = 0; i < nodes.length; i += 2) {
            nodes[i] = 0x0a; // field 1 (node), length-delimited, length 0
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(file);
        out.writeByteArray(7, nodes);
        out.flush();
        SmallHeap.Result result = SmallHeap.open("onnx", onnx(file.toByteArray()), 256);
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().startsWith("model.onnx: not a valid ONNX model: the graph needs more than 256 MiB of"
                + " memory outside raw_data (names, nodes, dims and values in typed fields such as float_data), more"
                + " than attnc reads (at byte "), result.output());
    }

    @Test
    void aStreamLongerThanTheCapIsRefusedAsItPassesIt() {
        byte[] model = model(graph(nodes(), raw("w", 1, shape(1), f32(1))));
        try (OnnxWeights w = OnnxWeights.read(new ByteArrayInputStream(model), "in.onnx", model.length)) {
            assertEquals(1, w.names().size());
        }
        assertEquals("in.onnx: longer than " + (model.length - 1) + " bytes, more than attnc reads",
                assertThrows(WeightException.class, () -> OnnxWeights.read(new ByteArrayInputStream(model), "in.onnx",
                        model.length - 1)).getMessage());
    }
}
