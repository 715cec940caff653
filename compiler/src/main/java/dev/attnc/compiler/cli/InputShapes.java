package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Node;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.weights.SafetensorsFile;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The shapes of {@code run --inputs} tensors, as a safetensors header states them, checked
 * against the model's inputs before any tensor is read: rank, fixed dims, and every run-time dim
 * within its bound and the same across inputs. A file that claims a [1000000000, 1] tensor for a
 * model taking at most [2048, 1] is refused in constant memory, not after reading 4 GB.
 */
final class InputShapes {
    private InputShapes() {
    }

    /**
     * @throws ModelInputException naming the input, the shape the file claims and the one the
     *     model takes, if they cannot agree
     */
    static void check(AttnModel model, SafetensorsFile file, String fileName) {
        Map<String, Long> bounds = new LinkedHashMap<>();
        model.dims().forEach((dim, bound) -> bounds.put(dim, bound.orElse(model.options().maxSeq())));
        Map<String, Long> bound = new LinkedHashMap<>();
        Map<String, String> boundBy = new LinkedHashMap<>();
        for (Node input : model.fusedGraph().inputs()) {
            String name = input.attr("name");
            int[] stored = file.shape(name);
            List<Dim> expected = input.type().shape();
            if (stored.length != expected.size()) {
                throw mismatch(name, fileName, stored, expected, "rank " + stored.length + ", not " + expected.size());
            }
            for (int axis = 0; axis < stored.length; axis++) {
                Dim dim = expected.get(axis);
                long value = stored[axis];
                if (dim.constant().isPresent()) {
                    if (dim.constant().get() != value) {
                        throw mismatch(name, fileName, stored, expected, "axis " + axis + " must be " + dim.constant().get());
                    }
                    continue;
                }
                String symbol = plainSymbol(dim);
                if (symbol == null) {
                    // Code generation takes inputs with plain dims only; were that to change, the
                    // size is still bounded by the dims' largest values.
                    long largest = evaluate(dim, bounds);
                    if (value < 1 || value > largest) {
                        throw mismatch(name, fileName, stored, expected, "axis " + axis + " is outside 1 to " + largest);
                    }
                    continue;
                }
                long largest = bounds.getOrDefault(symbol, model.options().maxSeq());
                if (value < 1 || value > largest) {
                    throw mismatch(name, fileName, stored, expected,
                            symbol + " = " + value + " along axis " + axis + " is outside 1 to " + largest);
                }
                Long earlier = bound.putIfAbsent(symbol, value);
                if (earlier != null && earlier != value) {
                    throw new ModelInputException("inputs in " + fileName + " disagree on " + symbol + ": `" + name + "` has "
                            + value + " along it (" + shape(stored) + "), `" + boundBy.get(symbol) + "` has " + earlier);
                }
                boundBy.putIfAbsent(symbol, name);
            }
        }
    }

    /** The run-time dim a dim is, when it is exactly one ({@code T}, not {@code T + 1} or {@code 2 * T}); else null. */
    private static String plainSymbol(Dim dim) {
        if (dim.terms().size() != 1) {
            return null;
        }
        Map.Entry<String, Long> term = dim.terms().entrySet().iterator().next();
        return !term.getKey().isEmpty() && !term.getKey().contains("*") && term.getValue() == 1 ? term.getKey() : null;
    }

    /** The value of {@code dim} with the given values of its run-time dims; past the range of a long, Long.MAX_VALUE. */
    private static long evaluate(Dim dim, Map<String, Long> values) {
        try {
            long total = 0;
            for (Map.Entry<String, Long> term : dim.terms().entrySet()) {
                long product = term.getValue();
                if (!term.getKey().isEmpty()) {
                    for (String symbol : term.getKey().split("\\*")) {
                        product = Math.multiplyExact(product, values.getOrDefault(symbol, 0L));
                    }
                }
                total = Math.addExact(total, product);
            }
            return total;
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    private static ModelInputException mismatch(String name, String fileName, int[] stored, List<Dim> expected, String why) {
        String takes = expected.stream().map(Dim::toString).collect(Collectors.joining(", ", "[", "]"));
        return new ModelInputException("input `" + name + "` in " + fileName + " is " + shape(stored) + ", the model takes "
                + takes + ": " + why);
    }

    private static String shape(int[] stored) {
        return Arrays.stream(stored).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
