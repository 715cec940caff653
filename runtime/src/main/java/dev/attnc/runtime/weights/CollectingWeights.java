package dev.attnc.runtime.weights;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Loads a model through another source and collects every tensor it cannot read (missing, of
 * another shape, of a dtype that cannot be read), instead of stopping at the first: a broken
 * checkpoint is fixed in one round. A tensor that cannot be read is handed out as zeros of the
 * shape the model expects (one shared array per size, so a checkpoint missing everything costs
 * no more than the largest tensor); {@link #throwIfProblems} then reports them all, and the
 * model loaded from it must be discarded.
 */
public final class CollectingWeights implements WeightSource {
    /** Lines of tensors shown in a report; the rest are counted. */
    public static final int SHOWN = 20;

    private final WeightSource checkpoint;
    private final Map<String, String> problems = new LinkedHashMap<>();
    private final Map<Integer, float[]> zeros = new HashMap<>();
    private int missing;
    private int read;

    public CollectingWeights(WeightSource checkpoint) {
        this.checkpoint = Objects.requireNonNull(checkpoint, "checkpoint");
    }

    @Override
    public synchronized float[] floats(String name, int[] shape, Init init) {
        read++;
        try {
            return checkpoint.floats(name, shape, init);
        } catch (WeightException e) {
            record(name, e);
            long count = 1;
            for (int size : shape) {
                count *= size;
            }
            return zeros.computeIfAbsent(Math.toIntExact(count), float[]::new);
        }
    }

    @Override
    public synchronized Optional<QuantizedMatrix> quantized(String name, int[] shape) {
        try {
            return checkpoint.quantized(name, shape);
        } catch (WeightException e) {
            record(name, e);
            return Optional.empty(); // floats(name) follows, and is not counted twice
        }
    }

    @Override
    public synchronized Optional<HalfMatrix> halves(String name, int[] shape) {
        try {
            return checkpoint.halves(name, shape);
        } catch (WeightException e) {
            record(name, e);
            return Optional.empty(); // floats(name) follows, and is not counted twice
        }
    }

    private void record(String name, WeightException e) {
        if (problems.putIfAbsent(name, String.valueOf(e.getMessage())) == null && !checkpoint.contains(name)) {
            missing++;
        }
    }

    /** The problems found so far, by the model's tensor name: each source's message. */
    public synchronized Map<String, String> problems() {
        return Map.copyOf(problems);
    }

    /**
     * Throws one exception listing every tensor that could not be read, if any: a headline with
     * the counts, then a line a tensor (at most {@link #SHOWN}), then how many more. A single
     * problem is thrown with the source's own message.
     *
     * @param model what was loaded, for the headline: {@code model Gpt2}
     */
    public synchronized void throwIfProblems(String model) {
        if (problems.isEmpty()) {
            return;
        }
        if (problems.size() == 1) {
            throw new WeightException(problems.values().iterator().next()); // as the source said it
        }
        int other = problems.size() - missing;
        StringBuilder message = new StringBuilder(checkpoint.description() + " does not fit " + model + ": ");
        List<String> counts = new ArrayList<>();
        if (missing > 0) {
            counts.add(missing + " of the " + read + " tensors it reads " + (missing == 1 ? "is" : "are") + " missing");
        }
        if (other > 0) {
            counts.add(other + (missing > 0 ? "" : " of the " + read + " tensors it reads") + (other == 1 ? " has" : " have")
                    + " another shape or cannot be read");
        }
        message.append(String.join(", ", counts));
        int shown = 0;
        for (String line : problems.values()) {
            if (shown == SHOWN) {
                break;
            }
            message.append("\n  ").append(line);
            shown++;
        }
        if (problems.size() > shown) {
            message.append("\n  and ").append(problems.size() - shown).append(" more");
        }
        throw new WeightException(message.toString());
    }

    @Override
    public boolean contains(String name) {
        return checkpoint.contains(name);
    }

    @Override
    public Set<String> names() {
        return checkpoint.names();
    }

    @Override
    public CheckpointMetadata checkpointMetadata() {
        return checkpoint.checkpointMetadata();
    }

    @Override
    public String description() {
        return checkpoint.description();
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
