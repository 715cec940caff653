package dev.attnc.compiler.codegen;

import dev.attnc.compiler.reference.Samples;
import dev.attnc.runtime.weights.Init;
import dev.attnc.runtime.weights.RandomWeights;
import dev.attnc.runtime.weights.WeightSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Seeded random weights that remember what the model read, so the float64 reference reads
 * exactly the same numbers by checkpoint name (before any repacking the model does).
 */
final class RecordingWeights implements WeightSource, Samples.Weights {
    private final RandomWeights random;
    private final Map<String, float[]> read = new LinkedHashMap<>();

    RecordingWeights(long seed) {
        this.random = new RandomWeights(seed);
    }

    @Override
    public float[] floats(String name, int[] shape, Init init) {
        float[] data = random.floats(name, shape, init);
        read.put(name, data.clone());
        return data;
    }

    /** For the reference: a tensor the model loaded, or a failure naming one it did not. */
    @Override
    public float[] get(String name) {
        float[] data = read.get(name);
        if (data == null) {
            throw new AssertionError("the reference reads " + name + ", which the generated model never loaded; it loaded "
                    + read.keySet());
        }
        return data;
    }

    @Override
    public boolean contains(String name) {
        return true;
    }

    @Override
    public Set<String> names() {
        return read.keySet();
    }

    @Override
    public String description() {
        return random.description();
    }

    @Override
    public void close() {
    }
}
