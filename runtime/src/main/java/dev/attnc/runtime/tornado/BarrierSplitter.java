package dev.attnc.runtime.tornado;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SimpleVerifier;

/**
 * Makes the {@code KernelContext} kernels of a class resumable at their barriers, so that the
 * JVM launcher can run a work-group's items one after another on one thread, phase by phase,
 * instead of a thread per item (see {@code KernelPhases}). Runs on classes already rewritten
 * onto {@code dev.attnc.runtime.tornado.jvm}.
 *
 * <p>In a kernel with barriers, the call {@code context.localBarrier()} (or
 * {@code globalBarrier()}) number k becomes
 * <pre>
 * if (KernelPhases.suspend(context, k)) { save every local into context; return; }
 * </pre>
 * and the kernel starts with a switch on {@code KernelPhases.resumePoint(context)} that restores
 * the locals saved at barrier k and jumps right after it. {@code suspend} returns false, after
 * waiting at a real barrier, when the items run on threads, and at once outside a launch, so a
 * rewritten kernel behaves as before wherever it runs.
 *
 * <p>The contexts the class creates ({@code new KernelContext()}) are marked for launches in
 * phases, but only when every barrier of the class could be rewritten: each is a statement on
 * the kernel's own {@code KernelContext} parameter (never reassigned) with nothing else on the
 * operand stack, in a static void method without exception handlers that no other method of
 * the class calls. Otherwise the class is left as it was and its launches use a thread per item.
 */
final class BarrierSplitter {

    private static final String CONTEXT = ApiRemapper.JVM + "KernelContext";
    private static final String CONTEXT_DESC = "L" + CONTEXT + ";";
    private static final String PHASES = ApiRemapper.JVM + "KernelPhases";

    /** One rewritable method: its context parameter's slot, and per barrier the call and the locals live there. */
    private record Plan(MethodNode method, int contextSlot, List<MethodInsnNode> barriers, List<List<Local>> locals) {
    }

    private record Local(int slot, Type type) {
    }

    private BarrierSplitter() {
    }

    /**
     * Rewrites the barrier kernels of {@code type} in place and marks the contexts it creates;
     * false, with nothing changed, if some barrier cannot be rewritten. Kernels are rewritten
     * even in a class that creates no context, for launches from contexts made elsewhere.
     */
    static boolean split(ClassNode type) {
        Set<String> withBarriers = new HashSet<>();
        boolean createsContexts = false;
        for (MethodNode method : type.methods) {
            for (AbstractInsnNode insn : method.instructions) {
                if (isBarrier(insn)) {
                    withBarriers.add(method.name + method.desc);
                }
                createsContexts |= isContextConstructor(insn);
            }
        }
        List<Plan> plans = new ArrayList<>();
        for (MethodNode method : type.methods) {
            for (AbstractInsnNode insn : method.instructions) {
                // A barrier inside a called method cannot suspend its caller.
                if (insn instanceof MethodInsnNode call && call.owner.equals(type.name)
                        && withBarriers.contains(call.name + call.desc)) {
                    return false;
                }
            }
            if (withBarriers.contains(method.name + method.desc)) {
                Plan plan = plan(type, method);
                if (plan == null) {
                    return false;
                }
                if (!plan.barriers().isEmpty()) {
                    plans.add(plan);
                }
            }
        }
        for (Plan plan : plans) {
            rewrite(plan);
        }
        computeFrames(type, plans);
        if (createsContexts) {
            markContexts(type);
        }
        return true;
    }

    private static boolean isBarrier(AbstractInsnNode insn) {
        return insn instanceof MethodInsnNode call && "()V".equals(call.desc)
                && ("localBarrier".equals(call.name) || "globalBarrier".equals(call.name))
                && (call.owner.equals(CONTEXT) || call.owner.equals(ApiRemapper.JVM + "ExecutionContext"));
    }

    private static boolean isContextConstructor(AbstractInsnNode insn) {
        return insn instanceof MethodInsnNode call && call.getOpcode() == Opcodes.INVOKESPECIAL
                && call.owner.equals(CONTEXT) && "<init>".equals(call.name) && "()V".equals(call.desc);
    }

