package dev.attnc.bench;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * .attn text to a loaded model, in process, as {@code attnc run} does: check, generate Java,
 * compile it in memory, load seeded random weights.
 */
public final class Attnc {
    private Attnc() {
    }

    /** A resource beside this class ({@code models/...}) or of the shaded samples ({@code /samples/...}). */
    public static String resource(String name) {
        try (InputStream in = Attnc.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The generated class of the first model in {@code text}, with unbounded dims bounded by {@code maxSeq}. */
    public static Class<?> compile(String name, String text, long maxSeq) {
        SourceFile file = new SourceFile(name, text);
        FrontEnd.Result result = FrontEnd.check(file);
        if (result.diagnostics().hasErrors()) {
            throw new IllegalStateException(result.diagnostics().render());
        }
        JvmBackend.Generated generated = JvmBackend.generate(result.models().get(0), file,
                new JvmBackend.Options("attnc.models", maxSeq));
        InMemoryJavac.Result compiled = InMemoryJavac.compile(List.of(generated.file()), List.of(Model.class));
        return compiled.classes().get(generated.className());
    }

    public static Model load(Class<?> type, WeightSource weights) {
        try {
            return (Model) type.getMethod("load", WeightSource.class).invoke(null, weights);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load " + type.getName(), e);
        }
    }

    public static Model model(String name, String text, long maxSeq, long seed) {
        return load(compile(name, text, maxSeq), new RandomWeights(seed));
    }

    /** The attention-core model of a variant. */
    public static Model attention(Variant variant, int maxSeq) {
        return model(variant.resource(), resource(variant.resource()), maxSeq, 1);
    }

    /** Runs an attention-core model on q, k, v of length t; returns y. */
    public static float[] attend(Model model, float[] q, float[] k, float[] v, int t, Variant variant) {
        Map<String, Tensor> out = model.forward(Map.of(
                "q", Tensor.floats(q, t, Variant.WIDTH),
                "k", Tensor.floats(k, t, variant.kvWidth()),
                "v", Tensor.floats(v, t, variant.kvWidth())));
        return out.get("y").floatData();
    }

    /** Seeded uniform values in [-1, 1). */
    public static float[] random(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }

    /** The public {@code step(Map)} of a cached model (KV-cache decode), which the Model interface does not declare. */
    public static MethodHandle step(Model model) {
        try {
            return MethodHandles.publicLookup().findVirtual(model.getClass(), "step",
                    MethodType.methodType(Map.class, Map.class)).asType(MethodType.methodType(Map.class, Model.class, Map.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(model.getClass().getName() + " has no step(Map): is its attention cached?", e);
        }
    }

    /**
     * The private {@code int cached} of a cached model: how many positions its KV cache holds.
     * The decode benchmark sets it back after each step, so every step sees the same cache
     * length without refilling the cache.
     */
    public static VarHandle cachedPositions(Model model) {
        try {
            return MethodHandles.privateLookupIn(model.getClass(), MethodHandles.lookup())
                    .findVarHandle(model.getClass(), "cached", int.class);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(model.getClass().getName() + " has no int field 'cached'", e);
        }
    }
}
