package dev.attnc.samples.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.attnc.runtime.text.WordPieceTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;

/**
 * The Spark job in local mode (two cores, two partitions): every text comes back once, with one
 * model loaded per partition, and each embedding is ONNX Runtime's last
 * hidden state of the same published model, mean-pooled and normalised here in double precision
 * (max abs difference at most 1e-5 per value).
 */
class SparkEmbedTest {

    static List<String> texts() {
        String[] words = {"the", "river", "compiler", "sits", "quietly", "under", "a", "green", "mountain", "while",
            "students", "read", "embeddings", "of", "sentences", "café", "model", "42%", "(really)"};
        SplittableRandom random = new SplittableRandom(16);
        List<String> texts = new ArrayList<>(List.of("A man is eating food.", "A man is eating a piece of bread.",
                "The girl is carrying a baby.", ""));
        while (texts.size() < 16) {
            int n = 1 + random.nextInt(40);
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < n; w++) {
                text.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            texts.add(text.toString());
        }
        return texts;
    }

    @Test
    void embedsADatasetOneModelPerPartition() throws OrtException {
        List<String> texts = texts();
        List<Row> rows;
        long models;
        SparkSession spark = SparkSession.builder().master("local[2]").appName("attnc-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
        try {
            JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Dataset<String> data = spark.createDataset(context.parallelize(texts, 2).rdd(), Encoders.STRING());
            LongAccumulator loaded = spark.sparkContext().longAccumulator("models");
            rows = SparkEmbed.embed(data, 256, loaded).collectAsList();
            models = loaded.value();
        } finally {
            spark.stop();
        }
        assertEquals(texts.size(), rows.size());
        assertEquals(2, models, "one model per partition");

        WordPieceTokenizer tokenizer = WordPieceTokenizer.fromJson(
                new String(EmbedPartition.resource(EmbedPartition.TOKENIZER), StandardCharsets.UTF_8), "tokenizer.json");
        List<String> seen = new ArrayList<>();
        double worst = 0;
        try (OrtEnvironment env = OrtEnvironment.getEnvironment();
                OrtSession ort = env.createSession(EmbedPartition.resource(EmbedPartition.ONNX), new OrtSession.SessionOptions())) {
            for (Row row : rows) {
                String text = row.getString(0);
                seen.add(text);
                int[] ids = tokenizer.encode(text).ids();
                assertEquals(ids.length, row.getInt(1), text);
                List<Float> got = row.getList(2);
                double[] want = reference(env, ort, ids);
                assertEquals(384, got.size());
                for (int d = 0; d < 384; d++) {
                    worst = Math.max(worst, Math.abs(want[d] - got.get(d)));
                }
            }
        }
        System.out.printf("Spark (local[2], 2 partitions) vs ONNX Runtime: max abs difference %.3g%n", worst);
        assertTrue(worst <= 1e-5, "max abs difference " + worst);
        List<String> sortedSeen = new ArrayList<>(seen);
        sortedSeen.sort(null);
        List<String> sortedTexts = new ArrayList<>(texts);
        sortedTexts.sort(null);
        assertEquals(sortedTexts, sortedSeen, "every text once");
    }

    /** ONNX Runtime's last hidden state of {@code ids}, the mean of its rows, scaled to length 1. */
    private static double[] reference(OrtEnvironment env, OrtSession ort, int[] ids) throws OrtException {
        long[][] in = new long[1][ids.length];
        long[][] ones = new long[1][ids.length];
        for (int i = 0; i < ids.length; i++) {
            in[0][i] = ids[i];
            ones[0][i] = 1;
        }
        try (OnnxTensor idsT = OnnxTensor.createTensor(env, in);
                OnnxTensor maskT = OnnxTensor.createTensor(env, ones);
                OnnxTensor typesT = OnnxTensor.createTensor(env, new long[1][ids.length]);
                OrtSession.Result result = ort.run(Map.of("input_ids", idsT, "attention_mask", maskT, "token_type_ids", typesT))) {
            float[][] hidden = ((float[][][]) result.get("last_hidden_state").orElseThrow().getValue())[0];
            double[] mean = new double[hidden[0].length];
            for (float[] token : hidden) {
                for (int d = 0; d < mean.length; d++) {
                    mean[d] += token[d] / (double) hidden.length;
                }
            }
            double norm = 0;
            for (double v : mean) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            for (int d = 0; d < mean.length; d++) {
                mean[d] /= norm;
            }
            return mean;
        }
    }
}
