package dev.attnc.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a JMH JSON result file ({@code -rf json -rff FILE}) into the Markdown tables of
 * docs/performance.md: every figure with its error, attnc / ONNX Runtime ratios, % of the
 * measured FMA peak, and the decode step against its bandwidth floor.
 *
 * <p>{@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.attnc.bench.Report results.json...}
 */
public final class Report {
    private static final List<String> CASES = List.of("full-512", "full-2048", "full-8192", "causal-512", "causal-2048",
            "causal-8192", "window-8192", "alibi_softcap-2048", "gqa-2048");
    private static final List<String> ORT_OPS = List.of("ortAttention23", "ortMha", "ortGqa", "ortMatmul");

    /**
     * A score in ms/op with its 99.9% error, and the best (shortest) measurement iteration: on a
     * shared machine the least disturbed one, which the ratios also use.
     */
    record Figure(double ms, double error, double best) {
        String text() {
            return (Double.isNaN(error) ? fmt(ms) : fmt(ms) + " ± " + fmt(error)) + " (" + fmt(best) + ")";
        }
    }

    private final Map<String, Figure> figures = new LinkedHashMap<>();
    private final Map<String, List<Figure>> runs = new LinkedHashMap<>();

    Report(JsonArray results) {
        for (JsonElement element : results) {
            JsonObject result = element.getAsJsonObject();
            String benchmark = result.get("benchmark").getAsString();
            String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            JsonObject params = result.has("params") ? result.getAsJsonObject("params") : new JsonObject();
            for (String key : params.keySet()) {
                name += " " + params.get(key).getAsString();
            }
            JsonObject metric = result.getAsJsonObject("primaryMetric");
            double error = metric.get("scoreError").isJsonPrimitive() && metric.get("scoreError").getAsJsonPrimitive().isNumber()
                    ? metric.get("scoreError").getAsDouble() : Double.NaN;
            double best = Double.POSITIVE_INFINITY;
            for (JsonElement fork : metric.getAsJsonArray("rawData")) {
                for (JsonElement iteration : fork.getAsJsonArray()) {
                    best = Math.min(best, iteration.getAsDouble());
                }
            }
            Figure figure = new Figure(metric.get("score").getAsDouble(), error, best);
            // A benchmark run twice (the ceilings, first and last): keep the faster run.
            figures.merge(name, figure, (a, b) -> a.best <= b.best ? a : b);
            runs.computeIfAbsent(name, key -> new java.util.ArrayList<>()).add(figure);
        }
    }

    Figure get(String name) {
        return figures.get(name);
    }

