package dev.attnc.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.weights.RandomWeights;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * attnc's all-MiniLM-L6-v2 against langchain4j's own, which runs the same published ONNX file
 * on ONNX Runtime: on the same texts, every pair of vectors must have a cosine similarity of at
 * least 0.9999 (computed here in double precision from the two float vectors).
 */
class AttncEmbeddingModelTest {

    static AttncEmbeddingModel attnc;
    static EmbeddingModel onnx;

    @BeforeAll
    static void load() {
        attnc = AttncEmbeddingModel.allMiniLmL6V2();
        onnx = new AllMiniLmL6V2EmbeddingModel();
    }

    /** Sentences of many lengths: a few fixed ones and seeded random word salads, the last four of 300 to 500 words. */
    static List<TextSegment> texts() {
        List<TextSegment> texts = new ArrayList<>(List.of(TextSegment.from("A man is eating food."),
                TextSegment.from("A man is eating a piece of bread."), TextSegment.from("The girl is carrying a baby."),
                TextSegment.from("Ein Mann isst Brot, und das Café ist geschlossen!"), TextSegment.from("x"),
                TextSegment.from("attnc compiles attention architectures to readable Java.")));
        String[] words = {"the", "river", "compiler", "sits", "quietly", "under", "a", "green", "mountain", "while",
            "students", "read", "embeddings", "of", "4096", "sentences", "déjà", "vu", "naïve", "model", "42%", "(really)"};
        SplittableRandom random = new SplittableRandom(16);
        for (int s = 0; s < 14; s++) {
            int n = s < 10 ? 3 + random.nextInt(30) : 300 + random.nextInt(200);
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < n; w++) {
                text.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            texts.add(TextSegment.from(text.toString()));
        }
        return texts;
    }

    @Test
    void matchesLangchain4jsOnnxModelOnTheSameTexts() {
        List<TextSegment> texts = texts();
        List<Embedding> ours = attnc.embedAll(texts).content();
        List<Embedding> theirs = onnx.embedAll(texts).content();
        assertEquals(texts.size(), ours.size());
        double worst = 1;
        for (int s = 0; s < texts.size(); s++) {
            assertEquals(384, ours.get(s).dimension());
            double cosine = cosine(ours.get(s).vector(), theirs.get(s).vector());
            worst = Math.min(worst, cosine);
            assertTrue(cosine >= 0.9999, "text " + s + " (" + texts.get(s).text() + "): cosine " + cosine);
            assertEquals(1.0, norm(ours.get(s).vector()), 1e-5, "unit length");
        }
        // The long texts are truncated at 128 tokens by both (the tokenizer.json's truncation).
        long truncated = texts.stream().filter(t -> attnc.embedAll(List.of(t)).tokenUsage().inputTokenCount() == 128).count();
        assertTrue(truncated >= 4, truncated + " texts truncated");
        System.out.printf("attnc vs langchain4j ONNX all-MiniLM-L6-v2, %d texts: lowest cosine similarity %.8f%n",
                texts.size(), worst);
    }

    /** embedAll runs the texts shortest first but returns them in their order, as embed does one by one. */
    @Test
    void batchKeepsTheOrderAndEqualsSingleCalls() {
        List<TextSegment> texts = texts().subList(0, 8);
        Response<List<Embedding>> all = attnc.embedAll(texts);
        assertNotNull(all.tokenUsage());
        assertTrue(all.tokenUsage().inputTokenCount() > texts.size() * 2, "counts [CLS] and [SEP] of every text");
        for (int s = 0; s < texts.size(); s++) {
            float[] one = attnc.embed(texts.get(s)).content().vector();
            assertTrue(cosine(one, all.content().get(s).vector()) > 0.999999, "text " + s);
        }
    }

    @Test
    void isADimensionAwareLangchain4jModel() {
        EmbeddingModel model = attnc;
        assertEquals(384, model.dimension());
        assertEquals("all-MiniLM-L6-v2", model.modelName());
        assertEquals(List.of(), model.embedAll(List.of()).content());
        double related = cosine(model.embed("A man is eating food.").content().vector(),
                model.embed("A man is eating a piece of bread.").content().vector());
        double unrelated = cosine(model.embed("A man is eating food.").content().vector(),
                model.embed("The girl is carrying a baby.").content().vector());
        assertTrue(related > 0.7 && unrelated < 0.1, related + " " + unrelated);
    }

    @Test
    void refusesAModelWithoutTheInputsOfAnEncoder() {
        Model decoder = new Model() {
            @Override
            public List<String> inputNames() {
                return List.of("ids");
            }

            @Override
            public List<String> outputNames() {
                return List.of("logits");
            }

            @Override
            public java.util.Map<String, dev.attnc.runtime.Tensor> forward(java.util.Map<String, dev.attnc.runtime.Tensor> in) {
                throw new AssertionError("not called");
            }

            @Override
            public void recordAttention(dev.attnc.runtime.AttentionMaps maps) {
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttncEmbeddingModel.builder().model(decoder).tokenizer(TINY).build());
        assertTrue(e.getMessage().contains("needs inputs input_ids and attention_mask"), e.getMessage());
        assertThrows(NullPointerException.class, () -> AttncEmbeddingModel.builder().tokenizer(TINY).build());
    }

    /** Any generated encoder through the builder: MiniLM's class on seeded random weights, CLS pooling, no normalising. */
    @Test
    void builderTakesAnyEncoderAndItsPooling() {
        Model random = dev.attnc.langchain4j.models.MiniLM.load(new RandomWeights(3));
        AttncEmbeddingModel cls = AttncEmbeddingModel.builder().model(random).tokenizer(TINY)
                .pooling(AttncEmbeddingModel.Pooling.CLS).normalize(false).modelName("random").build();
        float[] v = cls.embed("hi hi").content().vector();
        assertEquals(384, v.length);
        assertEquals(384, cls.dimension(), "learned by embedding once");
        // CLS pooling is the first row of the model's output, as it is.
        java.util.Map<String, dev.attnc.runtime.Tensor> in = java.util.Map.of(
                "input_ids", dev.attnc.runtime.Tensor.ints(new int[] {1, 3, 3, 2}, 4),
                "attention_mask", dev.attnc.runtime.Tensor.ints(new int[] {1, 1, 1, 1}, 4),
                "token_type_ids", dev.attnc.runtime.Tensor.ints(new int[4], 4));
        float[] hidden = random.forward(in).get("x").floatData();
        assertEquals(0f, maxDiff(v, java.util.Arrays.copyOf(hidden, 384)));
    }

    private static final dev.attnc.runtime.text.WordPieceTokenizer TINY = dev.attnc.runtime.text.WordPieceTokenizer.fromJson("""
            {"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "hi": 3}},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": {"type": "BertProcessing", "cls": ["[CLS]", 1], "sep": ["[SEP]", 2]}}
            """, "tiny.json");

    static float maxDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static double norm(float[] a) {
        double sum = 0;
        for (float x : a) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }
}
