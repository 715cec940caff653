package dev.attnc.compiler.explain;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** An {@link Explanation} as a table for a terminal, or as JSON for tools. */
public final class ExplainFormat {
    private static final String[] HEADERS = {"node", "op", "shape", "at", "FLOPs", "read", "written", "FLOP/B", "bound", "time"};
    /** Columns aligned to the right (numbers). */
    private static final boolean[] RIGHT = {false, false, false, false, true, true, true, true, false, true};

    private static final com.google.gson.Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private ExplainFormat() {
    }

    /** A plain-text report: a header, one line per node, totals, and the attention savings. */
    public static String table(Explanation explanation) {
        StringBuilder out = new StringBuilder();
        Machine machine = explanation.machine();
        out.append(explanation.model()).append(" from ").append(explanation.source()).append(" at ")
                .append(dims(explanation.dims())).append(", ").append(backendName(explanation.backend())).append('\n');
        out.append(String.format(Locale.ROOT, "machine: peak %s, bandwidth %s, ridge point %.1f FLOP/B (%s)%n",
                si(machine.peakGflops() * 1e9, "FLOP/s"), si(machine.bandwidthGbs() * 1e9, "B/s"), machine.ridge(), machine.source()));
        for (String note : explanation.notes()) {
            out.append("note: ").append(note).append('\n');
        }
        out.append('\n');

        List<String[]> lines = new ArrayList<>();
        String[] headers = HEADERS.clone();
        headers[3] = "at " + dims(explanation.dims());
        lines.add(headers);
        for (Explanation.Row row : explanation.rows()) {
            String op = row.op() + (row.name().isEmpty() ? "" : " " + row.name()) + (row.runs() > 1 ? " x" + row.runs() : "");
            lines.add(new String[] {"%" + row.id(), op, row.shape(), row.shapeAt(), si(row.flops(), ""), si(row.bytesRead(), "B"),
                    si(row.bytesWritten(), "B"), intensity(row.intensity()), row.bound().label(), time(row.seconds())});
        }
        Explanation.Totals totals = explanation.totals();
        String[] total = {"total", "", "", "", si(totals.flops(), ""), si(totals.bytesRead(), "B"), si(totals.bytesWritten(), "B"),
            intensity(totals.intensity()), "", time(totals.seconds())};
        int[] widths = new int[HEADERS.length];
        for (String[] line : lines) {
            for (int column = 0; column < line.length; column++) {
                widths[column] = Math.max(widths[column], line[column].length());
            }
        }
        for (int column = 0; column < total.length; column++) {
            widths[column] = Math.max(widths[column], total[column].length());
        }
        for (int index = 0; index < lines.size(); index++) {
            out.append(line(lines.get(index), widths)).append('\n');
        }
        int width = line(total, widths).length();
        out.append("-".repeat(width)).append('\n');
        out.append(line(total, widths)).append('\n');
        out.append(String.format(Locale.ROOT, "time is a roofline estimate, max(FLOPs / peak, bytes / bandwidth) per node;"
                + " %.0f%% of it in compute-bound nodes%n", totals.seconds() == 0 ? 0 : 100 * totals.computeSeconds() / totals.seconds()));
        out.append("weights ").append(si(totals.weightBytes(), "B"));
        if (totals.arenaBytes() >= 0) {
            out.append(", activation buffers ").append(si(totals.arenaBytes(), "B")).append(" at ").append(dims(explanation.dims()));
        }
        out.append('\n');

        if (!explanation.attention().isEmpty()) {
            out.append("\nfused attention: an online softmax per query, so no queries x keys score matrix is ever stored\n");
            for (AttentionCost attention : explanation.attention()) {
                out.append(String.format(Locale.ROOT, "  %%%d%s: %d heads, %s: %s%,d of %,d (query, key) pairs per head (%.1f%%)%n",
                        attention.node(), attention.name().isEmpty() ? "" : " " + attention.name(), attention.heads(),
                        attention.mask().isEmpty() ? "no mask" : "mask " + attention.mask(), attention.exact() ? "" : "at most ",
                        attention.pairs(), attention.queries() * attention.keys(), 100 * attention.fraction()));
                if (!attention.exact()) {
                    out.append("    (the mask tests input values, which are not known here: every key it might drop is counted)\n");
                }
                out.append(String.format(Locale.ROOT, "    saved %s: the scores of those pairs, all heads (the full %d x %d matrix: %s)%n",
                        si(attention.scoreBytes(), "B"), attention.queries(),
                        attention.keys(), si(attention.denseBytes(), "B")));
            }
            if (explanation.attention().size() > 1) {
                out.append("  largest saving at once: ").append(si(totals.scoresNotStored(), "B"))
                        .append(" (attentions run one after another)\n");
            }
        }
        return out.toString();
    }

    /** The same report as JSON: numbers unrounded, bytes and FLOPs as integers, intensities null where nothing moves. */
    public static String json(Explanation explanation) {
        return GSON.toJson(object(explanation)) + "\n";
    }

    /** Several reports (the models of one file) as a JSON array. */
    public static String json(List<Explanation> explanations) {
        JsonArray array = new JsonArray();
        explanations.forEach(e -> array.add(object(e)));
        return GSON.toJson(array) + "\n";
    }