    private static Plan plan(ClassNode type, MethodNode method) {
        boolean staticVoid = (method.access & Opcodes.ACC_STATIC) != 0 && Type.getReturnType(method.desc) == Type.VOID_TYPE;
        if (!staticVoid || !method.tryCatchBlocks.isEmpty()) {
            return null;
        }
        int contextSlot = -1;
        int slot = 0;
        for (Type parameter : Type.getArgumentTypes(method.desc)) {
            if (parameter.getDescriptor().equals(CONTEXT_DESC)) {
                if (contextSlot >= 0) {
                    return null;
                }
                contextSlot = slot;
            }
            slot += parameter.getSize();
        }
        if (contextSlot < 0) {
            return null;
        }
        for (AbstractInsnNode insn : method.instructions) {
            if (insn instanceof VarInsnNode store && store.getOpcode() == Opcodes.ASTORE && store.var == contextSlot) {
                return null;
            }
        }
        Frame<BasicValue>[] frames;
        try {
            frames = new Analyzer<>(verifier(type)).analyze(type.name, method);
        } catch (AnalyzerException e) {
            return null;
        }
        List<MethodInsnNode> barriers = new ArrayList<>();
        List<List<Local>> locals = new ArrayList<>();
        for (AbstractInsnNode insn : method.instructions) {
            if (!isBarrier(insn)) {
                continue;
            }
            Frame<BasicValue> frame = frames[method.instructions.indexOf(insn)];
            if (frame == null) {
                continue; // unreachable: never runs
            }
            if (insn.getOpcode() != Opcodes.INVOKEVIRTUAL || frame.getStackSize() != 1
                    || !(previousInstruction(insn) instanceof VarInsnNode load)
                    || load.getOpcode() != Opcodes.ALOAD || load.var != contextSlot) {
                return null;
            }
            List<Local> live = new ArrayList<>();
            for (int local = 0; local < frame.getLocals(); local++) {
                Type localType = frame.getLocal(local).getType();
                if (localType != null && local != contextSlot) {
                    live.add(new Local(local, localType));
                }
            }
            barriers.add((MethodInsnNode) insn);
            locals.add(live);
        }
        return new Plan(method, contextSlot, barriers, locals);
    }

    private static SimpleVerifier verifier(ClassNode type) {
        List<Type> interfaces = new ArrayList<>();
        for (String name : type.interfaces) {
            interfaces.add(Type.getObjectType(name));
        }
        SimpleVerifier verifier = new SimpleVerifier(Opcodes.ASM9, Type.getObjectType(type.name),
                type.superName == null ? null : Type.getObjectType(type.superName), interfaces,
                (type.access & Opcodes.ACC_INTERFACE) != 0) {
            // The constructor taking an API version is protected.
        };
        verifier.setClassLoader(BarrierSplitter.class.getClassLoader());
        return verifier;
    }

    private static AbstractInsnNode previousInstruction(AbstractInsnNode insn) {
        AbstractInsnNode previous = insn.getPrevious();
        while (previous != null && previous.getOpcode() < 0) {
            previous = previous.getPrevious();
        }
        return previous;
    }

