package dev.attnc.compiler.encoders;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.attnc.compiler.Repo;
import dev.attnc.runtime.text.WordPieceTokenizer;
import dev.attnc.runtime.weights.MappedWeights;
import dev.attnc.runtime.weights.OnnxNameMap;
import dev.attnc.runtime.weights.OnnxQuantizedWeights;
import dev.attnc.runtime.weights.OnnxWeights;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A published encoder from langchain4j's embedding jars on Maven Central (test dependencies):
 * its ONNX file and tokenizer.json from the test class path, and the sample that describes it.
 *
 * @param sample the folder and file name under samples/ ({@code bge_small})
 * @param onnx the ONNX entry of the jar
 * @param tokenizer the tokenizer.json entry of the jar
 * @param map the mapping file beside the sample
 */
record PublishedEncoder(String sample, String onnx, String tokenizer, String map) {

    static final PublishedEncoder BGE_SMALL = new PublishedEncoder("bge_small", "bge-small-en-v1.5.onnx",
            "bge-small-en-v1.5-tokenizer.json", "bge_small.onnx-map");
    static final PublishedEncoder BGE_SMALL_Q = new PublishedEncoder("bge_small", "bge-small-en-v1.5-q.onnx",
            "bge-small-en-v1.5-q-tokenizer.json", "bge_small-q.onnx-map");
    static final PublishedEncoder E5_SMALL = new PublishedEncoder("e5_small", "e5-small-v2.onnx",
            "e5-small-v2-tokenizer.json", "e5_small.onnx-map");
    static final PublishedEncoder E5_SMALL_Q = new PublishedEncoder("e5_small", "e5-small-v2-q.onnx",
            "e5-small-v2-q-tokenizer.json", "e5_small-q.onnx-map");

    private static final Map<String, byte[]> BYTES = new HashMap<>();

    /** The bytes of the ONNX model, read once per test JVM (34 to 133 MB). */
    byte[] onnxBytes() {
        synchronized (BYTES) {
            return BYTES.computeIfAbsent(onnx, PublishedEncoder::read);
        }
    }

    Path mapFile() {
        return Repo.path("samples/" + sample + "/" + map);
    }

    /** The weights under the sample's names, through its mapping file. */
    MappedWeights weights() {
        return OnnxNameMap.parse(mapFile()).apply(OnnxWeights.read(onnxBytes(), onnx));
    }

    /** The weights of an int8 ({@code -q}) model, its int8 MatMul weights kept int8. */
    OnnxQuantizedWeights quantizedWeights() {
        return OnnxQuantizedWeights.read(onnxBytes(), onnx, OnnxNameMap.parse(mapFile()));
    }

    WordPieceTokenizer wordPiece() {
        try (InputStream in = resource(tokenizer)) {
            return WordPieceTokenizer.fromJson(in, tokenizer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(String name) {
        try (InputStream in = resource(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = PublishedEncoder.class.getClassLoader().getResourceAsStream(name);
        assertNotNull(in, name + " is not on the test class path (a langchain4j-embeddings-* test dependency)");
        return in;
    }
}
