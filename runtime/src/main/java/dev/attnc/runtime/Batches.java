package dev.attnc.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToIntFunction;

/** What generated models share to run a batch: checking each sequence, and the unpacked fallback. */
public final class Batches {
    private Batches() {
    }

    /**
     * The length of every sequence of {@code batch}, as {@code length} finds it (checking the
     * inputs); a failure names the sequence: {@code sequence 3 of 64: input `ids` ...}.
     *
     * @throws ModelInputException if the batch is empty, holds null, or a sequence's inputs are wrong
     */
    public static int[] lengths(List<Map<String, Tensor>> batch, ToIntFunction<Map<String, Tensor>> length) {
        Objects.requireNonNull(batch, "batch");
        if (batch.isEmpty()) {
            throw new ModelInputException("the batch holds no sequence");
        }
        int[] lengths = new int[batch.size()];
        for (int s = 0; s < lengths.length; s++) {
            Map<String, Tensor> inputs = batch.get(s);
            if (inputs == null) {
                throw new ModelInputException("sequence " + s + " of " + lengths.length + " is null");
            }
            try {
                lengths[s] = length.applyAsInt(inputs);
            } catch (ModelInputException e) {
                throw new ModelInputException("sequence " + s + " of " + lengths.length + ": " + e.getMessage());
            }
        }
        return lengths;
    }

    /** Runs each sequence through {@link Model#forward} in turn, naming the sequence a failure comes from. */
    public static List<Map<String, Tensor>> oneByOne(Model model, List<Map<String, Tensor>> batch) {
        Objects.requireNonNull(batch, "batch");
        List<Map<String, Tensor>> results = new ArrayList<>(batch.size());
        for (int s = 0; s < batch.size(); s++) {
            Map<String, Tensor> inputs = batch.get(s);
            if (inputs == null) {
                throw new ModelInputException("sequence " + s + " of " + batch.size() + " is null");
            }
            try {
                results.add(model.forward(inputs));
            } catch (ModelInputException e) {
                throw new ModelInputException("sequence " + s + " of " + batch.size() + ": " + e.getMessage());
            }
        }
        return results;
    }
}