    public static void main(String[] args) throws IOException {
        JsonArray results = new JsonArray();
        for (String file : args) {
            results.addAll(JsonParser.parseString(Files.readString(Path.of(file))).getAsJsonArray());
        }
        System.out.print(new Report(results).markdown());
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        Figure fma = get("PeakBench.fma");
        Figure copy = get("PeakBench.copy");
        Figure read = get("PeakBench.read");
        double peak = fma == null ? Double.NaN : PeakBench.FMA_FLOPS / fma.ms / 1e6;
        double peakBest = fma == null ? Double.NaN : PeakBench.FMA_FLOPS / fma.best / 1e6;
        double readBest = read == null ? Double.NaN : PeakBench.COPY_BYTES / read.best / 1e6;
        double copyBest = copy == null ? Double.NaN : 2 * PeakBench.COPY_BYTES / copy.best / 1e6;

        md.append("Figures are ms/op: JMH's mean ± its 99.9% error, then (in brackets) the best measurement iteration.\n\n");
        md.append("### Ceilings (all cores)\n\n");
        md.append("| benchmark | run | ms/op | rate (mean; best iteration) |\n| --- | --- | ---: | ---: |\n");
        ceiling(md, "FMA throughput (Vector API, 12 chains)", "PeakBench.fma", PeakBench.FMA_FLOPS, "GFLOP/s");
        ceiling(md, "FMA, one thread alone", "PeakBench.fmaOneThread", PeakBench.FMA_FLOPS / PeakBench.THREADS, "GFLOP/s");
        ceiling(md, "copy (System.arraycopy of 256 MiB, read + write)", "PeakBench.copy", 2 * PeakBench.COPY_BYTES, "GB/s");
        ceiling(md, "read (Vector API sum of 256 MiB)", "PeakBench.read", PeakBench.COPY_BYTES, "GB/s");
        md.append(String.format(Locale.ROOT, "%nPeak used below: %s GFLOP/s (mean of the faster run), %s GFLOP/s (best iteration).%n",
                fmt(peak), fmt(peakBest)));

        md.append("\n### Attention core (H = 12, head dim 64, batch 1, 2 threads)\n\n");
        md.append("| case | attnc | ORT Attention-23 | ORT MultiHeadAttention | ORT GroupQueryAttention | ORT MatMul/Softmax "
                + "| attnc / best ORT (mean; best iter) | attnc GFLOP/s of needed FLOPs (mean; best) | % of FMA peak (mean; best) |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (String c : CASES) {
            Figure attnc = get("AttentionBench.attnc " + c);
            md.append("| ").append(c).append(" | ").append(text(attnc));
            Figure best = null;
            Figure bestIteration = null;
            String bestOp = "";
            for (String op : ORT_OPS) {
                Figure ort = get("AttentionBench." + op + " " + c);
                md.append(" | ").append(text(ort));
                if (ort != null && (best == null || ort.ms < best.ms)) {
                    best = ort;
                    bestOp = op.substring(3);
                }
                if (ort != null && (bestIteration == null || ort.best < bestIteration.best)) {
                    bestIteration = ort;
                }
            }
            double flops = AttentionBench.variant(c).flops(AttentionBench.length(c));
            md.append(" | ").append(attnc == null || best == null ? "—"
                    : fmt(attnc.ms / best.ms) + " (vs " + bestOp + "); " + fmt(attnc.best / bestIteration.best));
            md.append(" | ").append(attnc == null ? "—" : fmt(flops / attnc.ms / 1e6) + "; " + fmt(flops / attnc.best / 1e6));
            md.append(" | ").append(attnc == null ? "—"
                    : fmt(100 * flops / attnc.ms / 1e6 / peak) + " %; " + fmt(100 * flops / attnc.best / 1e6 / peakBest) + " %");
            md.append(" |\n");
        }

        md.append("\n### Whole blocks and decode (attnc, 2 threads)\n\n");
        md.append("| benchmark | ms/op | notes |\n| --- | ---: | --- |\n");
        row(md, "gpt2_block forward, T = 512", get("BlockBench.block gpt2_block"), "");
        row(md, "llama_block forward, T = 512", get("BlockBench.block llama_block"), "");
        Figure decode = get("BlockBench.gpt2Decode");
        double bytes = BlockBench.decodeBytes();
        double floorRead = bytes / readBest / 1e6;
        double floorCopy = bytes / (copyBest / 2) / 1e6;
        row(md, "gpt2_block decode step at T = 2048", decode, String.format(Locale.ROOT,
                "reads >= %.1f MB: floor %s ms at the best read rate (mean %.2f x, best %.2f x the floor); "
                        + "%s ms at half the best copy rate (mean %.2f x, best %.2f x)",
                bytes / 1e6, fmt(floorRead), decode == null ? Double.NaN : decode.ms / floorRead,
                decode == null ? Double.NaN : decode.best / floorRead,
                fmt(floorCopy), decode == null ? Double.NaN : decode.ms / floorCopy,
                decode == null ? Double.NaN : decode.best / floorCopy));

        md.append("\n### Linear layers (attnc, T = 512, with bias, 2 threads)\n\n");
        md.append("| layer | ms/op | GFLOP/s (mean; best) | % of FMA peak (mean; best) |\n| --- | ---: | ---: | ---: |\n");
        for (int out : new int[] {768, 3072}) {
            Figure linear = get("LinearBench.attnc " + out);
            double flops = LinearBench.flops(out);
            md.append("| 768 -> ").append(out).append(" | ").append(text(linear)).append(" | ")
                    .append(linear == null ? "—" : fmt(flops / linear.ms / 1e6) + "; " + fmt(flops / linear.best / 1e6))
                    .append(" | ").append(linear == null ? "—" : fmt(100 * flops / linear.ms / 1e6 / peak) + " %; "
                            + fmt(100 * flops / linear.best / 1e6 / peakBest) + " %")
                    .append(" |\n");
        }
        return md.toString();
    }

    private void ceiling(StringBuilder md, String name, String key, double work, String unit) {
        List<Figure> all = runs.getOrDefault(key, List.of());
        for (int i = 0; i < all.size(); i++) {
            Figure figure = all.get(i);
            md.append("| ").append(name).append(" | ").append(all.size() == 1 ? "" : i == 0 ? "first" : "last").append(" | ").append(figure.text())
                    .append(" | ").append(fmt(work / figure.ms / 1e6)).append("; ").append(fmt(work / figure.best / 1e6))
                    .append(" ").append(unit).append(" |\n");
        }
    }

    private static void row(StringBuilder md, String name, Figure figure, String notes) {
        md.append("| ").append(name).append(" | ").append(text(figure)).append(" | ").append(notes).append(" |\n");
    }

    private static String text(Figure figure) {
        return figure == null ? "—" : figure.text();
    }

    static String fmt(double value) {
        if (Double.isNaN(value)) {
            return "—";
        }
        double magnitude = Math.abs(value);
        String pattern = magnitude >= 100 ? "%.0f" : magnitude >= 10 ? "%.1f" : magnitude >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, value);
    }
}
