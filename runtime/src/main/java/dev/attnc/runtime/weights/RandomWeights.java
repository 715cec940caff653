package dev.attnc.runtime.weights;

import dev.attnc.runtime.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded random weights, to run a model before (or without) a checkpoint.
 *
 * <p>The values of a tensor depend only on the seed, its name and its shape, never on which
 * tensors were asked for before: each name gets its own {@link SplittableRandom}, seeded from
 * the seed and a 64-bit FNV-1a hash of the name. Only {@link StrictMath} is used, so the values
 * are the same on every JVM. Their scale follows {@link Init} so that activations stay of
 * order 1:
 *
 * <ul>
 *   <li>{@link Init#LINEAR}, {@link Init#TENSOR}: uniform in ±1/sqrt(last dim), PyTorch's
 *       {@code nn.Linear} default for an {@code [out, in]} weight;
 *   <li>{@link Init#EMBEDDING}: normal(0, 1) times 1/sqrt(last dim);
 *   <li>{@link Init#NORM_SCALE}: 1 + uniform(±0.1);
 *   <li>{@link Init#BIAS}: uniform(±0.1).
 * </ul>
 *
 * <p>Every name is available ({@link #contains} is always true). A name asked for twice must be
 * asked for with the same shape, as in a real checkpoint.
 */
public final class RandomWeights implements WeightSource {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private final long seed;
    /** Names handed out so far, in order, with the shape each was asked for. */
    private final Map<String, int[]> handedOut = new LinkedHashMap<>();

    public RandomWeights(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    /**
     * Random values for {@code name}, of a scale set by {@code init}.
     *
     * @throws WeightException if {@code name} was asked for before with another shape
     * @throws IllegalArgumentException if {@code shape} has a negative dim or too many elements
     */
    @Override
    public float[] floats(String name, int[] shape, Init init) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(init, "init");
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " has a negative dim");
            }
        }
        long n = Tensor.sizeOf(shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape)
                    + " has more elements than one Java array holds");
        }
        synchronized (handedOut) {
            int[] earlier = handedOut.putIfAbsent(name, shape.clone());
            if (earlier != null && !Arrays.equals(earlier, shape)) {
                throw new WeightException(name + ": asked for as " + SafetensorsHeader.shapeString(shape)
                        + ", but earlier as " + SafetensorsHeader.shapeString(earlier) + " from " + description());
            }
        }
        SplittableRandom random = new SplittableRandom(streamSeed(seed, name));
        int last = shape.length == 0 ? 1 : Math.max(1, shape[shape.length - 1]);
        double fanIn = 1 / StrictMath.sqrt(last);
        float[] out = new float[(int) n];
        switch (init) {
            case LINEAR, TENSOR -> fillUniform(out, random, 0, fanIn);
            case EMBEDDING -> fillNormal(out, random, fanIn);
            case NORM_SCALE -> fillUniform(out, random, 1, 0.1);
            case BIAS -> fillUniform(out, random, 0, 0.1);
        }
        return out;
    }

    /** Always true: every name has random values. */
    @Override
    public boolean contains(String name) {
        return name != null;
    }

    /** The names handed out so far, in the order first asked for (a snapshot). */
    @Override
    public Set<String> names() {
        synchronized (handedOut) {
            return Collections.unmodifiableSet(new LinkedHashSet<>(handedOut.keySet()));
        }
    }

    @Override
    public String description() {
        return "random weights (seed " + seed + ")";
    }

    /** Nothing to release. */
    @Override
    public void close() {}

    @Override
    public String toString() {
        return description();
    }

    /** The seed of the stream of {@code name}: the mixed seed xor the FNV-1a hash of the name's UTF-8 bytes. */
    static long streamSeed(long seed, String name) {
        long h = FNV_OFFSET;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        return mix64(seed) ^ h;
    }

    /** A bijective 64-bit mixer (Stafford's variant 13, as in SplitMix64). */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static void fillUniform(float[] out, SplittableRandom random, double center, double halfWidth) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (center + (2 * random.nextDouble() - 1) * halfWidth);
        }
    }

    /** Box-Muller with StrictMath, so the values do not depend on the JVM's intrinsics. */
    private static void fillNormal(float[] out, SplittableRandom random, double scale) {
        for (int i = 0; i < out.length; i += 2) {
            double u1 = 1 - random.nextDouble(); // in (0, 1]: log is finite
            double u2 = random.nextDouble();
            double r = StrictMath.sqrt(-2 * StrictMath.log(u1));
            double angle = 2 * StrictMath.PI * u2;
            out[i] = (float) (r * StrictMath.cos(angle) * scale);
            if (i + 1 < out.length) {
                out[i + 1] = (float) (r * StrictMath.sin(angle) * scale);
            }
        }
    }
}
