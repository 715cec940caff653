package dev.attnc.runtime.weights;

import dev.attnc.runtime.kernels.Int8Matrix;
import dev.attnc.runtime.kernels.Int8Weights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The weights of a dynamically quantized ONNX model (ONNX Runtime's {@code quantize_dynamic},
 * as in langchain4j's {@code -q} embedding models) under the names a {@code .attn} file reads,
 * by the rules of an {@link OnnxNameMap}, as {@link MappedWeights} finds them in a float model.
 * Two kinds of 8-bit tensors are understood, from the graph around them:
 * <ul>
 * <li>The weight of a {@code MatMulInteger} (input 1, {@code [in, out]}, INT8 or UINT8) whose
 *     input comes from {@code DynamicQuantizeLinear} and whose result is cast to float and
 *     multiplied by {@code input scale * weight scale}: its zero point is the node's input 3
 *     (absent: 0), its scale the weight's side of that product; both per tensor or per output
 *     column. It is kept as int8 ({@link #int8}, an {@link Int8Matrix}), so a generated model
 *     multiplies it with {@code Int8Linear}, which quantizes its input as
 *     {@code DynamicQuantizeLinear} does: the model runs as ONNX Runtime runs the file. Its rule
 *     must read it {@code transposed}, as for the float model.
 * <li>A table read by {@code Gather} whose rows go through {@code DequantizeLinear} (the
 *     quantized embeddings): read as float32, {@code (q - zeroPoint) * scale} with the node's
 *     per-tensor scale and zero point, as {@code DequantizeLinear} computes it.
 * </ul>
 * Every other tensor is read as {@link MappedWeights} reads it. Nothing in the {@code .attn}
 * file says that a weight is int8: the checkpoint decides, as GGUF files keep Q8_0 weights.
 * Read through {@link #floats}, an int8 weight is dequantized instead (for a backend without an
 * int8 kernel); that model then multiplies float inputs, not quantized ones.
 *
 * <p>Errors name the tensor the model asked for, the ONNX tensor and node, and say which part of
 * the expected pattern is missing.
 */
public final class OnnxQuantizedWeights implements WeightSource, Int8Weights {

    private final MappedWeights mapped;
    private final OnnxWeights onnx;
    private final OnnxModelParser.Parsed parsed;
    private final Map<String, OnnxWeights.Node> producers = new HashMap<>();
    private volatile ByteBuffer bytes;

    private OnnxQuantizedWeights(OnnxWeights onnx, OnnxNameMap map, ByteBuffer bytes) {
        this.onnx = onnx;
        this.mapped = map.apply(onnx);
        this.bytes = bytes;
        // The same bytes parsed again, for the raw data of integer tensors, which OnnxWeights does not hand out.
        this.parsed = OnnxModelParser.parse(bytes, onnx.description());
        for (OnnxWeights.Node node : onnx.nodes()) {
            for (String output : node.outputs()) {
                if (!output.isEmpty()) {
                    producers.putIfAbsent(output, node);
                }
            }
        }
    }

    /**
     * Reads a model held in memory (one read from inside a jar, say).
     *
     * @throws WeightException if the bytes are not a valid ONNX model
     */
    public static OnnxQuantizedWeights read(byte[] model, String description, OnnxNameMap map) {
        Objects.requireNonNull(map, "map");
        return new OnnxQuantizedWeights(OnnxWeights.read(model, description), map, ByteBuffer.wrap(model));
    }

    /**
     * Opens the model at {@code path} (mapped, not read).
     *
     * @throws WeightException if the file cannot be read or is not a valid ONNX model
     */
    public static OnnxQuantizedWeights open(Path path, OnnxNameMap map) {
        Objects.requireNonNull(map, "map");
        OnnxWeights onnx = OnnxWeights.open(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return new OnnxQuantizedWeights(onnx, map, channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()));
        } catch (NoSuchFileException e) {
            throw new WeightException(onnx.description() + ": file not found (" + path.toAbsolutePath() + ")", e);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            throw new WeightException(onnx.description() + ": cannot open: " + e, e);
        }
    }

    /** The model with its float tensors under the map's names. */
    public MappedWeights mapped() {
        return mapped;
    }

    // ---- where a name leads ----

    /** The ONNX tensor {@code name} is read from, and whether its rule transposes it. */
    private record Resolved(String name, String tensor, boolean transposed) {}

    private Resolved resolve(String name) {
        Objects.requireNonNull(name, "name");
        boolean transposed = mapped.map().match(name).map(m -> m.getKey().rule().transposed()).orElse(false);
        return new Resolved(name, mapped.source(name), transposed);
    }

    private boolean isEightBit(String tensor) {
        OnnxModelParser.Tensor t = parsed.tensors().get(tensor);
        return t != null && (t.type() == OnnxDataType.INT8 || t.type() == OnnxDataType.UINT8);
    }

    /** The MatMulInteger that takes {@code tensor} as its weight, if any. */
    private Optional<OnnxWeights.Node> matMulInteger(String tensor) {
        return onnx.consumers(tensor).stream()
                .filter(n -> n.opType().equals("MatMulInteger") && n.inputs().size() > 1 && n.inputs().get(1).equals(tensor))
                .findFirst();
    }

    // ---- WeightSource ----

    @Override
    public Optional<Int8Matrix> int8(String name, int[] shape) {
        Objects.requireNonNull(shape, "shape");
        Resolved r = resolve(name);
        if (!isEightBit(r.tensor())) {
            return Optional.empty();
        }
        Optional<OnnxWeights.Node> node = matMulInteger(r.tensor());
        if (node.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(matMulWeight(r, shape, node.get()));
    }

    @Override
    public float[] floats(String name, int[] shape, Init init) {
        Objects.requireNonNull(shape, "shape");
        Resolved r = resolve(name);
        if (!isEightBit(r.tensor())) {
            return mapped.floats(name, shape, init);
        }
        Optional<OnnxWeights.Node> node = matMulInteger(r.tensor());
        if (node.isPresent()) {
            return matMulWeight(r, shape, node.get()).dequantize();
        }
        return gatheredTable(r, shape);
    }

    @Override
    public boolean contains(String name) {
        return mapped.contains(name);
    }

    @Override
    public Set<String> names() {
        return mapped.names();
    }

    @Override
    public String description() {
        return mapped.description();
    }

    /** Closes the ONNX model. */
    @Override
    public void close() {
        bytes = null;
        mapped.close();
    }

    @Override
    public String toString() {
        return "OnnxQuantizedWeights[" + mapped + "]";
    }

    // ---- the two patterns ----

    /** The weight of {@code node} (a MatMulInteger) as an int8 matrix {@code [out, in]}. */
    private Int8Matrix matMulWeight(Resolved r, int[] shape, OnnxWeights.Node node) {
        String what = r.name() + " (" + r.tensor() + ", the weight of MatMulInteger " + node.name() + ")";
        if (shape.length != 2) {
            throw fail(what, "the model expects " + OnnxModelParser.shapeString(shape)
                    + ", but a MatMulInteger weight is a matrix");
        }
        if (!r.transposed()) {
            throw fail(what, "a MatMulInteger weight is stored [in, out]; its rule in " + mapped.map().file()
                    + " must read it transposed");
        }
        int out = shape[0];
        int in = shape[1];
        int[] stored = onnx.shape(r.tensor());
        if (!Arrays.equals(stored, new int[] {in, out})) {
            throw fail(what, "expected " + OnnxModelParser.shapeString(shape) + ", found it stored as "
                    + OnnxModelParser.shapeString(stored) + " (read transposed, it must be stored as ["
                    + in + ", " + out + "])");
        }
        OnnxWeights.Node input = producers.get(node.inputs().get(0));
        if (input == null || !input.opType().equals("DynamicQuantizeLinear")) {
            throw fail(what, "its input comes from " + (input == null ? "no node" : input.opType() + " " + input.name())
                    + ", not from DynamicQuantizeLinear; attnc runs only dynamically quantized MatMuls");
        }
        OnnxModelParser.Tensor weight = parsed.tensors().get(r.tensor());
        boolean unsigned = weight.type() == OnnxDataType.UINT8;
        int[] zeroPoints = new int[out];
        String zeroName = node.inputs().size() > 3 ? node.inputs().get(3) : "";
        if (!zeroName.isEmpty()) {
            OnnxModelParser.Tensor zero = eightBit(what, zeroName, "zero point");
            if (zero.type() != weight.type()) {
                throw fail(what, "zero point " + zeroName + " is " + zero.type() + " but the weight is " + weight.type());
            }
            zeroPoints = perColumn(what, zeroName, ints(what, zero), out);
        }
        float[] scales = perColumn(what, weightScale(what, node, input), out);
        byte[] transposed = transpose(ints(what, weight), in, out);
        try {
            return unsigned ? Int8Matrix.fromUnsigned(out, in, transposed, scales, zeroPoints)
                    : Int8Matrix.of(out, in, transposed, scales, zeroPoints);
        } catch (IllegalArgumentException e) {
            throw fail(what, e.getMessage());
        }
    }

    /**
     * The weight's scale: the MatMulInteger's result goes through Cast to a Mul by a tensor made by
     * Mul(input scale, weight scale), where the input scale is output 1 of the DynamicQuantizeLinear.
     */
    private float[] weightScale(String what, OnnxWeights.Node node, OnnxWeights.Node quantizer) {
        String inputScale = quantizer.outputs().size() > 1 ? quantizer.outputs().get(1) : "";
        OnnxWeights.Node cast = single(onnx.consumers(node.outputs().get(0)), "Cast");
        OnnxWeights.Node scaled = cast == null ? null : single(onnx.consumers(cast.outputs().get(0)), "Mul");
        if (scaled == null) {
            throw fail(what, "its result does not go through Cast to one Mul by the scales, as a dynamically"
                    + " quantized MatMul's does");
        }
        String product = other(scaled, cast.outputs().get(0));
        OnnxWeights.Node scales = product == null ? null : producers.get(product);
        String weightScale = scales == null || !scales.opType().equals("Mul") ? null : other(scales, inputScale);
        if (weightScale == null || !onnx.contains(weightScale)) {
            throw fail(what, "the Mul " + scaled.name() + " after it does not multiply by (scale of "
                    + quantizer.name() + ") * (a weight scale tensor)");
        }
        if (!onnx.dataType(weightScale).equals("FLOAT")) {
            throw fail(what, "weight scale " + weightScale + " is " + onnx.dataType(weightScale) + ", not FLOAT");
        }
        return onnx.floats(weightScale, onnx.shape(weightScale), Init.TENSOR);
    }

    /** A Gather'ed 8-bit table, dequantized by the DequantizeLinear its rows go through. */
    private float[] gatheredTable(Resolved r, int[] shape) {
        String what = r.name() + " (" + r.tensor() + ")";
        List<OnnxWeights.Node> users = onnx.consumers(r.tensor());
        OnnxWeights.Node gather = users.size() == 1 && users.get(0).opType().equals("Gather")
                && users.get(0).inputs().get(0).equals(r.tensor()) ? users.get(0) : null;
        OnnxWeights.Node dequantize = gather == null ? null : single(onnx.consumers(gather.outputs().get(0)), "DequantizeLinear");
        if (dequantize == null || dequantize.inputs().size() < 2) {
            throw fail(what, "an 8-bit tensor that is neither a MatMulInteger weight nor a table read by one Gather"
                    + " and a DequantizeLinear; attnc cannot read it as float");
        }
        if (r.transposed()) {
            throw fail(what, "a quantized table is read as stored; its rule must not transpose it");
        }
        int[] stored = onnx.shape(r.tensor());
        if (!Arrays.equals(stored, shape)) {
            throw fail(what, "expected " + OnnxModelParser.shapeString(shape) + ", found "
                    + OnnxModelParser.shapeString(stored));
        }
        String scaleName = dequantize.inputs().get(1);
        String zeroName = dequantize.inputs().size() > 2 ? dequantize.inputs().get(2) : "";
        if (!onnx.contains(scaleName) || !onnx.dataType(scaleName).equals("FLOAT")) {
            throw fail(what, "the scale of DequantizeLinear " + dequantize.name() + " is not a FLOAT tensor");
        }
        float[] scale = onnx.floats(scaleName, onnx.shape(scaleName), Init.TENSOR);
        if (scale.length != 1 || !Float.isFinite(scale[0])) {
            throw fail(what, "DequantizeLinear " + dequantize.name() + " has a scale of " + scale.length
                    + " values; attnc reads one (per tensor), finite");
        }
        OnnxModelParser.Tensor table = parsed.tensors().get(r.tensor());
        int zero = 0;
        if (!zeroName.isEmpty()) {
            OnnxModelParser.Tensor z = eightBit(what, zeroName, "zero point");
            int[] zs = ints(what, z);
            if (z.type() != table.type() || zs.length != 1) {
                throw fail(what, "DequantizeLinear " + dequantize.name() + " has a zero point of type " + z.type()
                        + " and " + zs.length + " values; attnc reads one of the table's type, " + table.type());
            }
            zero = zs[0];
        }
        int[] q = ints(what, table);
        float[] out = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            out[i] = (float) (q[i] - zero) * scale[0];
        }
        return out;
    }

    // ---- small helpers ----

    /** The one node of {@code type} among {@code nodes}, when it is the only node there. */
    private static OnnxWeights.Node single(List<OnnxWeights.Node> nodes, String type) {
        return nodes.size() == 1 && nodes.get(0).opType().equals(type) ? nodes.get(0) : null;
    }

    /** The input of a two-input node that is not {@code one}, or null. */
    private static String other(OnnxWeights.Node node, String one) {
        List<String> in = node.inputs();
        if (in.size() != 2) {
            return null;
        }
        return in.get(0).equals(one) ? in.get(1) : in.get(1).equals(one) ? in.get(0) : null;
    }

    private OnnxModelParser.Tensor eightBit(String what, String name, String role) {
        OnnxModelParser.Tensor t = parsed.tensors().get(name);
        if (t == null) {
            throw fail(what, role + " " + name + " is not a tensor in the file (not an initializer or a Constant)");
        }
        if (t.type() != OnnxDataType.INT8 && t.type() != OnnxDataType.UINT8) {
            throw fail(what, role + " " + name + " is " + t.type() + ", not INT8 or UINT8");
        }
        return t;
    }

    /** One value per column: a scalar (or one value) repeated, or exactly {@code columns} values. */
    private float[] perColumn(String what, float[] values, int columns) {
        if (values.length == columns) {
            return values;
        }
        if (values.length == 1) {
            float[] all = new float[columns];
            Arrays.fill(all, values[0]);
            return all;
        }
        throw fail(what, "its scale has " + values.length + " values; expected 1 (per tensor) or " + columns
                + " (per output column)");
    }

    private int[] perColumn(String what, String name, int[] values, int columns) {
        if (values.length == columns) {
            return values;
        }
        if (values.length == 1) {
            int[] all = new int[columns];
            Arrays.fill(all, values[0]);
            return all;
        }
        throw fail(what, "zero point " + name + " has " + values.length + " values; expected 1 (per tensor) or "
                + columns + " (per output column)");
    }

    /** The values of an INT8 or UINT8 tensor as ints (-128..127 or 0..255). */
    private int[] ints(String what, OnnxModelParser.Tensor t) {
        long n = t.elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw fail(what, t.name() + " has more elements than one Java array holds");
        }
        boolean unsigned = t.type() == OnnxDataType.UINT8;
        int[] out = new int[(int) n];
        switch (t.kind()) {
            case EMPTY -> {
                return out;
            }
            case RAW -> {
                ByteBuffer all = bytes;
                if (all == null) {
                    throw new IllegalStateException(onnx.description() + " is closed");
                }
                if (t.length() != n) {
                    throw fail(what, t.name() + " holds " + t.length() + " bytes for " + n + " values");
                }
                int at = Math.toIntExact(all.position() + t.offset());
                for (int i = 0; i < out.length; i++) {
                    byte b = all.get(at + i);
                    out[i] = unsigned ? b & 0xFF : b;
                }
            }
            case TYPED -> {
                int[] typed = t.int32Data();
                if (typed == null || typed.length < out.length) {
                    throw fail(what, t.name() + ": a " + t.type() + " tensor whose values are not in int32_data");
                }
                for (int i = 0; i < out.length; i++) {
                    int v = typed[i];
                    if (unsigned ? v < 0 || v > 255 : v < -128 || v > 127) {
                        throw fail(what, t.name() + ": value " + v + " at " + i + " is not " + t.type());
                    }
                    out[i] = v;
                }
            }
            case EXTERNAL -> throw fail(what, t.name() + " is stored as external data, which attnc does not read");
            case SPARSE -> throw fail(what, t.name() + " is a sparse initializer, which attnc does not read");
            default -> throw new AssertionError(t.kind());
        }
        return out;
    }

    /** {@code [in, out]} row-major to {@code [out, in]}, as bytes. */
    private static byte[] transpose(int[] values, int in, int out) {
        byte[] t = new byte[values.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                t[o * in + i] = (byte) values[i * out + o];
            }
        }
        return t;
    }

    private WeightException fail(String what, String problem) {
        return new WeightException(what + ": " + problem + ", in " + onnx.description());
    }
}