    private static void rewrite(Plan plan) {
        InsnList code = plan.method().instructions;
        int context = plan.contextSlot();
        InsnList prologue = new InsnList();
        LabelNode start = new LabelNode();
        LabelNode[] resumes = new LabelNode[plan.barriers().size()];
        InsnList restores = new InsnList();
        for (int k = 0; k < resumes.length; k++) {
            MethodInsnNode barrier = plan.barriers().get(k);
            List<Local> live = plan.locals().get(k);
            LabelNode after = new LabelNode();
            // The context is already on the stack, as the barrier's receiver.
            InsnList suspend = new InsnList();
            suspend.add(pushInt(k + 1));
            suspend.add(new MethodInsnNode(Opcodes.INVOKESTATIC, PHASES, "suspend", "(" + CONTEXT_DESC + "I)Z", false));
            suspend.add(new JumpInsnNode(Opcodes.IFEQ, after));
            for (Local local : live) {
                suspend.add(new VarInsnNode(Opcodes.ALOAD, context));
                suspend.add(pushInt(local.slot()));
                suspend.add(new VarInsnNode(local.type().getOpcode(Opcodes.ILOAD), local.slot()));
                suspend.add(new MethodInsnNode(Opcodes.INVOKESTATIC, PHASES, "save",
                        "(" + CONTEXT_DESC + "I" + storedDescriptor(local.type()) + ")V", false));
            }
            suspend.add(new InsnNode(Opcodes.RETURN));
            suspend.add(after);
            code.insert(barrier, suspend);
            code.remove(barrier);

            resumes[k] = new LabelNode();
            restores.add(resumes[k]);
            for (Local local : live) {
                if (local.type().getSort() == Type.OBJECT && "null".equals(local.type().getInternalName())) {
                    restores.add(new InsnNode(Opcodes.ACONST_NULL));
                } else {
                    String stored = storedDescriptor(local.type());
                    restores.add(new VarInsnNode(Opcodes.ALOAD, context));
                    restores.add(pushInt(local.slot()));
                    restores.add(new MethodInsnNode(Opcodes.INVOKESTATIC, PHASES, "restore" + restoredName(stored),
                            "(" + CONTEXT_DESC + "I)" + stored, false));
                    if (stored.equals("Ljava/lang/Object;")) {
                        restores.add(new TypeInsnNode(Opcodes.CHECKCAST, local.type().getInternalName()));
                    }
                }
                restores.add(new VarInsnNode(local.type().getOpcode(Opcodes.ISTORE), local.slot()));
            }
            restores.add(new JumpInsnNode(Opcodes.GOTO, after));
        }
        prologue.add(new VarInsnNode(Opcodes.ALOAD, context));
        prologue.add(new MethodInsnNode(Opcodes.INVOKESTATIC, PHASES, "resumePoint", "(" + CONTEXT_DESC + ")I", false));
        prologue.add(new TableSwitchInsnNode(1, resumes.length, start, resumes));
        prologue.add(restores);
        prologue.add(start);
        code.insert(prologue);
        // Frames are recomputed for the whole method (computeFrames).
        for (AbstractInsnNode insn : code.toArray()) {
            if (insn instanceof FrameNode) {
                code.remove(insn);
            }
        }
    }

    /** How a value of this type is passed to {@code KernelPhases.save}. */
    private static String storedDescriptor(Type type) {
        return switch (type.getSort()) {
            case Type.BOOLEAN, Type.BYTE, Type.CHAR, Type.SHORT, Type.INT -> "I";
            case Type.LONG -> "J";
            case Type.FLOAT -> "F";
            case Type.DOUBLE -> "D";
            default -> "Ljava/lang/Object;";
        };
    }

    private static String restoredName(String stored) {
        return switch (stored) {
            case "I" -> "Int";
            case "J" -> "Long";
            case "F" -> "Float";
            case "D" -> "Double";
            default -> "Object";
        };
    }

    private static AbstractInsnNode pushInt(int value) {
        return value <= Short.MAX_VALUE ? new IntInsnNode(Opcodes.SIPUSH, value) : new LdcInsnNode(value);
    }

    /** {@code new KernelContext()} becomes {@code KernelPhases.launchInPhases(new KernelContext())}. */
    private static void markContexts(ClassNode type) {
        for (MethodNode method : type.methods) {
            for (AbstractInsnNode insn : method.instructions.toArray()) {
                if (isContextConstructor(insn)) {
                    method.instructions.insert(insn, new MethodInsnNode(Opcodes.INVOKESTATIC, PHASES, "launchInPhases",
                            "(" + CONTEXT_DESC + ")" + CONTEXT_DESC, false));
                }
            }
        }
    }

    /**
     * Recomputes the stack map frames of the rewritten methods only: they are written alone into
     * a class of the same name, so ASM never needs the host code's types.
     */
    private static void computeFrames(ClassNode type, List<Plan> plans) {
        if (plans.isEmpty()) {
            return;
        }
        ClassNode shell = new ClassNode();
        shell.version = type.version;
        shell.access = type.access;
        shell.name = type.name;
        shell.superName = type.superName;
        shell.interfaces = type.interfaces;
        for (Plan plan : plans) {
            shell.methods.add(plan.method());
        }
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected ClassLoader getClassLoader() {
                return BarrierSplitter.class.getClassLoader();
            }
        };
        shell.accept(writer);
        ClassNode computed = new ClassNode();
        new ClassReader(writer.toByteArray()).accept(computed, 0);
        for (MethodNode method : computed.methods) {
            for (int i = 0; i < type.methods.size(); i++) {
                MethodNode old = type.methods.get(i);
                if (old.name.equals(method.name) && old.desc.equals(method.desc)) {
                    type.methods.set(i, method);
                }
            }
        }
    }
}
