package dev.attnc.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.attnc.bench.onnx.OnnxModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One ONNX Runtime session of an attention graph with its inputs made once: q, k, v and any
 * mask or bias in direct buffers (no copy per run), and a pinned output tensor, so a timed
 * {@link #run} is ORT's {@code Run} and nothing else.
 */
public final class Ort implements AutoCloseable {
    /** ORT's intra-op threads, as attnc's ATTNC_THREADS in the benchmarks. */
    public static final int THREADS = 2;

    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    private final Map<String, OnnxTensor> outputs = new HashMap<>();
    private final FloatBuffer out;

    public Ort(OnnxModels.Op op, Variant variant, int t, float[] q, float[] k, float[] v) {
        this(op, variant, t, q, k, v, THREADS);
    }

    public Ort(OnnxModels.Op op, Variant variant, int t, float[] q, float[] k, float[] v, int threads) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = options(threads)) {
            session = env.createSession(onnx(op, variant), options);
            inputs.put("q", OnnxTensor.createTensor(env, direct(q), new long[] {1, t, Variant.WIDTH}));
            inputs.put("k", OnnxTensor.createTensor(env, direct(k), new long[] {1, t, variant.kvWidth()}));
            inputs.put("v", OnnxTensor.createTensor(env, direct(v), new long[] {1, t, variant.kvWidth()}));
            for (OnnxModels.Extra extra : OnnxModels.extras(op, variant)) {
                switch (extra) {
                    case MASK -> inputs.put("mask", OnnxTensor.createTensor(env, mask(variant, t), new long[] {t, t}));
                    case MASK4 -> inputs.put("mask", OnnxTensor.createTensor(env, mask(variant, t), new long[] {1, 1, t, t}));
                    case BIAS -> inputs.put("bias", OnnxTensor.createTensor(env, bias(variant, t, false),
                            new long[] {1, Variant.HEADS, t, t}));
                    case BIAS_MASKED -> inputs.put("bias", OnnxTensor.createTensor(env, bias(variant, t, true),
                            new long[] {1, Variant.HEADS, t, t}));
                    case SEQLENS -> {
                        inputs.put("seqlens_k", OnnxTensor.createTensor(env, directInts(t - 1), new long[] {1}));
                        inputs.put("total_sequence_length", OnnxTensor.createTensor(env, directInts(t), new long[] {}));
                    }
                }
            }
            out = floats((long) t * Variant.WIDTH);
            outputs.put("y", OnnxTensor.createTensor(env, out, new long[] {1, t, Variant.WIDTH}));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime refused " + op.fileName(variant) + ": " + e.getMessage(), e);
        }
    }

    static OrtSession.SessionOptions options(int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    /** The committed .onnx file of an (op, variant). */
    public static byte[] onnx(OnnxModels.Op op, Variant variant) {
        String name = "onnx/" + op.fileName(variant);
        try (InputStream in = Ort.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name + ": run OnnxModels to write it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One inference; the result lands in the pinned output. */
    public void run() {
        try {
            session.run(inputs, outputs).close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The last run's y, [T, 768]. */
    public float[] output() {
        float[] y = new float[out.capacity()];
        out.get(0, y);
        return y;
    }

    @Override
    public void close() {
        try {
            for (OnnxTensor tensor : inputs.values()) {
                tensor.close();
            }
            for (OnnxTensor tensor : outputs.values()) {
                tensor.close();
            }
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 0 where query i sees key j, -inf elsewhere, [T, T]. */
    static FloatBuffer mask(Variant variant, int t) {
        FloatBuffer mask = floats((long) t * t);
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                mask.put(i * t + j, variant.visible(i, j) ? 0f : Float.NEGATIVE_INFINITY);
            }
        }
        return mask;
    }

    /** The ALiBi bias, [1, 12, T, T]; with {@code masked}, -inf where the query does not see the key. */
    static FloatBuffer bias(Variant variant, int t, boolean masked) {
        FloatBuffer bias = floats((long) Variant.HEADS * t * t);
        for (int h = 0; h < Variant.HEADS; h++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    float value = masked && !variant.visible(i, j) ? Float.NEGATIVE_INFINITY : variant.bias(h, i, j);
                    bias.put((h * t + i) * t + j, value);
                }
            }
        }
        return bias;
    }

    static FloatBuffer direct(float[] values) {
        FloatBuffer buffer = floats(values.length);
        buffer.put(0, values);
        return buffer;
    }

    static FloatBuffer floats(long n) {
        if (n * 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(n + " floats do not fit in one direct buffer");
        }
        return ByteBuffer.allocateDirect((int) (n * 4)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    static IntBuffer directInts(int value) {
        IntBuffer buffer = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).asIntBuffer();
        buffer.put(0, value);
        return buffer;
    }
}
