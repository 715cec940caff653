package dev.attnc.runtime.tornado;

import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.HalfMatrix;
import dev.attnc.runtime.weights.QuantizedMatrix;
import dev.attnc.runtime.weights.WeightException;
import dev.attnc.runtime.weights.WeightSource;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A checkpoint as the TornadoVM backend reads it: every tensor as float32, so that Q8_0 and Q4_0
 * matrices, which the JVM backend's linear layers keep in their blocks, are dequantized as they
 * are loaded (4 times the bytes of Q8_0 on the device). The first such matrix says so once, as
 * a GGUF file notes its own conversions. Reads and the rest go to the checkpoint unchanged;
 * closing this leaves the checkpoint open.
 */
public final class FloatWeights implements WeightSource {
    private final WeightSource checkpoint;
    private final Consumer<String> notes;
    private final AtomicBoolean noted = new AtomicBoolean();

    /** @param notes where the one line about dequantized matrices goes (stderr for the CLI) */
    public FloatWeights(WeightSource checkpoint, Consumer<String> notes) {
        this.checkpoint = Objects.requireNonNull(checkpoint, "checkpoint");
        this.notes = Objects.requireNonNull(notes, "notes");
    }

    @Override
    public float[] floats(String name, int[] shape, dev.attnc.runtime.weights.Init init) {
        if (shape.length == 2 && !noted.get() && checkpoint.contains(name)) {
            Optional<QuantizedMatrix> blocks;
            try {
                blocks = checkpoint.quantized(name, shape);
            } catch (WeightException e) {
                blocks = Optional.empty(); // floats, below, reports it
            }
            if (blocks.isPresent() && noted.compareAndSet(false, true)) {
                notes.accept("note: " + checkpoint.description() + ": the TornadoVM backend reads " + blocks.get().format()
                        + " matrices as float32, dequantized as they are loaded (the JVM backend keeps them quantized)");
            }
        }
        return checkpoint.floats(name, shape, init);
    }

    /** Empty: the TornadoVM backend's kernels read float32. */
    @Override
    public Optional<QuantizedMatrix> quantized(String name, int[] shape) {
        return Optional.empty();
    }

    /** Empty: the TornadoVM backend's kernels read float32. */
    @Override
    public Optional<HalfMatrix> halves(String name, int[] shape) {
        return Optional.empty();
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

    /** Leaves the checkpoint open: its owner closes it. */
    @Override
    public void close() {
    }
}
