package dev.attnc.bench.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes ONNX models in the protobuf wire format, with the field numbers of onnx.proto, so the
 * benchmarks need no generated ONNX classes. Only what the benchmark graphs use is here:
 * nodes with int, float and ints attributes, float scalar and int64 vector initializers, and
 * inputs and outputs whose dims are numbers or names ({@code "T"}).
 *
 * <p>The output is deterministic: the same calls give the same bytes, so the .onnx files in
 * the resources can be checked against a fresh run of {@link OnnxModels}.
 */
public final class OnnxWriter {
    // onnx.proto: TensorProto.DataType
    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int BOOL = 9;

    // onnx.proto: AttributeProto.AttributeType
    private static final int ATTR_FLOAT = 1;
    private static final int ATTR_INT = 2;
    private static final int ATTR_INTS = 7;

    /** ONNX IR version 11 (ONNX 1.18), the first with opset 23. */
    public static final long IR_VERSION = 11;

    private final String graphName;
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private final List<byte[]> opsets = new ArrayList<>();
    private int nodeCount;

    public OnnxWriter(String graphName) {
        this.graphName = graphName;
    }

    /** Declares an opset the graph uses: {@code ""} for the standard ops, {@code "com.microsoft"} for ORT's contrib ops. */
    public OnnxWriter opset(String domain, long version) {
        opsets.add(message(out -> {
            out.writeString(1, domain);      // OperatorSetIdProto.domain
            out.writeInt64(2, version);      // OperatorSetIdProto.version
        }));
        return this;
    }

    /** A graph input; a dim is an Integer (fixed) or a String (named, set at run time). */
    public OnnxWriter input(String name, int elemType, Object... dims) {
        inputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    public OnnxWriter output(String name, int elemType, Object... dims) {
        outputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    /** A float scalar constant. */
    public OnnxWriter scalar(String name, float value) {
        initializers.add(message(out -> {
            out.writeInt32(2, FLOAT);                  // TensorProto.data_type
            out.writeString(8, name);                  // TensorProto.name
            out.writeByteArray(9, littleEndian(Float.floatToRawIntBits(value)));  // raw_data
        }));
        return this;
    }

    /** An int64 vector constant (shapes for Reshape and Expand). */
    public OnnxWriter int64s(String name, long... values) {
        initializers.add(message(out -> {
            out.writeInt64(1, values.length);          // TensorProto.dims
            out.writeInt32(2, INT64);                  // TensorProto.data_type
            out.writeString(8, name);                  // TensorProto.name
            byte[] raw = new byte[values.length * 8];
            for (int i = 0; i < values.length; i++) {
                for (int b = 0; b < 8; b++) {
                    raw[i * 8 + b] = (byte) (values[i] >>> (8 * b));
                }
            }
            out.writeByteArray(9, raw);                // TensorProto.raw_data
        }));
        return this;
    }

    /** Starts a node; {@code ""} in the inputs leaves an optional input out. */
    public Node node(String opType, List<String> in, List<String> out) {
        return new Node("", opType, in, out);
    }

    /** A node of another domain, such as {@code com.microsoft}. */
    public Node node(String domain, String opType, List<String> in, List<String> out) {
        return new Node(domain, opType, in, out);
    }

    /** One node under construction: add attributes, then {@link #add}. */
    public final class Node {
        private final String domain;
        private final String opType;
        private final List<String> in;
        private final List<String> out;
        private final List<byte[]> attributes = new ArrayList<>();

        private Node(String domain, String opType, List<String> in, List<String> out) {
            this.domain = domain;
            this.opType = opType;
            this.in = in;
            this.out = out;
        }

        public Node attr(String name, long value) {
            attributes.add(message(o -> {
                o.writeString(1, name);          // AttributeProto.name
                o.writeInt64(3, value);          // AttributeProto.i
                o.writeEnum(20, ATTR_INT);       // AttributeProto.type
            }));
            return this;
        }

        public Node attr(String name, float value) {
            attributes.add(message(o -> {
                o.writeString(1, name);
                o.writeFloat(2, value);          // AttributeProto.f
                o.writeEnum(20, ATTR_FLOAT);
            }));
            return this;
        }

        public Node attr(String name, long[] values) {
            attributes.add(message(o -> {
                o.writeString(1, name);
                for (long value : values) {
                    o.writeInt64(8, value);      // AttributeProto.ints (unpacked, as onnx writes them)
                }
                o.writeEnum(20, ATTR_INTS);
            }));
            return this;
        }

        public OnnxWriter add() {
            String nodeName = opType + "_" + nodeCount++;
            nodes.add(message(o -> {
                for (String name : in) {
                    o.writeString(1, name);      // NodeProto.input
                }
                for (String name : out) {
                    o.writeString(2, name);      // NodeProto.output
                }
                o.writeString(3, nodeName);      // NodeProto.name
                o.writeString(4, opType);        // NodeProto.op_type
                for (byte[] attribute : attributes) {
                    o.writeByteArray(5, attribute);  // NodeProto.attribute
                }
                if (!domain.isEmpty()) {
                    o.writeString(7, domain);    // NodeProto.domain
                }
            }));
            return OnnxWriter.this;
        }
    }

    /** The ModelProto bytes. */
    public byte[] toBytes() {
        byte[] graph = message(out -> {
            for (byte[] node : nodes) {
                out.writeByteArray(1, node);         // GraphProto.node
            }
            out.writeString(2, graphName);           // GraphProto.name
            for (byte[] initializer : initializers) {
                out.writeByteArray(5, initializer);  // GraphProto.initializer
            }
            for (byte[] input : inputs) {
                out.writeByteArray(11, input);       // GraphProto.input
            }
            for (byte[] output : outputs) {
                out.writeByteArray(12, output);      // GraphProto.output
            }
        });
        return message(out -> {
            out.writeInt64(1, IR_VERSION);           // ModelProto.ir_version
            out.writeString(2, "attnc-bench");       // ModelProto.producer_name
            out.writeByteArray(7, graph);            // ModelProto.graph
            for (byte[] opset : opsets) {
                out.writeByteArray(8, opset);        // ModelProto.opset_import
            }
        });
    }

    private static byte[] valueInfo(String name, int elemType, Object... dims) {
        byte[] shape = message(out -> {
            for (Object dim : dims) {
                out.writeByteArray(1, message(d -> {                 // TensorShapeProto.dim
                    if (dim instanceof Integer size) {
                        d.writeInt64(1, size);                       // Dimension.dim_value
                    } else {
                        d.writeString(2, (String) dim);              // Dimension.dim_param
                    }
                }));
            }
        });
        byte[] tensorType = message(out -> {
            out.writeInt32(1, elemType);             // TypeProto.Tensor.elem_type
            out.writeByteArray(2, shape);            // TypeProto.Tensor.shape
        });
        byte[] type = message(out -> out.writeByteArray(1, tensorType));  // TypeProto.tensor_type
        return message(out -> {
            out.writeString(1, name);                // ValueInfoProto.name
            out.writeByteArray(2, type);             // ValueInfoProto.type
        });
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            body.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] littleEndian(int bits) {
        return new byte[] {(byte) bits, (byte) (bits >>> 8), (byte) (bits >>> 16), (byte) (bits >>> 24)};
    }

}
