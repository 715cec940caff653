package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.runtime.tornado.TornadoSupport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * What TornadoVM can compile, checked on the bytecode javac made of every sample's kernels:
 * no object or array allocation, no exceptions thrown, no locks, no lambdas, no writes to
 * fields, no recursion, and calls only to TornadoMath, the array types' accessors (and a
 * HalfFloat's getFloat32), the KernelContext's barriers and local arrays, Integer.intValue
 * (reading a KernelContext id), and the class's own static helpers.
 */
class KernelBytecodeTest {
    private static final String API = "uk/ac/manchester/tornado/api/";
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            API + "types/arrays/FloatArray", Set.of("get", "set", "getSize"),
            API + "types/arrays/IntArray", Set.of("get", "set", "getSize"),
            // FP16 weights: TornadoVM compiles get(i).getFloat32() into a half load and a widening conversion.
            API + "types/arrays/HalfFloatArray", Set.of("get"),
            API + "types/HalfFloat", Set.of("getFloat32"),
            API + "KernelContext", Set.of("localBarrier", "globalBarrier", "allocateFloatLocalArray", "allocateIntLocalArray"),
            "java/lang/Integer", Set.of("intValue"));

    @TestFactory
    Stream<DynamicTest> everySamplesKernelsAreCompilableByTornadoVM() {
        return Repo.samples().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
            TornadoCompiled compiled = TornadoCompiled.sample(path.getParent().getFileName().toString());
            String name = compiled.generated.className().replace('.', '/');
            List<String> problems = check(compiled.bytes.get(compiled.generated.className()), name);
            assertEquals(List.of(), problems, "kernels of " + path);
        }));
    }

    /** The device corpus's models too: their masks and shapes reach code the samples do not. */
    @TestFactory
    Stream<DynamicTest> everyCorpusModelsKernelsAreCompilableByTornadoVM() {
        return DeviceCorpusTest.corpus().stream().map(entry -> DynamicTest.dynamicTest(entry.name(), () -> {
            TornadoCompiled compiled = TornadoCompiled.source(entry.path().toString(), Repo.read(entry.path()));
            String name = compiled.generated.className().replace('.', '/');
            List<String> problems = check(compiled.bytes.get(compiled.generated.className()), name);
            assertEquals(List.of(), problems, "kernels of " + entry.path());
        }));
    }

    /**
     * On the JVM, a class whose KernelContext kernels cannot be made resumable at their barriers
     * still runs, but with a thread per work-item, about ten times slower: every sample's must be.
     */
    @TestFactory
    Stream<DynamicTest> everySamplesWorkGroupsRunInPhasesOnTheJvm() {
        return Repo.samples().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
            TornadoCompiled compiled = TornadoCompiled.sample(path.getParent().getFileName().toString());
            byte[] onJvm = TornadoSupport.remapToJvm(compiled.bytes.get(compiled.generated.className()));
            List<String> marks = new ArrayList<>();
            new ClassReader(onJvm).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                        String[] exceptions) {
                    return new MethodVisitor(Opcodes.ASM9) {
                        @Override
                        public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                            if (owner.endsWith("/KernelPhases") && method.equals("launchInPhases")) {
                                marks.add(name);
                            }
                        }
                    };
                }
            }, 0);
            assertFalse(marks.isEmpty(), path + ": its KernelContext tasks would run a thread per work-item");
        }));
    }

    /** The check itself must catch what it claims to: a kernel that allocates, throws and recurses. */
    @Test
    void theCheckRejectsWhatTornadoVMRejects() {
        TornadoCompiled bad = TornadoCompiled.source("bad.attn", """
                model Small {
                  dim T <= 8
                  input x : [T, 4]
                  y = relu(x)
                  output y
                }
                """);
        String name = bad.generated.className().replace('.', '/');
        List<String> clean = check(bad.bytes.get(bad.generated.className()), name);
        assertEquals(List.of(), clean);
        List<String> found = new ArrayList<>();
        Kernel kernel = new Kernel("broken", name);
        kernel.visitTypeInsn(Opcodes.NEW, "java/lang/Object");
        kernel.visitInsn(Opcodes.ATHROW);
        kernel.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Math", "exp", "(D)D", false);
        kernel.visitMethodInsn(Opcodes.INVOKESTATIC, name, "broken", "()V", false);
        kernel.visitInsn(Opcodes.I2L);
        kernel.visitInsn(Opcodes.IUSHR);
        kernel.problems(found, Map.of("broken", kernel));
        assertTrue(found.stream().anyMatch(p -> p.contains("allocates")), found.toString());
        assertTrue(found.stream().anyMatch(p -> p.contains("throws")), found.toString());
        assertTrue(found.stream().anyMatch(p -> p.contains("java/lang/Math.exp")), found.toString());
        assertTrue(found.stream().anyMatch(p -> p.contains("recursion")), found.toString());
        assertTrue(found.stream().anyMatch(p -> p.contains("i2l")), found.toString());
        assertTrue(found.stream().anyMatch(p -> p.contains(">>>")), found.toString());
    }

    /** Kernels: static methods taking a FloatArray, IntArray or KernelContext, and the static helpers they call. */
    static List<String> check(byte[] bytes, String className) {
        Map<String, Kernel> methods = new HashMap<>();
        Set<String> kernels = new HashSet<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                if ((access & Opcodes.ACC_STATIC) == 0 || name.equals("<clinit>") || name.startsWith("lambda$")) {
                    return null;
                }
                Kernel kernel = new Kernel(name, className);
                methods.put(name, kernel);
                // Host helpers may take other API types (resize takes a WorkerGrid2D); kernels take data or a context.
                if (descriptor.contains("L" + API + "types/arrays/") || descriptor.contains("L" + API + "KernelContext;")) {
                    kernels.add(name);
                }
                return kernel;
            }
        }, 0);
        assertFalse(kernels.isEmpty(), "no kernels found in " + className);
        List<String> problems = new ArrayList<>();
        for (String kernel : kernels) {
            methods.get(kernel).problems(problems, methods);
        }
        return problems;
    }

    /** One method's instructions, as far as TornadoVM cares. */
    static final class Kernel extends MethodVisitor {
        final String name;
        final String owner;
        final List<String> problems = new ArrayList<>();
        final Set<String> calls = new HashSet<>();

        Kernel(String name, String owner) {
            super(Opcodes.ASM9);
            this.name = name;
            this.owner = owner;
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
            if (opcode == Opcodes.NEW || opcode == Opcodes.ANEWARRAY) {
                problems.add(name + " allocates a " + type);
            }
        }

        @Override
        public void visitIntInsn(int opcode, int operand) {
            if (opcode == Opcodes.NEWARRAY) {
                problems.add(name + " allocates an array");
            }
        }

        @Override
        public void visitMultiANewArrayInsn(String descriptor, int dimensions) {
            problems.add(name + " allocates an array");
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.ATHROW) {
                problems.add(name + " throws");
            } else if (opcode == Opcodes.MONITORENTER || opcode == Opcodes.MONITOREXIT) {
                problems.add(name + " locks");
            } else if (opcode == Opcodes.I2L) {
                // TornadoVM 5.2.0 emits the widening of an int Graal proves non-negative as a
                // zero extension typed ulong in OpenCL: max(0L, it) is rejected by PoCL, and
                // comparisons of it are unsigned (mask_and_or, mask_not_mixed).
                problems.add(name + " widens an int to a long (i2l)");
            } else if (opcode == Opcodes.IUSHR || opcode == Opcodes.LUSHR) {
                // TornadoVM 5.2.0 writes Java's >>> as OpenCL's >>, an arithmetic shift on signed values.
                problems.add(name + " shifts right unsigned (>>>)");
            }
        }

        @Override
        public void visitFieldInsn(int opcode, String fieldOwner, String field, String descriptor) {
            if (opcode == Opcodes.PUTFIELD || opcode == Opcodes.PUTSTATIC) {
                problems.add(name + " writes field " + field);
            } else if (opcode == Opcodes.GETFIELD && !fieldOwner.equals(API + "KernelContext")) {
                problems.add(name + " reads field " + fieldOwner + "." + field);
            } else if (opcode == Opcodes.GETSTATIC && !fieldOwner.equals(owner)) {
                problems.add(name + " reads static " + fieldOwner + "." + field);
            }
        }

        @Override
        public void visitInvokeDynamicInsn(String method, String descriptor, Handle bootstrap, Object... arguments) {
            problems.add(name + " uses invokedynamic (" + method + ")");
        }

        @Override
        public void visitMethodInsn(int opcode, String callee, String method, String descriptor, boolean isInterface) {
            if (callee.equals(owner) && opcode == Opcodes.INVOKESTATIC) {
                calls.add(method);
            } else if (callee.equals(API + "math/TornadoMath")) {
                // allowed
            } else if (!ALLOWED.getOrDefault(callee, Set.of()).contains(method)) {
                problems.add(name + " calls " + callee + "." + method);
            }
        }

        /** This method's problems and its callees', and recursion anywhere below it. */
        void problems(List<String> found, Map<String, Kernel> methods) {
            walk(found, methods, new ArrayList<>(), new HashSet<>());
        }

        private void walk(List<String> found, Map<String, Kernel> methods, List<String> path, Set<String> done) {
            if (path.contains(name)) {
                found.add("recursion: " + String.join(" -> ", path) + " -> " + name);
                return;
            }
            if (!done.add(name)) {
                return;
            }
            found.addAll(problems);
            path.add(name);
            for (String callee : calls) {
                Kernel next = methods.get(callee);
                if (next == null) {
                    found.add(name + " calls a missing method " + callee);
                } else {
                    next.walk(found, methods, path, done);
                }
            }
            path.remove(path.size() - 1);
        }
    }
}
