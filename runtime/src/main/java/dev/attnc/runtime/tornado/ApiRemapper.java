package dev.attnc.runtime.tornado;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.Remapper;
import org.objectweb.asm.tree.ClassNode;

/**
 * Rewrites every reference to a TornadoVM API class ({@code uk/ac/manchester/tornado/api/...})
 * in a class file to its counterpart in {@code dev/attnc/runtime/tornado/jvm}: same simple name,
 * nested types kept ({@code common/TornadoFunctions$Task3} becomes
 * {@code jvm/TornadoFunctions$Task3}). Descriptors, generic signatures, annotations (including
 * {@code @Parallel} type annotations), lambdas and method references are all rewritten; string
 * constants are not. Before that, {@link ParallelLoopSplitter} spreads each kernel's outermost
 * {@code @Parallel} loop across the CPU workers; after it, {@link BarrierSplitter} makes
 * {@code KernelContext} kernels resumable at their barriers.
 */
final class ApiRemapper extends Remapper {

    static final String API = "uk/ac/manchester/tornado/api/";
    static final String JVM = "dev/attnc/runtime/tornado/jvm/";

    /** TornadoVM API classes (below {@link #API}) that have a JVM counterpart, to its simple name. */
    static final Map<String, String> COUNTERPARTS = Map.ofEntries(
            Map.entry("TaskGraph", "TaskGraph"),
            Map.entry("TaskGraphInterface", "TaskGraphInterface"),
            Map.entry("ImmutableTaskGraph", "ImmutableTaskGraph"),
            Map.entry("TornadoExecutionPlan", "TornadoExecutionPlan"),
            Map.entry("TornadoExecutionResult", "TornadoExecutionResult"),
            Map.entry("DataRange", "DataRange"),
            Map.entry("ExecutionContext", "ExecutionContext"),
            Map.entry("KernelContext", "KernelContext"),
            Map.entry("GridScheduler", "GridScheduler"),
            Map.entry("WorkerGrid", "WorkerGrid"),
            Map.entry("AbstractWorkerGrid", "AbstractWorkerGrid"),
            Map.entry("WorkerGrid1D", "WorkerGrid1D"),
            Map.entry("WorkerGrid2D", "WorkerGrid2D"),
            Map.entry("WorkerGrid3D", "WorkerGrid3D"),
            Map.entry("common/TornadoDevice", "TornadoDevice"),
            Map.entry("common/TornadoFunctions", "TornadoFunctions"),
            Map.entry("enums/DataTransferMode", "DataTransferMode"),
            Map.entry("enums/ProfilerMode", "ProfilerMode"),
            Map.entry("annotations/Parallel", "Parallel"),
            Map.entry("math/TornadoMath", "TornadoMath"),
            Map.entry("types/arrays/TornadoNativeArray", "TornadoNativeArray"),
            Map.entry("types/arrays/FloatArray", "FloatArray"),
            Map.entry("types/arrays/IntArray", "IntArray"),
            Map.entry("types/arrays/HalfFloatArray", "HalfFloatArray"),
            Map.entry("types/HalfFloat", "HalfFloat"),
            Map.entry("exceptions/TornadoExecutionPlanException", "TornadoExecutionPlanException"),
            Map.entry("exceptions/TornadoAPIException", "TornadoAPIException"));

    /** Whether a JVM class exists, by internal name (nested types are checked one by one). */
    private static final Map<String, Boolean> EXISTS = new ConcurrentHashMap<>();

    private final Set<String> unsupported = new TreeSet<>();

    private ApiRemapper() {
        super(Opcodes.ASM9);
    }

    /** The JVM counterpart of an internal name, null if it has none; names outside the API map to themselves. */
    static String counterpart(String internalName) {
        if (!internalName.startsWith(API)) {
            return internalName;
        }
        String rest = internalName.substring(API.length());
        int dollar = rest.indexOf('$');
        String topLevel = dollar < 0 ? rest : rest.substring(0, dollar);
        String simple = COUNTERPARTS.get(topLevel);
        if (simple == null) {
            return null;
        }
        String mapped = JVM + simple + (dollar < 0 ? "" : rest.substring(dollar));
        return dollar < 0 || exists(mapped) ? mapped : null;
    }

    private static boolean exists(String internalName) {
        return EXISTS.computeIfAbsent(internalName,
                name -> ApiRemapper.class.getClassLoader().getResource(name + ".class") != null);
    }

    @Override
    public String map(String internalName) {
        String mapped = counterpart(internalName);
        if (mapped == null) {
            unsupported.add(internalName.replace('/', '.'));
            return internalName;
        }
        return mapped;
    }

    /**
     * The class file with its TornadoVM API references rewritten.
     *
     * @throws IllegalArgumentException if the class uses API classes with no JVM counterpart
     */
    static byte[] remap(byte[] classBytes) {
        ClassReader reader = new ClassReader(classBytes);
        ClassNode type = new ClassNode();
        reader.accept(type, 0);
        ParallelLoopSplitter.split(type);
        ClassNode mapped = new ClassNode();
        ApiRemapper remapper = new ApiRemapper();
        type.accept(new ClassRemapper(mapped, remapper));
        if (!remapper.unsupported.isEmpty()) {
            throw new IllegalArgumentException("class " + reader.getClassName().replace('/', '.')
                    + " uses TornadoVM API classes that have no JVM implementation in attnc: "
                    + String.join(", ", remapper.unsupported));
        }
        BarrierSplitter.split(mapped);
        // Frames are kept from the original (the splitter adds no branches; BarrierSplitter computes
        // those of the methods it rewrites). Stack sizes are recomputed.
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        mapped.accept(writer);
        return writer.toByteArray();
    }
}
