package dev.attnc.runtime.tornado;

import dev.attnc.runtime.tornado.jvm.MemoryTraffic;
import dev.attnc.runtime.tornado.jvm.TrafficProbes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LocalVariableAnnotationNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Adds {@link MemoryTraffic} probes to a class already rewritten onto the JVM implementation
 * (after {@link ApiRemapper}, so {@code @Parallel} loops are split and barriers resumable):
 * <ul>
 *   <li>each {@code FloatArray}/{@code IntArray} {@code get(int)} and {@code set(int, v)} call
 *       becomes the {@link TrafficProbes} method of the same shape with one more argument, the
 *       id of its site;</li>
 *   <li>each load and store of an {@code int}, {@code long}, {@code float} or {@code double}
 *       array likewise (the recorder counts those on a work-group's local arrays only);</li>
 *   <li>after each write of a {@code @Parallel} loop variable (its first value and each step)
 *       of a kernel without a KernelContext, {@code TrafficProbes.loopIndex(value, depth)}, so
 *       the recorder knows the work-item.</li>
 * </ul>
 * Each replacement pushes one constant and calls a static method where one instruction was, so
 * no branch target moves relative to its stack state and the stack map frames stay valid.
 */
final class TrafficInstrumenter {

    private static final String PROBES = Type.getInternalName(TrafficProbes.class);
    private static final String FLOAT_ARRAY = ApiRemapper.JVM + "FloatArray";
    private static final String INT_ARRAY = ApiRemapper.JVM + "IntArray";
    private static final Set<String> PARALLEL = Set.of("L" + ApiRemapper.JVM + "Parallel;", "L" + ApiRemapper.API
            + "annotations/Parallel;");
    private static final String CONTEXT_DESC = "L" + ApiRemapper.JVM + "KernelContext;";

    private TrafficInstrumenter() {
    }

    static byte[] instrument(byte[] classBytes) {
        ClassNode type = new ClassNode();
        new ClassReader(classBytes).accept(type, 0);
        String simpleName = type.name.substring(type.name.lastIndexOf('/') + 1);
        for (MethodNode method : type.methods) {
            instrument(simpleName, method);
        }
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        type.accept(writer);
        return writer.toByteArray();
    }

    private static void instrument(String className, MethodNode method) {
        String name = method.name.endsWith(ParallelLoopSplitter.BODY_SUFFIX)
                ? method.name.substring(0, method.name.length() - ParallelLoopSplitter.BODY_SUFFIX.length())
                : method.name;
        InsnList code = method.instructions;
        int line = -1;
        Map<Integer, Integer> sitesOnLine = new HashMap<>();
        for (AbstractInsnNode insn : code.toArray()) {
            if (insn instanceof LineNumberNode number) {
                line = number.line;
                continue;
            }
            if (isOtherArrayAccess(insn)) {
                int order = sitesOnLine.merge(line, 1, Integer::sum);
                String where = className + "." + name + ":" + line + (order > 1 ? "#" + order : "");
                probeOtherArray(method, (MethodInsnNode) insn, where);
                continue;
            }
            Probe probe = probe(insn);
            if (probe != null) {
                // The second and later sites of a line are told apart by their order: linear:42#2.
                int order = sitesOnLine.merge(line, 1, Integer::sum);
                String where = className + "." + name + ":" + line + (order > 1 ? "#" + order : "");
                int site = TrafficProbes.site(where, probe.access());
                code.insertBefore(insn, pushInt(site));
                code.set(insn, new MethodInsnNode(Opcodes.INVOKESTATIC, PROBES, probe.name(), probe.desc(), false));
            }
        }
        if (!method.desc.contains(CONTEXT_DESC)) {
            addLoopProbes(method);
        }
    }

    private record Probe(String name, String desc, MemoryTraffic.Access access) {
    }

    /**
     * A {@code get(int)} or {@code set(int, value)} of another array type of the JVM
     * implementation ({@code HalfFloatArray}, ...), which has no probe of its own shape.
     */
    private static boolean isOtherArrayAccess(AbstractInsnNode insn) {
        if (!(insn instanceof MethodInsnNode call) || call.getOpcode() != Opcodes.INVOKEVIRTUAL
                || !call.owner.startsWith(ApiRemapper.JVM) || !call.owner.endsWith("Array")
                || call.owner.equals(FLOAT_ARRAY) || call.owner.equals(INT_ARRAY)) {
            return false;
        }
        Type[] arguments = Type.getArgumentTypes(call.desc);
        Type result = Type.getReturnType(call.desc);
        return "get".equals(call.name) && arguments.length == 1 && arguments[0] == Type.INT_TYPE && result != Type.VOID_TYPE
                || "set".equals(call.name) && arguments.length == 2 && arguments[0] == Type.INT_TYPE && result == Type.VOID_TYPE;
    }

    /**
     * Before the call, with {@code (array, index)} or {@code (array, index, value)} on the stack:
     * the value is put aside in a new local, array and index are copied for
     * {@code TrafficProbes.access(array, index, site)}, and the value comes back.
     */
    private static void probeOtherArray(MethodNode method, MethodInsnNode call, String where) {
        boolean write = "set".equals(call.name);
        int site = TrafficProbes.site(where, write ? MemoryTraffic.Access.GLOBAL_WRITE : MemoryTraffic.Access.GLOBAL_READ);
        InsnList probe = new InsnList();
        Type value = write ? Type.getArgumentTypes(call.desc)[1] : null;
        int spare = method.maxLocals; // beyond every local of the method; the writer recomputes maxLocals
        if (write) {
            probe.add(new VarInsnNode(value.getOpcode(Opcodes.ISTORE), spare));
        }
        probe.add(new InsnNode(Opcodes.DUP2));
        probe.add(pushInt(site));
        probe.add(new MethodInsnNode(Opcodes.INVOKESTATIC, PROBES, "access", "(Ljava/lang/Object;II)V", false));
        if (write) {
            probe.add(new VarInsnNode(value.getOpcode(Opcodes.ILOAD), spare));
        }
        method.instructions.insertBefore(call, probe);
    }

    private static Probe probe(AbstractInsnNode insn) {
        if (insn instanceof MethodInsnNode call && call.getOpcode() == Opcodes.INVOKEVIRTUAL) {
            String array = "L" + call.owner + ";";
            if (call.owner.equals(FLOAT_ARRAY)) {
                return switch (call.name + call.desc) {
                    case "get(I)F" -> new Probe("getFloat", "(" + array + "II)F", MemoryTraffic.Access.GLOBAL_READ);
                    case "set(IF)V" -> new Probe("setFloat", "(" + array + "IFI)V", MemoryTraffic.Access.GLOBAL_WRITE);
                    default -> null;
                };
            }
            if (call.owner.equals(INT_ARRAY)) {
                return switch (call.name + call.desc) {
                    case "get(I)I" -> new Probe("getInt", "(" + array + "II)I", MemoryTraffic.Access.GLOBAL_READ);
                    case "set(II)V" -> new Probe("setInt", "(" + array + "III)V", MemoryTraffic.Access.GLOBAL_WRITE);
                    default -> null;
                };
            }
            return null;
        }
        return switch (insn.getOpcode()) {
            case Opcodes.FALOAD -> new Probe("loadFloat", "([FII)F", MemoryTraffic.Access.LOCAL_READ);
            case Opcodes.FASTORE -> new Probe("storeFloat", "([FIFI)V", MemoryTraffic.Access.LOCAL_WRITE);
            case Opcodes.IALOAD -> new Probe("loadInt", "([III)I", MemoryTraffic.Access.LOCAL_READ);
            case Opcodes.IASTORE -> new Probe("storeInt", "([IIII)V", MemoryTraffic.Access.LOCAL_WRITE);
            case Opcodes.LALOAD -> new Probe("loadLong", "([JII)J", MemoryTraffic.Access.LOCAL_READ);
            case Opcodes.LASTORE -> new Probe("storeLong", "([JIJI)V", MemoryTraffic.Access.LOCAL_WRITE);
            case Opcodes.DALOAD -> new Probe("loadDouble", "([DII)D", MemoryTraffic.Access.LOCAL_READ);
            case Opcodes.DASTORE -> new Probe("storeDouble", "([DIDI)V", MemoryTraffic.Access.LOCAL_WRITE);
            default -> null;
        };
    }

    /**
     * After every write of each {@code @Parallel} loop variable, from the store just before its
     * scope to the end of its scope: {@code TrafficProbes.loopIndex(variable, depth)}, depth being
     * how many other {@code @Parallel} loops enclose it.
     */
    private static void addLoopProbes(MethodNode method) {
        if (method.visibleLocalVariableAnnotations == null) {
            return;
        }
        InsnList code = method.instructions;
        List<int[]> loops = new ArrayList<>(); // {variable, scope start, scope end}
        for (LocalVariableAnnotationNode annotation : method.visibleLocalVariableAnnotations) {
            if (PARALLEL.contains(annotation.desc)) {
                for (int range = 0; range < annotation.index.size(); range++) {
                    loops.add(new int[] {annotation.index.get(range), code.indexOf(annotation.start.get(range)),
                            code.indexOf(annotation.end.get(range))});
                }
            }
        }
        List<AbstractInsnNode> inserts = new ArrayList<>(); // each write of a loop variable
        List<int[]> targets = new ArrayList<>(); // its {variable, depth}
        for (int[] loop : loops) {
            int depth = 0;
            for (int[] other : loops) {
                if (other != loop && other[1] <= loop[1] && loop[2] <= other[2] && (other[1] != loop[1] || other[2] != loop[2])) {
                    depth++;
                }
            }
            AbstractInsnNode before = initialStore(code, loop[0], loop[1]);
            if (before != null) {
                inserts.add(before);
                targets.add(new int[] {loop[0], depth});
            }
            for (int at = loop[1]; at < loop[2]; at++) {
                AbstractInsnNode insn = code.get(at);
                boolean writes = insn instanceof IincInsnNode inc && inc.var == loop[0]
                        || insn instanceof VarInsnNode store && store.getOpcode() == Opcodes.ISTORE && store.var == loop[0];
                if (writes) {
                    inserts.add(insn);
                    targets.add(new int[] {loop[0], depth});
                }
            }
        }
        for (int i = 0; i < inserts.size(); i++) {
            InsnList probe = new InsnList();
            probe.add(new VarInsnNode(Opcodes.ILOAD, targets.get(i)[0]));
            probe.add(pushInt(targets.get(i)[1]));
            probe.add(new MethodInsnNode(Opcodes.INVOKESTATIC, PROBES, "loopIndex", "(II)V", false));
            code.insert(inserts.get(i), probe);
        }
    }

    /** The {@code istore} of the loop variable right before its scope starts (labels and line numbers skipped). */
    private static AbstractInsnNode initialStore(InsnList code, int variable, int scopeStart) {
        for (AbstractInsnNode insn = code.get(scopeStart).getPrevious(); insn != null; insn = insn.getPrevious()) {
            if (insn.getOpcode() < 0) {
                continue;
            }
            return insn instanceof VarInsnNode store && store.getOpcode() == Opcodes.ISTORE && store.var == variable
                    ? insn : null;
        }
        return null;
    }

    private static AbstractInsnNode pushInt(int value) {
        if (value >= -1 && value <= 5) {
            return new InsnNode(Opcodes.ICONST_0 + value);
        }
        if (value >= Short.MIN_VALUE && value <= Short.MAX_VALUE) {
            return new IntInsnNode(Opcodes.SIPUSH, value);
        }
        return new LdcInsnNode(value);
    }
}
