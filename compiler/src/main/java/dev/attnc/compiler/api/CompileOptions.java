package dev.attnc.compiler.api;

import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.runtime.weights.CheckpointMetadata;
import java.util.Objects;

/**
 * How models are turned into Java.
 *
 * @param backend     the code to generate
 * @param packageName the package of the generated classes; checked by {@link PackageName#check}
 * @param maxSeq      the largest value of every run-time dim that declares no bound ({@code dim T}
 *                    without {@code <= N}); the model's buffers are sized for it
 * @param checkpoint  the metadata of the checkpoint the file is compiled against, which
 *                    {@code meta(...)} and {@code rope(..., layout = checkpoint)} read; null for none
 *                    (then reading it is a diagnostic)
 */
public record CompileOptions(Backend backend, String packageName, long maxSeq, CheckpointMetadata checkpoint) {

    /** The package generated classes go in unless told otherwise. */
    public static final String DEFAULT_PACKAGE = "attnc.models";

    public CompileOptions {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(packageName, "packageName");
        // The name becomes folders under the output folder and text in the source: checked here,
        // once, for every way options are made.
        PackageName.check(packageName);
        if (maxSeq < 1) {
            throw new IllegalArgumentException("maxSeq must be at least 1, not " + maxSeq);
        }
    }

    /** Options without a checkpoint. */
    public CompileOptions(Backend backend, String packageName, long maxSeq) {
        this(backend, packageName, maxSeq, null);
    }

    /** The JVM backend, package {@code attnc.models}, unbounded dims up to 2048. */
    public static CompileOptions defaults() {
        return new CompileOptions(Backend.JVM, DEFAULT_PACKAGE, JvmBackend.DEFAULT_MAX_SEQ);
    }

    /** These options with another backend. */
    public CompileOptions withBackend(Backend newBackend) {
        return new CompileOptions(newBackend, packageName, maxSeq, checkpoint);
    }

    /**
     * These options with another package for the generated classes.
     *
     * @throws IllegalArgumentException if {@code newPackageName} is not a valid package name
     *     ({@link PackageName#check}); the message names the bad part
     */
    public CompileOptions withPackage(String newPackageName) {
        return new CompileOptions(backend, newPackageName, maxSeq, checkpoint);
    }

    /** These options with another largest value for unbounded run-time dims. */
    public CompileOptions withMaxSeq(long newMaxSeq) {
        return new CompileOptions(backend, packageName, newMaxSeq, checkpoint);
    }

    /**
     * These options compiling against a checkpoint's metadata, such as
     * {@code weights.checkpointMetadata()} of the weights the model will load: its sizes and
     * hyper-parameters become the constants {@code meta(...)} reads.
     */
    public CompileOptions withCheckpoint(CheckpointMetadata metadata) {
        return new CompileOptions(backend, packageName, maxSeq, java.util.Objects.requireNonNull(metadata, "metadata"));
    }

    JvmBackend.Options codegen() {
        return new JvmBackend.Options(packageName, maxSeq);
    }
}
