package dev.attnc.runtime.weights;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A checkpoint read under the names a {@code .attn} file uses: each name the model asks for
 * is looked up as {@link WeightNames} renames it. Errors name both: {@code h.0.ln_1.weight
 * (transformer.h.0.ln_1.weight by --weights-prefix =transformer.): expected [768], found [1024]
 * in gpt2.safetensors}.
 */
public final class RenamedWeights implements WeightSource {
    private final WeightSource checkpoint;
    private final WeightNames names;

    public RenamedWeights(WeightSource checkpoint, WeightNames names) {
        this.checkpoint = Objects.requireNonNull(checkpoint, "checkpoint");
        this.names = Objects.requireNonNull(names, "names");
    }

    @Override
    public float[] floats(String name, int[] shape, Init init) {
        Optional<WeightNames.Renamed> renamed = names.rename(name);
        if (renamed.isEmpty()) {
            return checkpoint.floats(name, shape, init);
        }
        try {
            return checkpoint.floats(renamed.get().name(), shape, init);
        } catch (WeightException e) {
            throw explained(name, renamed.get(), e);
        }
    }

    @Override
    public Optional<QuantizedMatrix> quantized(String name, int[] shape) {
        Optional<WeightNames.Renamed> renamed = names.rename(name);
        if (renamed.isEmpty()) {
            return checkpoint.quantized(name, shape);
        }
        try {
            return checkpoint.quantized(renamed.get().name(), shape);
        } catch (WeightException e) {
            throw explained(name, renamed.get(), e);
        }
    }

    @Override
    public Optional<HalfMatrix> halves(String name, int[] shape) {
        Optional<WeightNames.Renamed> renamed = names.rename(name);
        if (renamed.isEmpty()) {
            return checkpoint.halves(name, shape);
        }
        try {
            return checkpoint.halves(renamed.get().name(), shape);
        } catch (WeightException e) {
            throw explained(name, renamed.get(), e);
        }
    }

    /** The checkpoint's message, which names the checkpoint's tensor, led by the model's name and the rule. */
    private static WeightException explained(String name, WeightNames.Renamed renamed, WeightException e) {
        return new WeightException(name + " (" + renamed.name() + " by " + renamed.why() + "): " + e.getMessage(), e);
    }

    @Override
    public boolean contains(String name) {
        return checkpoint.contains(names.rename(name).map(WeightNames.Renamed::name).orElse(name));
    }

    /** The checkpoint's names as the model would ask for them. */
    @Override
    public Set<String> names() {
        Set<String> own = new LinkedHashSet<>();
        for (String stored : checkpoint.names()) {
            own.add(names.attnName(stored));
        }
        return Collections.unmodifiableSet(own);
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
