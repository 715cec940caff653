package dev.attnc.compiler.minilm;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Map;

/** A published BERT-style ONNX encoder (MiniLM, bge, e5) run by ONNX Runtime's Java API: the reference. */
public final class OnnxRuntimeReference implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public OnnxRuntimeReference(byte[] model) {
        try {
            session = env.createSession(model, new OrtSession.SessionOptions());
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The last hidden state {@code [B][T][D]} of a batch: token ids and attention masks
     * {@code [B][T]}, token types all 0.
     */
    public float[][][] lastHiddenState(int[][] ids, int[][] mask) {
        int b = ids.length;
        int t = ids[0].length;
        long[][] idsL = new long[b][t];
        long[][] maskL = new long[b][t];
        long[][] types = new long[b][t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                idsL[i][j] = ids[i][j];
                maskL[i][j] = mask[i][j];
            }
        }
        try (OnnxTensor idsT = OnnxTensor.createTensor(env, idsL);
                OnnxTensor maskT = OnnxTensor.createTensor(env, maskL);
                OnnxTensor typesT = OnnxTensor.createTensor(env, types);
                OrtSession.Result result = session.run(Map.of("input_ids", idsT, "attention_mask", maskT,
                        "token_type_ids", typesT))) {
            return (float[][][]) result.get("last_hidden_state").orElseThrow().getValue();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
