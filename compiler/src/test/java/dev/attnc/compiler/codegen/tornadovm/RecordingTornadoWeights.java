package dev.attnc.compiler.codegen.tornadovm;

import dev.attnc.compiler.reference.Samples;
import dev.attnc.runtime.weights.Init;
import dev.attnc.runtime.weights.RandomWeights;
import dev.attnc.runtime.weights.WeightSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Seeded random weights that remember what the model read, for the float64 reference. */
final class RecordingTornadoWeights implements WeightSource, Samples.Weights {
    private final RandomWeights random;
    private final Map<String, float[]> read = new LinkedHashMap<>();

    RecordingTornadoWeights(long seed) {
        this.random = new RandomWeights(seed);
    }

    @Override
    public float[] floats(String name, int[] shape, Init init) {
        float[] data = random.floats(name, shape, init);
        read.put(name, data.clone());
        return data;
    }

    @Override
    public float[] get(String name) {
        float[] data = read.get(name);
        if (data == null) {
            throw new AssertionError("the reference reads " + name + ", which the model never loaded");
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
