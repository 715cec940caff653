package dev.attnc.runtime.weights;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the parts of an ONNX {@code ModelProto} that a weight source needs, straight from the
 * protobuf wire format with {@link CodedInputStream}: the header fields, the graph's nodes
 * (name, op type, inputs, outputs), its inputs and outputs, and every initializer (name, dims,
 * data type and where its data is). The bytes of {@code raw_data} are not copied: the parser
 * records their offset in the buffer and skips them. Everything else of the graph (attributes,
 * value infos, functions) is skipped. Field numbers are those of {@code onnx.proto}.
 *
 * <p>Every tensor is validated here, so that a corrupt model fails at open: unknown data types,
 * negative dims, data of the wrong size (computed without overflow), two kinds of data at once,
 * duplicate names.
 *
 * <p>Memory: every length read from the file (of a message, a string, a packed field) is
 * checked against the bytes left in its enclosing message and in the file before anything is
 * allocated for it, and what the parser keeps (names, nodes, dims, values held in typed fields
 * rather than {@code raw_data}) is counted as it is read: past {@link #MAX_KEPT_BYTES} the model
 * is refused. The nesting is fixed (model, graph, node, attribute, tensor); subgraphs and groups
 * are skipped, within protobuf's own recursion limit.
 */
final class OnnxModelParser {

    /**
     * The most memory the parsed graph may take, as estimated while reading: each string counts
     * its length plus 64 bytes, each node 64, each tensor 128, each dim 24 and each value in a
     * typed field its size. A large exported model keeps a few MiB; weights in {@code raw_data}
     * are not copied and do not count.
     */
    static final long MAX_KEPT_BYTES = 256L << 20;
    /** The most dims of one tensor. */
    static final int MAX_RANK = 64;

    /** Where a tensor's values are. */
    enum Kind {
        /** {@code raw_data}: little-endian bytes at {@link Tensor#offset} in the buffer. */
        RAW,
        /** A typed field ({@code float_data}, {@code int32_data}, {@code double_data}...), decoded. */
        TYPED,
        /** No values, because the tensor has no elements. */
        EMPTY,
        /** {@code data_location: EXTERNAL}: in another file, which attnc does not read. */
        EXTERNAL,
        /** A sparse initializer, which attnc does not read. */
        SPARSE
    }

    /**
     * One tensor: an initializer, or the value of a {@code Constant} node (then {@code origin}
     * names the node).
     */
    record Tensor(String name, int[] dims, OnnxDataType type, Kind kind, long offset, long length,
            float[] floatData, int[] int32Data, double[] doubleData, String external, String origin) {

        long elements() {
            long n = 1;
            for (int d : dims) {
                n *= d; // validated at parse: fits
            }
            return n;
        }
    }

    /** What was read. */
    record Parsed(long irVersion, String producer, Map<String, Long> opsets, List<OnnxWeights.Node> nodes,
            Map<String, Tensor> tensors, List<String> graphInputs, List<String> graphOutputs) {}

    /**
     * A broken model: the message says what is wrong, without the file or the position. With a
     * tensor, the tensor was read whole and is wrong in itself (its size, its type).
     */
    private static class Corrupt extends Exception {
        private static final long serialVersionUID = 1L;
        final String tensor;

        Corrupt(String message) {
            this(null, message);
        }

        Corrupt(String tensor, String message) {
            super(message);
            this.tensor = tensor;
        }
    }

    /** A length that reaches past the end of the file. */
    private static final class Truncated extends Corrupt {
        private static final long serialVersionUID = 1L;

        Truncated() {
            super("truncated");
        }
    }

    private final CodedInputStream in;
    private final long size;
    private final String file;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    /** Values of Constant nodes; after the initializers, which win over them. */
    private final Map<String, Tensor> constants = new LinkedHashMap<>();
    private final List<OnnxWeights.Node> nodes = new ArrayList<>();
    private final List<String> graphInputs = new ArrayList<>();
    private final List<String> graphOutputs = new ArrayList<>();
    private final Map<String, Long> opsets = new LinkedHashMap<>();
    /** The tensor being read, for messages about the wire format. */
    private String context;
    /** Bytes kept so far, as estimated by {@link #keep}. */
    private long kept;

    private OnnxModelParser(ByteBuffer buffer, String file) {
        this.in = CodedInputStream.newInstance(buffer.duplicate());
        this.in.setSizeLimit(Integer.MAX_VALUE);
        this.size = buffer.remaining();
        this.file = file;
    }

    /**
     * Parses the model in {@code buffer} (from its position to its limit; not modified).
     *
     * @param file the file name, for messages
     * @throws WeightException if the bytes are not a valid ONNX model or a tensor is corrupt
     */
    static Parsed parse(ByteBuffer buffer, String file) {
        return new OnnxModelParser(buffer, file).model();
    }

    private Parsed model() {
        long irVersion = 0;
        String producer = "";
        boolean graph = false;
        try {
            int tag;
            while ((tag = in.readTag()) != 0) {
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> irVersion = varint(tag, "ir_version");
                    case 2 -> producer = string(tag, "producer_name");
                    case 7 -> {
                        int limit = message(tag, "graph");
                        graph();
                        in.popLimit(limit);
                        graph = true;
                    }
                    case 8 -> {
                        int limit = message(tag, "opset_import");
                        opset();
                        in.popLimit(limit);
                    }
                    default -> in.skipField(tag);
                }
            }
        } catch (Truncated e) {
            throw truncated();
        } catch (Corrupt e) {
            if (e.tensor != null) {
                throw new WeightException(e.tensor + ": " + e.getMessage() + " in " + file);
            }
            throw broken(e.getMessage());
        } catch (InvalidProtocolBufferException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("ended unexpectedly") || m.contains("truncated")) {
                throw truncated();
            }
            throw broken(m);
        } catch (IOException e) {
            throw new WeightException(file + ": cannot read: " + e, e);
        }
        if (!graph) {
            throw new WeightException(file + ": not an ONNX model: it has no graph"
                    + (size == 0 ? " (the file is empty)" : "") + "; an ONNX model is a protobuf ModelProto with a graph");
        }
        constants.forEach(tensors::putIfAbsent);
        return new Parsed(irVersion, producer, Collections.unmodifiableMap(opsets), List.copyOf(nodes),
                Collections.unmodifiableMap(tensors), List.copyOf(graphInputs), List.copyOf(graphOutputs));
    }

    private WeightException truncated() {
        String what = "it ends early, inside a message or field (is the file truncated? it has " + size + " bytes)";
        return context != null ? new WeightException(context + ": cannot be read: " + what + " in " + file)
                : new WeightException(file + ": not a valid ONNX model: " + what);
    }

    private WeightException broken(String what) {
        String at = " (at byte " + in.getTotalBytesRead() + " of " + size + ")";
        if (context != null) {
            return new WeightException(context + ": cannot be read: " + what + at + " in " + file);
        }
        return new WeightException(file + ": not a valid ONNX model: " + what + at);
    }

    private void opset() throws IOException, Corrupt {
        String domain = "";
        long version = 0;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> domain = string(tag, "opset_import.domain");
                case 2 -> version = varint(tag, "opset_import.version");
                default -> in.skipField(tag);
            }
        }
        opsets.put(domain.isEmpty() ? "ai.onnx" : domain, version);
    }

    private void graph() throws IOException, Corrupt {
        int initializers = 0;
        List<String> sparse = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> {
                    int limit = message(tag, "node");
                    keep(64);
                    nodes.add(node(nodes.size()));
                    in.popLimit(limit);
                }
                case 5 -> {
                    int limit = message(tag, "initializer");
                    context = "initializer #" + initializers;
                    add(tensor("initializer #" + initializers, "initializer"));
                    context = null;
                    in.popLimit(limit);
                    initializers++;
                }
                case 15 -> {
                    int limit = message(tag, "sparse_initializer");
                    context = "sparse initializer #" + sparse.size();
                    Tensor t = sparseTensor("sparse initializer #" + sparse.size());
                    context = null;
                    sparse.add(t.name());
                    add(t);
                    in.popLimit(limit);
                }
                case 11 -> graphInputs.add(valueInfoName(tag, "input"));
                case 12 -> graphOutputs.add(valueInfoName(tag, "output"));
                default -> in.skipField(tag);
            }
        }
    }

    private void add(Tensor t) throws Corrupt {
        if (t.origin().startsWith("Constant")) {
            constants.putIfAbsent(t.name(), t);
            return;
        }
        if (tensors.containsKey(t.name())) {
            throw corrupt(t.name(), "two initializers have this name");
        }
        tensors.put(t.name(), t);
    }

    private String valueInfoName(int tag, String what) throws IOException, Corrupt {
        int limit = message(tag, what);
        String name = "";
        int inner;
        while ((inner = in.readTag()) != 0) {
            if (WireFormat.getTagFieldNumber(inner) == 1) {
                name = string(inner, what + ".name");
            } else {
                in.skipField(inner);
            }
        }
        in.popLimit(limit);
        return name;
    }

    private OnnxWeights.Node node(int index) throws IOException, Corrupt {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String opType = "";
        String domain = "";
        List<Tensor> values = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(string(tag, "node.input"));
                case 2 -> outputs.add(string(tag, "node.output"));
                case 3 -> name = string(tag, "node.name");
                case 4 -> opType = string(tag, "node.op_type");
                case 7 -> domain = string(tag, "node.domain");
                case 5 -> {
                    int limit = message(tag, "node.attribute");
                    Tensor value = attributeTensor(index);
                    if (value != null) {
                        values.add(value);
                    }
                    in.popLimit(limit);
                }
                default -> in.skipField(tag);
            }
        }
        OnnxWeights.Node node = new OnnxWeights.Node(name, opType, domain, List.copyOf(inputs), List.copyOf(outputs));
        // A Constant node's value is a tensor like an initializer, named by the node's output.
        if (opType.equals("Constant") && domain.isEmpty() && values.size() == 1 && outputs.size() == 1) {
            Tensor v = values.get(0);
            String label = name.isEmpty() ? "#" + index : name;
            add(new Tensor(outputs.get(0), v.dims(), v.type(), v.kind(), v.offset(), v.length(), v.floatData(),
                    v.int32Data(), v.doubleData(), v.external(), "Constant node " + label));
        }
        return node;
    }

    /** The tensor of a {@code value} attribute (field {@code t}), or null for any other attribute. */
    private Tensor attributeTensor(int nodeIndex) throws IOException, Corrupt {
        String name = "";
        Tensor t = null;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = string(tag, "attribute.name");
                case 5 -> {
                    int limit = message(tag, "attribute.t");
                    context = "the value of node #" + nodeIndex;
                    t = tensor("the value of node #" + nodeIndex, "Constant");
                    context = null;
                    in.popLimit(limit);
                }
                default -> in.skipField(tag);
            }
        }
        return name.equals("value") ? t : null;
    }

    private Tensor sparseTensor(String label) throws IOException, Corrupt {
        Tensor values = null;
        List<Long> dims = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> {
                    int limit = message(tag, "sparse_initializer.values");
                    values = tensor(label, "sparse initializer");
                    in.popLimit(limit);
                }
                case 3 -> readLongs(tag, dims, "sparse_initializer.dims");
                default -> in.skipField(tag);
            }
        }
        if (values == null || values.name().isEmpty()) {
            throw new Corrupt("has no values or no name");
        }
        int[] shape = dims(values.name(), dims);
        return new Tensor(values.name(), shape, values.type(), Kind.SPARSE, 0, 0, null, null, null, null,
                "sparse initializer");
    }

    /** Reads one {@code TensorProto} up to the current limit and validates it. */
    private Tensor tensor(String label, String origin) throws IOException, Corrupt {
        keep(128);
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        long rawOffset = -1;
        long rawLength = 0;
        FloatList floats = null;
        IntList int32s = null;
        DoubleList doubles = null;
        long int64s = 0;
        long strings = 0;
        long uint64s = 0;
        boolean segment = false;
        int location = 0;
        String externalLocation = null;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> readLongs(tag, dims, "dims");
                case 2 -> dataType = (int) varint(tag, "data_type");
                case 3 -> {
                    segment = true;
                    in.skipField(tag);
                }
                case 4 -> {
                    floats = floats == null ? new FloatList() : floats;
                    readFloats(tag, floats);
                }
                case 5 -> {
                    int32s = int32s == null ? new IntList() : int32s;
                    readInts(tag, int32s);
                }
                case 6 -> {
                    strings++;
                    in.skipField(tag);
                }
                case 7 -> int64s += countVarints(tag, "int64_data");
                case 8 -> {
                    name = string(tag, "name");
                    context = name.isEmpty() ? label : name;
                }
                case 9 -> {
                    wire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "raw_data");
                    int length = length("raw_data");
                    rawOffset = in.getTotalBytesRead();
                    rawLength = length;
                    in.skipRawBytes(length);
                }
                case 10 -> {
                    doubles = doubles == null ? new DoubleList() : doubles;
                    readDoubles(tag, doubles);
                }
                case 11 -> uint64s += countVarints(tag, "uint64_data");
                case 13 -> {
                    String location1 = externalLocation(tag);
                    if (location1 != null) {
                        externalLocation = location1;
                    }
                }
                case 14 -> location = (int) varint(tag, "data_location");
                default -> in.skipField(tag);
            }
        }
        String who = name.isEmpty() ? label : name;
        if (name.isEmpty() && !origin.equals("Constant")) {
            throw corrupt(label, "has no name");
        }
        context = null;
        int[] shape = dims(who, dims);
        OnnxDataType type = OnnxDataType.of(dataType);
        if (type == null || type == OnnxDataType.UNDEFINED) {
            throw corrupt(who, "unknown data type " + dataType);
        }
        if (segment) {
            throw corrupt(who, "is split into segments, which attnc does not read");
        }
        long elements = 1;
        for (int d : shape) {
            elements *= d; // fits: checked by dims()
        }
        String typed = typedFields(floats, int32s, doubles, int64s, strings, uint64s);
        if (location == 1) {
            return new Tensor(name, shape, type, Kind.EXTERNAL, 0, 0, null, null, null,
                    externalLocation == null ? "?" : externalLocation, origin);
        }
        if (rawOffset >= 0 && typed != null) {
            throw corrupt(who, "has both raw_data and " + typed);
        }
        if (rawOffset >= 0) {
            if (type.bits == 0) {
                throw corrupt(who, "is STRING but has raw_data");
            }
            long needed = type.rawBytes(elements);
            if (needed < 0) {
                throw corrupt(who, type + " " + shapeString(shape) + " needs more bytes than fit in a long,"
                        + " but raw_data has " + rawLength);
            }
            if (rawLength != needed) {
                throw corrupt(who, "raw_data has " + rawLength + " bytes, but " + type + " " + shapeString(shape)
                        + " needs " + needed);
            }
            return new Tensor(name, shape, type, Kind.RAW, rawOffset, rawLength, null, null, null, null, origin);
        }
        if (typed == null) {
            if (elements == 0) {
                return new Tensor(name, shape, type, Kind.EMPTY, 0, 0, null, null, null, null, origin);
            }
            throw corrupt(who, "has no data (neither raw_data nor a typed field such as float_data)");
        }
        String field = typedField(type);
        if (!typed.equals(field)) {
            throw corrupt(who, "is " + type + " with its values in " + typed + "; ONNX keeps " + type + " values in "
                    + field);
        }
        long count = floats != null ? floats.size : int32s != null ? int32s.size : doubles != null ? doubles.size
                : int64s + strings + uint64s;
        if (type == OnnxDataType.COMPLEX64 || type == OnnxDataType.COMPLEX128) {
            count /= 2; // real and imaginary parts
        }
        if (count != elements) {
            throw corrupt(who, typed + " has " + count + " values, but " + type + " " + shapeString(shape)
                    + " needs " + elements);
        }
        return new Tensor(name, shape, type, Kind.TYPED, 0, 0, floats == null ? null : floats.toArray(),
                int32s == null ? null : int32s.toArray(), doubles == null ? null : doubles.toArray(), null, origin);
    }

    /** The typed field that holds values of {@code type}, per onnx.proto. */
    private static String typedField(OnnxDataType type) {
        return switch (type) {
            case FLOAT, COMPLEX64 -> "float_data";
            case DOUBLE, COMPLEX128 -> "double_data";
            case INT64 -> "int64_data";
            case UINT32, UINT64 -> "uint64_data";
            case STRING -> "string_data";
            default -> "int32_data";
        };
    }

    private static String typedFields(FloatList floats, IntList int32s, DoubleList doubles, long int64s, long strings,
            long uint64s) {
        List<String> present = new ArrayList<>();
        if (floats != null) {
            present.add("float_data");
        }
        if (int32s != null) {
            present.add("int32_data");
        }
        if (doubles != null) {
            present.add("double_data");
        }
        if (int64s > 0) {
            present.add("int64_data");
        }
        if (strings > 0) {
            present.add("string_data");
        }
        if (uint64s > 0) {
            present.add("uint64_data");
        }
        return present.isEmpty() ? null : String.join(" and ", present);
    }

    private static Corrupt corrupt(String tensor, String what) {
        return new Corrupt(tensor, what);
    }

    private int[] dims(String who, List<Long> dims) throws Corrupt {
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            long d = dims.get(i);
            if (d < 0) {
                throw corrupt(who, "has a negative dim in " + dims);
            }
            if (d > Integer.MAX_VALUE) {
                throw corrupt(who, "dim " + d + " is too large, in " + dims);
            }
            shape[i] = (int) d;
        }
        if (!dims.contains(0L)) {
            try {
                long elements = 1;
                for (int d : shape) {
                    elements = Math.multiplyExact(elements, d);
                }
            } catch (ArithmeticException overflow) {
                throw corrupt(who, "has more elements than fit in a long: " + dims);
            }
        }
        return shape;
    }

    /** {@code key: "location"} of an {@code external_data} entry, else null. */
    private String externalLocation(int tag) throws IOException, Corrupt {
        int limit = message(tag, "external_data");
        String key = "";
        String value = "";
        int inner;
        while ((inner = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(inner)) {
                case 1 -> key = string(inner, "external_data.key");
                case 2 -> value = string(inner, "external_data.value");
                default -> in.skipField(inner);
            }
        }
        in.popLimit(limit);
        return key.equals("location") ? value : null;
    }

    // ---- wire-format helpers ----

    private static void wire(int tag, int expected, String field) throws Corrupt {
        if (WireFormat.getTagWireType(tag) != expected) {
            throw new Corrupt("field " + field + " has wire type " + WireFormat.getTagWireType(tag) + ", expected "
                    + expected);
        }
    }

    private long varint(int tag, String field) throws IOException, Corrupt {
        wire(tag, WireFormat.WIRETYPE_VARINT, field);
        return in.readInt64();
    }

    /** A string, counted against {@link #MAX_KEPT_BYTES} before it is built. */
    private String string(int tag, String field) throws IOException, Corrupt {
        wire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
        int length = length(field);
        keep(64L + length);
        ByteBuffer bytes = ByteBuffer.wrap(in.readRawBytes(length));
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new Corrupt("field " + field + " is not valid UTF-8");
        }
    }

    /**
     * A length read from the file, checked against the bytes left in the enclosing message and
     * in the file, so that nothing is reserved for bytes that are not there.
     */
    private int length(String field) throws IOException, Corrupt {
        int length = in.readRawVarint32();
        if (length < 0) {
            throw new Corrupt("field " + field + " has a negative length");
        }
        if (length > size - in.getTotalBytesRead()) {
            throw new Truncated();
        }
        int untilLimit = in.getBytesUntilLimit(); // -1 when no message encloses this one
        if (untilLimit >= 0 && length > untilLimit) {
            throw new Corrupt("field " + field + " of " + length + " bytes is longer than the " + untilLimit
                    + " bytes left in its message");
        }
        return length;
    }

    /** Counts {@code bytes} more kept in memory; refuses the model past {@link #MAX_KEPT_BYTES}. */
    private void keep(long bytes) throws Corrupt {
        kept += bytes;
        if (kept > MAX_KEPT_BYTES) {
            throw new Corrupt("the graph needs more than " + (MAX_KEPT_BYTES >> 20) + " MiB of memory outside"
                    + " raw_data (names, nodes, dims and values in typed fields such as float_data), more than attnc"
                    + " reads");
        }
    }

    /** Reads a length and pushes it as the limit; returns the old limit for popLimit. */
    private int message(int tag, String field) throws IOException, Corrupt {
        wire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
        return in.pushLimit(length(field));
    }

    private void readLongs(int tag, List<Long> out, String field) throws IOException, Corrupt {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(length(field));
            while (in.getBytesUntilLimit() > 0) {
                addDim(out, in.readInt64(), field);
            }
            in.popLimit(limit);
        } else {
            addDim(out, varint(tag, field), field);
        }
    }

    private void addDim(List<Long> out, long value, String field) throws Corrupt {
        if (out.size() == MAX_RANK) {
            throw new Corrupt("field " + field + " lists more than " + MAX_RANK + " dims");
        }
        keep(24);
        out.add(value);
    }

    private long countVarints(int tag, String field) throws IOException, Corrupt {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(length(field));
            long n = 0;
            while (in.getBytesUntilLimit() > 0) {
                in.readRawVarint64();
                n++;
            }
            in.popLimit(limit);
            return n;
        }
        varint(tag, field);
        return 1;
    }

    private void readFloats(int tag, FloatList out) throws IOException, Corrupt {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int length = length("float_data");
            if (length % 4 != 0) {
                throw new Corrupt("packed float_data of " + length + " bytes, not a multiple of 4");
            }
            keep(length);
            int limit = in.pushLimit(length);
            out.reserve(length / 4);
            while (in.getBytesUntilLimit() > 0) {
                out.add(in.readFloat());
            }
            in.popLimit(limit);
        } else {
            wire(tag, WireFormat.WIRETYPE_FIXED32, "float_data");
            keep(Float.BYTES);
            out.add(in.readFloat());
        }
    }

    private void readDoubles(int tag, DoubleList out) throws IOException, Corrupt {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int length = length("double_data");
            if (length % 8 != 0) {
                throw new Corrupt("packed double_data of " + length + " bytes, not a multiple of 8");
            }
            keep(length);
            int limit = in.pushLimit(length);
            while (in.getBytesUntilLimit() > 0) {
                out.add(in.readDouble());
            }
            in.popLimit(limit);
        } else {
            wire(tag, WireFormat.WIRETYPE_FIXED64, "double_data");
            keep(Double.BYTES);
            out.add(in.readDouble());
        }
    }

    private void readInts(int tag, IntList out) throws IOException, Corrupt {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(length("int32_data"));
            while (in.getBytesUntilLimit() > 0) {
                keep(Integer.BYTES);
                out.add(in.readInt32());
            }
            in.popLimit(limit);
        } else {
            wire(tag, WireFormat.WIRETYPE_VARINT, "int32_data");
            keep(Integer.BYTES);
            out.add(in.readInt32());
        }
    }

    static String shapeString(int[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(']').toString();
    }

    private static final class FloatList {
        float[] data = new float[16];
        int size;

        void reserve(int more) {
            if (size + more > data.length) {
                data = Arrays.copyOf(data, Math.max(size + more, data.length * 2));
            }
        }

        void add(float v) {
            reserve(1);
            data[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    private static final class IntList {
        int[] data = new int[16];
        int size;

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    private static final class DoubleList {
        double[] data = new double[16];
        int size;

        void add(double v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = v;
        }

        double[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
