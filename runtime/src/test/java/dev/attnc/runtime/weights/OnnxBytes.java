package dev.attnc.runtime.weights;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Writes ONNX protobuf messages field by field, so that tests can build models (and broken
 * ones) without the ONNX classes: {@code model(graph(node(...), initializer(...)))}.
 */
final class OnnxBytes {
    private OnnxBytes() {
    }

    /** A message: the fields {@code body} writes. */
    static byte[] message(Consumer<CodedOutputStream> body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        body.accept(out);
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A ModelProto: ir_version 8, producer "test", opset 17, and the graph. */
    static byte[] model(byte[] graph) {
        return message(o -> {
            io(() -> o.writeInt64(1, 8));
            io(() -> o.writeString(2, "test"));
            io(() -> o.writeByteArray(8, message(op -> io(() -> op.writeInt64(2, 17)))));
            io(() -> o.writeByteArray(7, graph));
        });
    }

    /** A GraphProto of nodes (field 1) and initializers (field 5). */
    static byte[] graph(byte[][] nodes, byte[]... initializers) {
        return message(o -> {
            io(() -> o.writeString(2, "g"));
            for (byte[] n : nodes) {
                io(() -> o.writeByteArray(1, n));
            }
            for (byte[] t : initializers) {
                io(() -> o.writeByteArray(5, t));
            }
            io(() -> o.writeByteArray(11, message(v -> io(() -> v.writeString(1, "x")))));
            io(() -> o.writeByteArray(12, message(v -> io(() -> v.writeString(1, "y")))));
        });
    }

    static byte[][] nodes(byte[]... nodes) {
        return nodes;
    }

    /** A NodeProto. */
    static byte[] node(String name, String opType, String[] inputs, String... outputs) {
        return message(o -> {
            for (String i : inputs) {
                io(() -> o.writeString(1, i));
            }
            for (String out : outputs) {
                io(() -> o.writeString(2, out));
            }
            io(() -> o.writeString(3, name));
            io(() -> o.writeString(4, opType));
        });
    }

    /** A Constant node whose {@code value} attribute is {@code tensor}. */
    static byte[] constant(String name, String output, byte[] tensor) {
        return message(o -> {
            io(() -> o.writeString(2, output));
            io(() -> o.writeString(3, name));
            io(() -> o.writeString(4, "Constant"));
            io(() -> o.writeByteArray(5, message(a -> {
                io(() -> a.writeString(1, "value"));
                io(() -> a.writeInt32(20, 4));
                io(() -> a.writeByteArray(5, tensor));
            })));
        });
    }

    /** A TensorProto with raw_data: dims, data_type, name, raw bytes. */
    static byte[] raw(String name, int dataType, long[] dims, byte[] raw) {
        return message(o -> {
            dims(o, dims);
            io(() -> o.writeInt32(2, dataType));
            io(() -> o.writeString(8, name));
            io(() -> o.writeByteArray(9, raw));
        });
    }

    /** A FLOAT TensorProto with packed float_data. */
    static byte[] floatData(String name, long[] dims, float... values) {
        return message(o -> {
            dims(o, dims);
            io(() -> o.writeInt32(2, 1));
            io(() -> {
                o.writeTag(4, 2);
                o.writeUInt32NoTag(4 * values.length);
                for (float v : values) {
                    o.writeFloatNoTag(v);
                }
            });
            io(() -> o.writeString(8, name));
        });
    }

    /** A TensorProto of {@code dataType} with int32_data (not packed). */
    static byte[] int32Data(String name, int dataType, long[] dims, int... values) {
        return message(o -> {
            dims(o, dims);
            io(() -> o.writeInt32(2, dataType));
            for (int v : values) {
                io(() -> o.writeInt32(5, v));
            }
            io(() -> o.writeString(8, name));
        });
    }

    /** A TensorProto with any fields: for broken ones. */
    static byte[] tensor(Consumer<CodedOutputStream> body) {
        return message(body);
    }

    static void dims(CodedOutputStream o, long... dims) {
        for (long d : dims) {
            io(() -> o.writeInt64(1, d));
        }
    }

    static long[] shape(long... dims) {
        return dims;
    }

    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static byte[] f64(double... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    static byte[] u16(int... bits) {
        ByteBuffer b = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : bits) {
            b.putShort((short) v);
        }
        return b.array();
    }

    static byte[] i64(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    interface Io {
        void run() throws IOException;
    }

    static void io(Io io) {
        try {
            io.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
