package dev.attnc.runtime.tornado.jvm;

import dev.attnc.runtime.tornado.jvm.TornadoFunctions.*;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A named list of data transfers and tasks, as TornadoVM's {@code TaskGraph}. On the JVM it only
 * records them: {@link #snapshot()} freezes a copy that a {@link TornadoExecutionPlan} runs.
 * A task id must be unique within its graph.
 */
public class TaskGraph implements TaskGraphInterface {

    private final String taskGraphName;
    private final List<JvmTask> tasks = new ArrayList<>();
    private final List<Transfer> transfers = new ArrayList<>();
    private final Set<String> taskNames = new HashSet<>();

    public TaskGraph(String name) {
        this.taskGraphName = Objects.requireNonNull(name, "name");
    }

    @Override
    public TaskGraph task(String id, Task code) {
        return addTask(id, code, args -> code.apply());
    }

    @Override
    public <T1> TaskGraph task(String id, Task1<T1> code, T1 arg1) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0)), arg1);
    }

    @Override
    public <T1, T2> TaskGraph task(String id, Task2<T1, T2> code, T1 arg1, T2 arg2) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1)), arg1, arg2);
    }

    @Override
    public <T1, T2, T3> TaskGraph task(String id, Task3<T1, T2, T3> code, T1 arg1, T2 arg2, T3 arg3) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2)), arg1, arg2, arg3);
    }

    @Override
    public <T1, T2, T3, T4> TaskGraph task(String id, Task4<T1, T2, T3, T4> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3)), arg1, arg2, arg3, arg4);
    }

    @Override
    public <T1, T2, T3, T4, T5> TaskGraph task(String id, Task5<T1, T2, T3, T4, T5> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4)), arg1, arg2, arg3, arg4, arg5);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6> TaskGraph task(String id, Task6<T1, T2, T3, T4, T5, T6> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5)), arg1, arg2, arg3, arg4, arg5, arg6);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7> TaskGraph task(String id, Task7<T1, T2, T3, T4, T5, T6, T7> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6)), arg1, arg2, arg3, arg4, arg5, arg6, arg7);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8> TaskGraph task(String id, Task8<T1, T2, T3, T4, T5, T6, T7, T8> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9> TaskGraph task(String id, Task9<T1, T2, T3, T4, T5, T6, T7, T8, T9> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> TaskGraph task(String id, Task10<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> TaskGraph task(String id, Task11<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9), JvmTask.arg(args, 10)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> TaskGraph task(String id, Task12<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9), JvmTask.arg(args, 10), JvmTask.arg(args, 11)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> TaskGraph task(String id, Task13<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12, T13 arg13) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9), JvmTask.arg(args, 10), JvmTask.arg(args, 11), JvmTask.arg(args, 12)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> TaskGraph task(String id, Task14<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12, T13 arg13, T14 arg14) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9), JvmTask.arg(args, 10), JvmTask.arg(args, 11), JvmTask.arg(args, 12), JvmTask.arg(args, 13)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13, arg14);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> TaskGraph task(String id, Task15<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12, T13 arg13, T14 arg14, T15 arg15) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9), JvmTask.arg(args, 10), JvmTask.arg(args, 11), JvmTask.arg(args, 12), JvmTask.arg(args, 13), JvmTask.arg(args, 14)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13, arg14, arg15);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16> TaskGraph task(String id, Task16<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12, T13 arg13, T14 arg14, T15 arg15, T16 arg16) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9), JvmTask.arg(args, 10), JvmTask.arg(args, 11), JvmTask.arg(args, 12), JvmTask.arg(args, 13), JvmTask.arg(args, 14), JvmTask.arg(args, 15)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13, arg14, arg15, arg16);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17> TaskGraph task(String id, Task17<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12, T13 arg13, T14 arg14, T15 arg15, T16 arg16, T17 arg17) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9), JvmTask.arg(args, 10), JvmTask.arg(args, 11), JvmTask.arg(args, 12), JvmTask.arg(args, 13), JvmTask.arg(args, 14), JvmTask.arg(args, 15), JvmTask.arg(args, 16)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13, arg14, arg15, arg16, arg17);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18> TaskGraph task(String id, Task18<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12, T13 arg13, T14 arg14, T15 arg15, T16 arg16, T17 arg17, T18 arg18) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9), JvmTask.arg(args, 10), JvmTask.arg(args, 11), JvmTask.arg(args, 12), JvmTask.arg(args, 13), JvmTask.arg(args, 14), JvmTask.arg(args, 15), JvmTask.arg(args, 16), JvmTask.arg(args, 17)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13, arg14, arg15, arg16, arg17, arg18);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19> TaskGraph task(String id, Task19<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12, T13 arg13, T14 arg14, T15 arg15, T16 arg16, T17 arg17, T18 arg18, T19 arg19) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9), JvmTask.arg(args, 10), JvmTask.arg(args, 11), JvmTask.arg(args, 12), JvmTask.arg(args, 13), JvmTask.arg(args, 14), JvmTask.arg(args, 15), JvmTask.arg(args, 16), JvmTask.arg(args, 17), JvmTask.arg(args, 18)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13, arg14, arg15, arg16, arg17, arg18, arg19);
    }

    @Override
    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20> TaskGraph task(String id, Task20<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12, T13 arg13, T14 arg14, T15 arg15, T16 arg16, T17 arg17, T18 arg18, T19 arg19, T20 arg20) {
        return addTask(id, code, args -> code.apply(JvmTask.arg(args, 0), JvmTask.arg(args, 1), JvmTask.arg(args, 2), JvmTask.arg(args, 3), JvmTask.arg(args, 4), JvmTask.arg(args, 5), JvmTask.arg(args, 6), JvmTask.arg(args, 7), JvmTask.arg(args, 8), JvmTask.arg(args, 9), JvmTask.arg(args, 10), JvmTask.arg(args, 11), JvmTask.arg(args, 12), JvmTask.arg(args, 13), JvmTask.arg(args, 14), JvmTask.arg(args, 15), JvmTask.arg(args, 16), JvmTask.arg(args, 17), JvmTask.arg(args, 18), JvmTask.arg(args, 19)), arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13, arg14, arg15, arg16, arg17, arg18, arg19, arg20);
    }

    @Override
    public String getTaskGraphName() {
        return taskGraphName;
    }

    @Override
    public TaskGraph transferToDevice(final int mode, Object... objects) {
        transfers.add(Transfer.of(Transfer.Kind.TO_DEVICE, mode, taskGraphName, objects));
        return this;
    }

    @Override
    public TaskGraph consumeFromDevice(String uniqueTaskGraphName, Object... objects) {
        transfers.add(Transfer.of(Transfer.Kind.CONSUME_FROM_DEVICE, DataTransferMode.FIRST_EXECUTION,
                Objects.requireNonNull(uniqueTaskGraphName, "uniqueTaskGraphName"), objects));
        return this;
    }

    /** Without a name: TornadoVM takes them from whichever graph of the plan ran last. */
    @Override
    public TaskGraph consumeFromDevice(Object... objects) {
        transfers.add(Transfer.of(Transfer.Kind.CONSUME_FROM_DEVICE, DataTransferMode.FIRST_EXECUTION, null, objects));
        return this;
    }

    @Override
    public TaskGraph transferToHost(final int mode, Object... objects) {
        transfers.add(Transfer.of(Transfer.Kind.TO_HOST, mode, taskGraphName, objects));
        return this;
    }

    /** As TornadoVM: a transfer to the host {@link DataTransferMode#UNDER_DEMAND}. */
    @Override
    public TaskGraph persistOnDevice(Object... objects) {
        return transferToHost(DataTransferMode.UNDER_DEMAND, objects);
    }

    @Override
    public ImmutableTaskGraph snapshot() {
        return new ImmutableTaskGraph(taskGraphName, List.copyOf(tasks), List.copyOf(transfers));
    }

    private TaskGraph addTask(String id, Object code, JvmTask.Invoker invoker, Object... args) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(code, "code");
        if (!taskNames.add(id)) {
            throw new IllegalArgumentException("task graph '" + taskGraphName + "' already has a task '" + id
                    + "': TornadoVM needs a different name for each task within a TaskGraph");
        }
        tasks.add(new JvmTask(id, invoker, args.clone()));
        return this;
    }
}
