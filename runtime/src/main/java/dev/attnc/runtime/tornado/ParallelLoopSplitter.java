package dev.attnc.runtime.tornado;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LocalVariableAnnotationNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Spreads the outermost {@code @Parallel} loop of each kernel across CPU workers, for kernels
 * run on the JVM. TornadoVM maps such a loop onto GPU threads; here the kernel {@code k} is
 * split in two: its body, renamed {@code k$parallel}, whose loop
 * {@code for (@Parallel int i = a; i < n; i++)} becomes
 * {@code for (int i = a + offset(); i < n; i += stride())}, and a method {@code k} that hands
 * the body and its arguments to {@code ParallelLoops.run}, which calls it once per worker.
 *
 * <p>Only loops of the shape javac writes for that {@code for} statement are split: an
 * {@code int} variable stored once before the loop and stepped by one {@code iinc 1}. Any other
 * method, including one whose code outside the loop writes memory the way a kernel would not,
 * is left as it was: it runs as plain sequential Java. Kernels must only read and write
 * disjoint elements per iteration, as on a GPU.
 */
final class ParallelLoopSplitter {

    /** {@code @Parallel}: TornadoVM's, or attnc's JVM copy in a class compiled against the JVM implementation. */
    private static final Set<String> PARALLEL = Set.of("L" + ApiRemapper.API + "annotations/Parallel;",
            "L" + ApiRemapper.JVM + "Parallel;");
    private static final String LOOPS = ApiRemapper.JVM + "ParallelLoops";
    static final String BODY_SUFFIX = "$parallel";

    private ParallelLoopSplitter() {
    }

    /** Splits the kernels of {@code type} in place. */
    static void split(ClassNode type) {
        List<MethodNode> launchers = new ArrayList<>();
        for (MethodNode method : type.methods) {
            if (splitLoop(method)) {
                launchers.add(launcher(type, method));
                method.name = method.name + BODY_SUFFIX;
                method.access = (method.access & ~(Opcodes.ACC_PUBLIC | Opcodes.ACC_PROTECTED))
                        | Opcodes.ACC_PRIVATE | Opcodes.ACC_SYNTHETIC;
                method.visibleAnnotations = null;
                method.invisibleAnnotations = null;
            }
        }
        type.methods.addAll(launchers);
    }