    private static JsonObject object(Explanation explanation) {
        JsonObject root = new JsonObject();
        root.addProperty("model", explanation.model());
        root.addProperty("source", explanation.source());
        root.addProperty("backend", explanation.backend());
        JsonObject dims = new JsonObject();
        explanation.dims().forEach(dims::addProperty);
        root.add("dims", dims);
        JsonObject machine = new JsonObject();
        machine.addProperty("peak_gflops", explanation.machine().peakGflops());
        machine.addProperty("bandwidth_gbs", explanation.machine().bandwidthGbs());
        machine.addProperty("ridge_flops_per_byte", explanation.machine().ridge());
        machine.addProperty("source", explanation.machine().source());
        root.add("machine", machine);
        JsonArray nodes = new JsonArray();
        for (Explanation.Row row : explanation.rows()) {
            JsonObject node = new JsonObject();
            node.addProperty("id", row.id());
            node.addProperty("op", row.op());
            node.addProperty("name", row.name());
            node.addProperty("shape", row.shape());
            node.addProperty("shape_at", row.shapeAt());
            node.addProperty("runs", row.runs());
            node.addProperty("flops", row.flops());
            node.addProperty("bytes_read", row.bytesRead());
            node.addProperty("bytes_written", row.bytesWritten());
            number(node, "intensity", row.intensity());
            node.addProperty("bound", row.bound().name().toLowerCase(Locale.ROOT));
            node.addProperty("seconds", row.seconds());
            node.addProperty("note", row.cost().note());
            nodes.add(node);
        }
        root.add("nodes", nodes);
        Explanation.Totals totals = explanation.totals();
        JsonObject total = new JsonObject();
        total.addProperty("flops", totals.flops());
        total.addProperty("bytes_read", totals.bytesRead());
        total.addProperty("bytes_written", totals.bytesWritten());
        number(total, "intensity", totals.intensity());
        total.addProperty("seconds", totals.seconds());
        total.addProperty("compute_bound_seconds", totals.computeSeconds());
        total.addProperty("weight_bytes", totals.weightBytes());
        total.addProperty("activation_bytes", totals.arenaBytes());
        total.addProperty("scores_not_stored_bytes", totals.scoresNotStored());
        root.add("totals", total);
        JsonArray attention = new JsonArray();
        for (AttentionCost cost : explanation.attention()) {
            JsonObject node = new JsonObject();
            node.addProperty("id", cost.node());
            node.addProperty("name", cost.name());
            node.addProperty("heads", cost.heads());
            node.addProperty("queries", cost.queries());
            node.addProperty("keys", cost.keys());
            node.addProperty("pairs_per_head", cost.pairs());
            node.addProperty("score_bytes_saved", cost.scoreBytes());
            node.addProperty("dense_score_bytes", cost.denseBytes());
            node.addProperty("mask", cost.mask());
            node.addProperty("exact", cost.exact());
            attention.add(node);
        }
        root.add("attention", attention);
        JsonArray notes = new JsonArray();
        explanation.notes().forEach(notes::add);
        root.add("notes", notes);
        return root;
    }

    private static void number(JsonObject object, String key, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            object.add(key, com.google.gson.JsonNull.INSTANCE);
        } else {
            object.addProperty(key, value);
        }
    }

    private static String line(String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int column = 0; column < cells.length; column++) {
            if (column > 0) {
                line.append("  ");
            }
            String cell = cells[column];
            String pad = " ".repeat(widths[column] - cell.length());
            line.append(RIGHT[column] ? pad + cell : cell + (column == cells.length - 1 ? "" : pad));
        }
        return line.toString().stripTrailing();
    }

    private static String dims(Map<String, Long> dims) {
        if (dims.isEmpty()) {
            return "fixed shapes";
        }
        return dims.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String backendName(String backend) {
        return backend.equals("tornadovm") ? "TornadoVM backend" : "JVM backend";
    }

    private static String intensity(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return value >= 100 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.2f", value);
    }

    /** Three significant digits with a decimal prefix: 6.57 G, 12.6 MB, 0. */
    static String si(double value, String unit) {
        if (value == 0) {
            return unit.isEmpty() ? "0" : "0 " + unit;
        }
        String[] prefixes = {"", "k", "M", "G", "T", "P", "E"};
        int index = 0;
        double scaled = value;
        while (Math.abs(scaled) >= 999.5 && index < prefixes.length - 1) {
            scaled /= 1000;
            index++;
        }
        String number = Math.abs(scaled) >= 99.95 || index == 0 && scaled == Math.rint(scaled)
                ? String.format(Locale.ROOT, "%.0f", scaled)
                : Math.abs(scaled) >= 9.995 ? String.format(Locale.ROOT, "%.1f", scaled) : String.format(Locale.ROOT, "%.2f", scaled);
        String suffix = prefixes[index] + unit;
        return suffix.isEmpty() ? number : number + " " + suffix;
    }

    private static String time(double seconds) {
        if (seconds == 0) {
            return "0";
        }
        if (seconds >= 1) {
            return String.format(Locale.ROOT, "%.2f s", seconds);
        }
        if (seconds >= 1e-3) {
            return String.format(Locale.ROOT, "%.2f ms", seconds * 1e3);
        }
        return String.format(Locale.ROOT, "%.1f us", seconds * 1e6);
    }
}
