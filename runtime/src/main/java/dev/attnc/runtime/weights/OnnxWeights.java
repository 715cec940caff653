package dev.attnc.runtime.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The weights of an ONNX model: its graph's initializers (and the values of its
 * {@code Constant} nodes), read as a {@link WeightSource}, plus the graph's nodes, so that
 * weights with generated names ({@code onnx::MatMul_787}) can be found through the node that
 * uses them ({@code /encoder/layer.0/attention/self/query/MatMul}); see {@link OnnxNameMap}.
 *
 * <p>The model is read with protobuf's wire-format reader; nothing else of the graph is built.
 * {@link #open} validates every tensor (data type, dims, size of its data) at once, so a broken
 * file fails there with a {@link WeightException} naming the tensor and the file. The values
 * are converted on request: FLOAT, FLOAT16, BFLOAT16 and DOUBLE tensors, stored as
 * {@code raw_data} or as typed fields ({@code float_data}, {@code int32_data},
 * {@code double_data}). Tensors of other types (INT64 shape constants, say), external data
 * and sparse initializers are accepted at open and reported only when read.
 *
 * <p>A file is mapped into memory, not read; models are at most 2 GB (the protobuf limit).
 * Memory: the mapped file is not heap; the parse keeps the graph's names, nodes and dims and
 * the values of tensors stored in typed fields, at most
 * 256 MiB as estimated while reading (a few MiB for a
 * large exported model); a tensor's values are copied into a float array only when asked for
 * with the shape the model expects. Safe to call from several threads at once.
 */
public final class OnnxWeights implements WeightSource {

    /**
     * One node of the graph, as stored: its name (which may be empty), its op type and domain
     * (empty for the default ONNX domain), and the names of its inputs and outputs (an omitted
     * optional input is an empty string).
     */
    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs) {
        public Node {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(opType, "opType");
            Objects.requireNonNull(domain, "domain");
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
        }
    }

    /** The largest model read: protobuf's limit of 2 GB, less what a Java array cannot hold. */
    public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - 8;

    private final String file;
    private final OnnxModelParser.Parsed model;
    private final Map<String, Node> nodesByName;
    private final Map<String, List<Node>> consumers;
    private volatile ByteBuffer bytes;

    private OnnxWeights(String file, ByteBuffer bytes, OnnxModelParser.Parsed model) {
        this.file = file;
        this.bytes = bytes;
        this.model = model;
        Map<String, Node> byName = new LinkedHashMap<>();
        Map<String, List<Node>> users = new HashMap<>();
        for (Node node : model.nodes()) {
            if (!node.name().isEmpty()) {
                byName.putIfAbsent(node.name(), node);
            }
            for (String input : new LinkedHashSet<>(node.inputs())) {
                if (!input.isEmpty()) {
                    users.computeIfAbsent(input, k -> new ArrayList<>()).add(node);
                }
            }
        }
        users.replaceAll((k, v) -> List.copyOf(v));
        this.nodesByName = Collections.unmodifiableMap(byName);
        this.consumers = Collections.unmodifiableMap(users);
    }

    /**
     * Opens the ONNX model at {@code path} and validates it: the protobuf structure, and every
     * initializer's name, data type, dims and data size.
     *
     * @throws WeightException if the file cannot be read or is not a valid ONNX model
     */
    public static OnnxWeights open(Path path) {
        Objects.requireNonNull(path, "path");
        Path name = path.getFileName();
        String file = name == null ? path.toString() : name.toString();
        RegularFiles.require(path, file, "an ONNX model");
        MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new WeightException(file + ": file is " + size + " bytes, over the 2 GB a protobuf ONNX model can"
                        + " be; models whose weights are in external data files are not supported");
            }
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        } catch (NoSuchFileException e) {
            throw new WeightException(file + ": file not found (" + path.toAbsolutePath() + ")", e);
        } catch (AccessDeniedException e) {
            throw new WeightException(file + ": permission denied (" + path.toAbsolutePath() + ")", e);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            throw new WeightException(file + ": cannot open: " + e, e);
        }
        return of(file, mapped);
    }

    /**
     * Reads an ONNX model held in memory, e.g. one read from inside a jar.
     *
     * @param description what the bytes are, for messages: {@code all-minilm-l6-v2.onnx}
     * @throws WeightException if the bytes are not a valid ONNX model
     */
    public static OnnxWeights read(byte[] model, String description) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(description, "description");
        return of(description, ByteBuffer.wrap(model));
    }

    /**
     * Reads a whole stream (not closed) and then the model in it; a stream longer than the 2 GB
     * a protobuf model can be is refused as soon as it passes that.
     *
     * @throws WeightException if the stream cannot be read or does not hold a valid ONNX model
     */
    public static OnnxWeights read(InputStream in, String description) {
        return read(in, description, MAX_MODEL_BYTES);
    }

    /**
     * Reads at most {@code maxBytes} of a stream (not closed) and then the model in it. The
     * stream is read in chunks, so memory follows the bytes that arrive, not a declared size;
     * past {@code maxBytes} it stops with a WeightException.
     *
     * @throws WeightException if the stream cannot be read, is longer than {@code maxBytes} or
     *     does not hold a valid ONNX model
     */
    public static OnnxWeights read(InputStream in, String description, long maxBytes) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(description, "description");
        long cap = Math.min(maxBytes, MAX_MODEL_BYTES);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] chunk = new byte[1 << 16];
        try {
            int n;
            while ((n = in.read(chunk, 0, (int) Math.min(chunk.length, cap + 1 - all.size()))) > 0) {
                all.write(chunk, 0, n);
                if (all.size() > cap) {
                    throw new WeightException(description + ": longer than " + cap + " bytes, more than attnc reads"
                            + (cap == MAX_MODEL_BYTES ? " (the most a protobuf ONNX model can be)" : ""));
                }
            }
        } catch (IOException e) {
            throw new WeightException(description + ": cannot read: " + e, e);
        }
        return read(all.toByteArray(), description);
    }

    private static OnnxWeights of(String file, ByteBuffer bytes) {
        return new OnnxWeights(file, bytes, OnnxModelParser.parse(bytes, file));
    }

    // ---- the model ----

    /** The ONNX IR version of the file. */
    public long irVersion() {
        return model.irVersion();
    }

    /** The tool that wrote the file ({@code pytorch}), or empty. */
    public String producer() {
        return model.producer();
    }

    /** The opset version per domain ({@code ai.onnx} for the default domain), unmodifiable. */
    public Map<String, Long> opsets() {
        return model.opsets();
    }

    /** The graph's nodes, in graph order, unmodifiable. */
    public List<Node> nodes() {
        return model.nodes();
    }

    /** The node named {@code name}: the first of that name, if several share it. */
    public Optional<Node> node(String name) {
        return Optional.ofNullable(nodesByName.get(name));
    }

    /** The nodes that take the tensor {@code tensor} as an input, in graph order. */
    public List<Node> consumers(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    /** The graph's inputs (as declared; some exporters also list initializers here). */
    public List<String> graphInputs() {
        return model.graphInputs();
    }

    /** The graph's outputs. */
    public List<String> graphOutputs() {
        return model.graphOutputs();
    }

    /** Names of nodes, for "did you mean" hints. */
    Set<String> nodeNames() {
        return nodesByName.keySet();
    }

    // ---- the tensors ----

    @Override
    public boolean contains(String name) {
        return model.tensors().containsKey(name);
    }

    /** Every tensor's name, initializers first in file order, then Constant nodes' values; unmodifiable. */
    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(model.tensors().keySet());
    }

    /** The file name, e.g. {@code all-minilm-l6-v2.onnx}. */
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
        return tensor(name).dims().clone();
    }

    /**
     * The stored data type of {@code name} as ONNX spells it: {@code FLOAT}, {@code INT64}, ...
     *
     * @throws WeightException if there is no such tensor
     */
    public String dataType(String name) {
        return tensor(name).type().name();
    }

    /**
     * The tensor {@code name} as row-major float32, converted from FLOAT16, BFLOAT16 or DOUBLE.
     *
     * @param init ignored: the values come from the file
     * @throws WeightException if the tensor is missing, its stored shape is not {@code shape}, its
     *     data type is not a float type, or its data is not in this file
     */
    @Override
    public float[] floats(String name, int[] shape, Init init) {
        Objects.requireNonNull(shape, "shape");
        OnnxModelParser.Tensor t = tensor(name);
        if (!Arrays.equals(t.dims(), shape)) {
            throw new WeightException(name + ": expected " + OnnxModelParser.shapeString(shape) + ", found "
                    + OnnxModelParser.shapeString(t.dims()) + " in " + file);
        }
        if (!t.type().isFloat()) {
            throw new WeightException(name + ": data type " + t.type() + " cannot be read as float32 in " + file
                    + " (supported: " + OnnxDataType.FLOATS + ")");
        }
        long elements = t.elements();
        if (elements > Integer.MAX_VALUE - 8) {
            throw new WeightException(name + ": " + elements + " elements are more than one Java array holds, in " + file);
        }
        int n = (int) elements;
        return switch (t.kind()) {
            case EMPTY -> new float[0];
            case EXTERNAL -> throw new WeightException(name + ": stored as external data (in \"" + t.external()
                    + "\"), which attnc does not read, in " + file);
            case SPARSE -> throw new WeightException(name + ": a sparse initializer, which attnc does not read, in " + file);
            case RAW -> raw(t, n);
            case TYPED -> typed(t, n);
        };
    }

    private float[] raw(OnnxModelParser.Tensor t, int n) {
        ByteBuffer all = bytes;
        if (all == null) {
            throw new IllegalStateException(file + " is closed");
        }
        ByteBuffer data = all.slice(Math.toIntExact(all.position() + t.offset()), Math.toIntExact(t.length()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[n];
        switch (t.type()) {
            case FLOAT -> data.asFloatBuffer().get(out);
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) data.getDouble(8 * i);
                }
            }
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(data.getShort(2 * i));
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((data.getShort(2 * i) & 0xFFFF) << 16);
                }
            }
            default -> throw new AssertionError(t.type());
        }
        return out;
    }

    private float[] typed(OnnxModelParser.Tensor t, int n) {
        if (bytes == null) {
            throw new IllegalStateException(file + " is closed");
        }
        float[] out = new float[n];
        switch (t.type()) {
            case FLOAT -> {
                if (t.floatData() == null) {
                    throw wrongField(t, "float_data");
                }
                System.arraycopy(t.floatData(), 0, out, 0, n);
            }
            case DOUBLE -> {
                if (t.doubleData() == null) {
                    throw wrongField(t, "double_data");
                }
                for (int i = 0; i < n; i++) {
                    out[i] = (float) t.doubleData()[i];
                }
            }
            // FLOAT16 and BFLOAT16 values are stored as their 16 bits in int32_data.
            case FLOAT16 -> {
                if (t.int32Data() == null) {
                    throw wrongField(t, "int32_data");
                }
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat((short) t.int32Data()[i]);
                }
            }
            case BFLOAT16 -> {
                if (t.int32Data() == null) {
                    throw wrongField(t, "int32_data");
                }
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((t.int32Data()[i] & 0xFFFF) << 16);
                }
            }
            default -> throw new AssertionError(t.type());
        }
        return out;
    }

    private WeightException wrongField(OnnxModelParser.Tensor t, String field) {
        return new WeightException(t.name() + ": a " + t.type() + " tensor whose values are not in " + field
                + ", where ONNX keeps them, in " + file);
    }

    private OnnxModelParser.Tensor tensor(String name) {
        Objects.requireNonNull(name, "name");
        OnnxModelParser.Tensor t = model.tensors().get(name);
        if (t == null) {
            String hint = NameHints.closest(name, model.tensors().keySet());
            throw new WeightException(name + ": not found in " + file + (hint == null ? "" : " (did you mean " + hint + "?)"));
        }
        return t;
    }

    /** Where a tensor comes from, for messages: {@code initializer}, {@code Constant node /x/Constant}. */
    String origin(String name) {
        return tensor(name).origin();
    }

    /** Releases the model's bytes; later reads throw IllegalStateException. Closing twice is harmless. */
    @Override
    public void close() {
        bytes = null;
    }

    @Override
    public String toString() {
        return "OnnxWeights[" + file + ", " + model.tensors().size() + " tensors, " + model.nodes().size() + " nodes]";
    }
}