    /** Rewrites the outermost {@code @Parallel} loops of a static void method; false if there are none it can split. */
    private static boolean splitLoop(MethodNode method) {
        boolean staticVoid = (method.access & Opcodes.ACC_STATIC) != 0
                && Type.getReturnType(method.desc) == Type.VOID_TYPE
                && (method.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) == 0;
        // A KernelContext kernel is already launched once per work-item; its loops stay as written.
        if (!staticVoid || method.desc.contains("/KernelContext;") || method.visibleLocalVariableAnnotations == null) {
            return false;
        }
        InsnList code = method.instructions;
        List<int[]> loops = new ArrayList<>(); // {variable, first instruction, end instruction}
        for (LocalVariableAnnotationNode annotation : method.visibleLocalVariableAnnotations) {
            if (!PARALLEL.contains(annotation.desc)) {
                continue;
            }
            for (int range = 0; range < annotation.index.size(); range++) {
                loops.add(new int[] {annotation.index.get(range),
                        code.indexOf(annotation.start.get(range)), code.indexOf(annotation.end.get(range))});
            }
        }
        List<int[]> outermost = new ArrayList<>();
        for (int[] loop : loops) {
            boolean nested = false;
            for (int[] other : loops) {
                if (other != loop && other[1] <= loop[1] && loop[2] <= other[2]
                        && (other[1] != loop[1] || other[2] != loop[2])) {
                    nested = true;
                }
            }
            if (!nested) {
                outermost.add(loop);
            }
        }
        List<AbstractInsnNode[]> edits = new ArrayList<>(); // {initial store, increment}
        for (int[] loop : outermost) {
            AbstractInsnNode store = initialStore(code, loop[0], loop[1]);
            AbstractInsnNode step = singleStep(code, loop[0], loop[1], loop[2]);
            if (store == null || step == null) {
                return false;
            }
            edits.add(new AbstractInsnNode[] {store, step});
        }
        if (edits.isEmpty()) {
            return false;
        }
        for (AbstractInsnNode[] edit : edits) {
            int variable = ((VarInsnNode) edit[0]).var;
            code.insertBefore(edit[0], new MethodInsnNode(Opcodes.INVOKESTATIC, LOOPS, "offset", "()I", false));
            code.insertBefore(edit[0], new InsnNode(Opcodes.IADD));
            InsnList step = new InsnList();
            step.add(new VarInsnNode(Opcodes.ILOAD, variable));
            step.add(new MethodInsnNode(Opcodes.INVOKESTATIC, LOOPS, "stride", "()I", false));
            step.add(new InsnNode(Opcodes.IADD));
            step.add(new VarInsnNode(Opcodes.ISTORE, variable));
            code.insert(edit[1], step);
            code.remove(edit[1]);
        }
        return true;
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

    /** The loop's only write of its variable inside its scope: an {@code iinc} by one. */
    private static AbstractInsnNode singleStep(InsnList code, int variable, int scopeStart, int scopeEnd) {
        AbstractInsnNode step = null;
        for (int at = scopeStart; at < scopeEnd; at++) {
            AbstractInsnNode insn = code.get(at);
            boolean writes = insn instanceof IincInsnNode inc && inc.var == variable
                    || insn instanceof VarInsnNode store && store.getOpcode() == Opcodes.ISTORE && store.var == variable;
            if (writes) {
                if (step != null || !(insn instanceof IincInsnNode inc) || inc.incr != 1) {
                    return null;
                }
                step = insn;
            }
        }
        return step;
    }

    /** {@code static void k(args) { ParallelLoops.run(<handle of k$parallel>, new Object[] {args}); }} */
    private static MethodNode launcher(ClassNode type, MethodNode kernel) {
        String[] exceptions = kernel.exceptions == null ? null : kernel.exceptions.toArray(String[]::new);
        MethodNode launcher = new MethodNode(kernel.access, kernel.name, kernel.desc, kernel.signature, exceptions);
        launcher.visibleAnnotations = kernel.visibleAnnotations;
        launcher.invisibleAnnotations = kernel.invisibleAnnotations;
        InsnList code = launcher.instructions;
        boolean isInterface = (type.access & Opcodes.ACC_INTERFACE) != 0;
        code.add(new LdcInsnNode(new Handle(Opcodes.H_INVOKESTATIC, type.name, kernel.name + BODY_SUFFIX,
                kernel.desc, isInterface)));
        Type[] parameters = Type.getArgumentTypes(kernel.desc);
        code.add(new IntInsnNode(Opcodes.SIPUSH, parameters.length));
        code.add(new TypeInsnNode(Opcodes.ANEWARRAY, "java/lang/Object"));
        int slot = 0;
        for (int index = 0; index < parameters.length; index++) {
            Type parameter = parameters[index];
            code.add(new InsnNode(Opcodes.DUP));
            code.add(new IntInsnNode(Opcodes.SIPUSH, index));
            code.add(new VarInsnNode(parameter.getOpcode(Opcodes.ILOAD), slot));
            box(code, parameter);
            code.add(new InsnNode(Opcodes.AASTORE));
            slot += parameter.getSize();
        }
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, LOOPS, "run",
                "(Ljava/lang/invoke/MethodHandle;[Ljava/lang/Object;)V", false));
        code.add(new InsnNode(Opcodes.RETURN));
        return launcher; // maxStack and maxLocals: computed by the ClassWriter (COMPUTE_MAXS)
    }

    private static void box(InsnList code, Type type) {
        String boxed = switch (type.getSort()) {
            case Type.BOOLEAN -> "java/lang/Boolean";
            case Type.BYTE -> "java/lang/Byte";
            case Type.CHAR -> "java/lang/Character";
            case Type.SHORT -> "java/lang/Short";
            case Type.INT -> "java/lang/Integer";
            case Type.LONG -> "java/lang/Long";
            case Type.FLOAT -> "java/lang/Float";
            case Type.DOUBLE -> "java/lang/Double";
            default -> null;
        };
        if (boxed != null) {
            code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, boxed, "valueOf",
                    "(" + type.getDescriptor() + ")L" + boxed + ";", false));
        }
    }
}
