package dev.attnc.compiler.codegen.tornadovm;

import dev.attnc.compiler.codegen.CodegenException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cuts a model's tasks into TornadoVM task graphs small enough for TornadoVM 5.2.
 *
 * <p>TornadoVM 5.2 records the tasks of a TaskGraph, as it builds it, in a fixed 8 KB buffer
 * ({@code TornadoTaskGraph.highLevelCode = new byte[8192]}, written by
 * {@code TornadoTaskGraph.addInner}); no option sizes it, and a graph with more overflows with
 * a {@link java.nio.BufferOverflowException}. Per task it writes a CONTEXT record (1 + 4 + 4
 * bytes), an ARG_LIST header (1 + 4), one LOAD_REF or LOAD_PRIM (1 + 4) per argument and a
 * LAUNCH byte: {@code 15 + 5 x arguments} bytes. Data transfers write nothing there. So the
 * size of a graph is known exactly here, and tasks go to one graph while they fit in
 * {@link #budget()} bytes, cut preferably where a layer of a repeat starts or ends.
 */
public final class TaskGraphSplit {

    /** The size of TornadoVM 5.2's buffer ({@code TornadoTaskGraph.highLevelCode}). */
    static final int TORNADO_GRAPH_BUFFER = 8192;

    /**
     * What attnc puts in one graph by default: TornadoVM's buffer less a margin, in case a
     * later TornadoVM records a little more per task.
     */
    public static final int DEFAULT_BUDGET = 7936;

    /** Sets the budget (bytes of task records per graph), for tests that want small graphs. */
    public static final String BUDGET_PROPERTY = "attnc.tornado.graphBytes";

    /** The smallest budget accepted: room for the largest task (20 arguments and a context). */
    static final int MIN_BUDGET = 15 + 5 * 21;

    /**
     * One task, as the writer emitted it.
     *
     * @param loop  the index name of the outermost repeat the task is in, or null outside repeats
     * @param layer that repeat's index value for the task
     * @param place where a task outside repeats stands: before the first repeat (-1), between
     *              repeats (0) or after the last (1); 0 for tasks inside a repeat
     */
    record Task(String id, String kernel, String args, String comment, String loop, long layer, int place) {

        /** The bytes TornadoVM 5.2 records for this task (see the class comment). */
        int bytes() {
            return 15 + 5 * arguments(args).size();
        }

        /** The key of the stretch of tasks this one belongs to: its layer, or its place outside repeats. */
        String stretch() {
            return loop == null ? "top" + place : loop + "#" + layer;
        }
    }

    private TaskGraphSplit() {
    }

    /** The budget: {@link #BUDGET_PROPERTY} if set, else {@link #DEFAULT_BUDGET}. */
    static int budget() {
        String value = System.getProperty(BUDGET_PROPERTY);
        if (value == null) {
            return DEFAULT_BUDGET;
        }
        int bytes;
        try {
            bytes = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            bytes = -1;
        }
        if (bytes < MIN_BUDGET || bytes > TORNADO_GRAPH_BUFFER) {
            throw new CodegenException("system property " + BUDGET_PROPERTY + " must be a number of bytes from " + MIN_BUDGET + " to "
                    + TORNADO_GRAPH_BUFFER + " (TornadoVM 5.2's buffer for one task graph), not `" + value + "`");
        }
        return bytes;
    }

    /**
     * The tasks in graphs of at most {@code budget} bytes each, in order. A graph takes whole
     * layers (and whole stretches outside repeats) while they fit; a stretch too large for one
     * graph by itself is cut between tasks. A model that fits gets exactly one graph.
     */
    static List<List<Task>> partition(List<Task> tasks, int budget) {
        List<List<Task>> stretches = new ArrayList<>();
        for (Task task : tasks) {
            if (stretches.isEmpty() || !stretches.getLast().getFirst().stretch().equals(task.stretch())) {
                stretches.add(new ArrayList<>());
            }
            stretches.getLast().add(task);
        }
        List<List<Task>> graphs = new ArrayList<>();
        List<Task> current = new ArrayList<>();
        int used = 0;
        for (List<Task> stretch : stretches) {
            int bytes = stretch.stream().mapToInt(Task::bytes).sum();
            if (used + bytes <= budget) {
                current.addAll(stretch);
                used += bytes;
                continue;
            }
            if (!current.isEmpty() && bytes <= budget) {
                graphs.add(current);
                current = new ArrayList<>(stretch);
                used = bytes;
                continue;
            }
            // Too large for what is left, and too large for a graph of its own: cut between tasks.
            for (Task task : stretch) {
                if (used + task.bytes() > budget && !current.isEmpty()) {
                    graphs.add(current);
                    current = new ArrayList<>();
                    used = 0;
                }
                current.add(task);
                used += task.bytes();
            }
        }
        if (!current.isEmpty() || graphs.isEmpty()) {
            graphs.add(current);
        }
        return graphs;
    }

    /**
     * A name for each graph after what it holds: {@code start} (tasks before the first repeat),
     * {@code layers0to5} (layers of the model's one repeat; with several repeats, their index
     * names: {@code enc0to5}), {@code mid} (between repeats), {@code end} (after the last).
     * A layer cut across graphs gives {@code layers3}, {@code layers3_part2}.
     */
    static List<String> labels(List<List<Task>> graphs) {
        Set<String> loops = new LinkedHashSet<>();
        graphs.forEach(graph -> graph.forEach(task -> {
            if (task.loop() != null) {
                loops.add(task.loop());
            }
        }));
        List<String> labels = new ArrayList<>();
        Set<String> taken = new LinkedHashSet<>();
        for (List<Task> graph : graphs) {
            Map<String, long[]> ranges = new LinkedHashMap<>();
            List<String> parts = new ArrayList<>();
            for (Task task : graph) {
                String part;
                if (task.loop() == null) {
                    part = task.place() < 0 ? "start" : task.place() > 0 ? "end" : "mid";
                } else {
                    part = loops.size() == 1 ? "layers" : task.loop();
                    long[] range = ranges.computeIfAbsent(part, key -> new long[] {task.layer(), task.layer()});
                    range[0] = Math.min(range[0], task.layer());
                    range[1] = Math.max(range[1], task.layer());
                }
                if (!parts.contains(part)) {
                    parts.add(part);
                }
            }
            StringBuilder label = new StringBuilder();
            for (String part : parts) {
                if (!label.isEmpty()) {
                    label.append('_');
                }
                label.append(part);
                long[] range = ranges.get(part);
                if (range != null) {
                    label.append(range[0]);
                    if (range[1] != range[0]) {
                        label.append("to").append(range[1]);
                    }
                }
            }
            String unique = label.isEmpty() ? "tasks" : label.toString();
            for (int n = 2; !taken.add(unique); n++) {
                unique = label + "_part" + n;
            }
            labels.add(unique);
        }
        return labels;
    }

    /** A task's argument expressions: its argument list cut at the commas outside brackets. */
    static List<String> arguments(String args) {
        List<String> arguments = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < args.length(); i++) {
            char c = args.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                arguments.add(args.substring(start, i).strip());
                start = i + 1;
            }
        }
        if (!args.isBlank()) {
            arguments.add(args.substring(start).strip());
        }
        return arguments;
    }
}
