package dev.attnc.compiler.codegen.tornadovm;

import com.palantir.javapoet.MethodSpec;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.IdRanges;
import dev.attnc.compiler.codegen.RunTimeNumbers;
import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Param;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * TornadoVM tasks for tensor math outside attention: abs, powers, min, max, comparisons,
 * {@code where}, reductions over one dim (optionally masked), whole-number arithmetic on int
 * tensors ({@code arange(T) + 2}) and numbers known only at run time ({@code log(T)}, one small
 * kernel each, reading the call's dims). Elementwise values are rank 0 to 2, as for the other
 * elementwise kernels of this backend; reductions take rank 1 to 3.
 */
final class TensorMathTasks {
    /** What the model writer provides: tasks, grids and the places of values. */
    interface Host {
        String task(Node node, String kernel, Map<String, Long> layers, String base, String args);

        void featureGrid(String taskId, Dim width, Dim rows);

        String array(Node value, Map<String, Long> layers);

        String at(Node value);

        long stride(Node value, int axis);

        /** A size as the kernels take it: a constant, or a run-time dim's slot in dims. */
        String rows(Dim dim);

        long largest(Dim dim);

        String unique(String name);

        /** Marks a library method (a helper such as {@code math}) as called, so that it is emitted. */
        void use(String kernel);
    }

    private static final String NEW_CONTEXT = "new " + TornadoKernels.KERNEL_CONTEXT.simpleName() + "()";

    private final Host host;
    private final List<MethodSpec> kernels = new ArrayList<>();

    TensorMathTasks(Host host) {
        this.host = host;
    }

    static boolean handles(Node node) {
        return switch (node.op()) {
            case NUMBER, ABS, POW, MINIMUM, MAXIMUM, COMPARE, WHERE, REDUCE -> true;
            case ADD, SUB, MUL -> node.type().dtype() == DType.INT;
            default -> false;
        };
    }

    /** The kernels made for this model's run-time numbers. */
    List<MethodSpec> kernels() {
        return kernels;
    }

    void emit(Node node, Map<String, Long> layers, String base) {
        if (node.op() == Op.NUMBER) {
            number(node, layers, base);
            return;
        }
        if (node.op() == Op.REDUCE) {
            reduce(node, layers, base);
            return;
        }
        if (node.type().rank() > 2) {
            throw new CodegenException(node.op().spelling() + " of a rank-" + node.type().rank()
                    + " tensor is not supported by the TornadoVM backend yet");
        }
        Map<String, String> a = node.attrs();
        if (node.op() == Op.WHERE) {
            where(node, layers, base);
            return;
        }
        boolean numberLeft = "left".equals(a.get("scalar_side"));
        if (node.type().dtype() == DType.INT) {
            String function = switch (node.op()) {
                case ADD -> "add";
                case SUB -> numberLeft ? "scalar_sub" : "sub";
                case MUL -> "mul";
                case MINIMUM -> "min";
                default -> "max";
            };
            int code = TornadoKernels.INT_FUNCTIONS.get(function);
            if (a.containsKey("scalar")) {
                map(node, "mapInts", code, Long.toString((long) Double.parseDouble(a.get("scalar"))), layers, base);
            } else {
                combine(node, "combineInts", code, layers, base);
            }
            return;
        }
        String function = switch (node.op()) {
            case ABS -> "abs";
            case POW -> numberLeft ? "scalar_pow" : "pow";
            case MINIMUM -> "min";
            case MAXIMUM -> "max";
            default -> numberLeft ? mirrored(a.get("cmp")) : a.get("cmp");
        };
        int code = TornadoKernels.MATH_FUNCTIONS.get(function);
        if (node.op() == Op.ABS) {
            map(node, "mathMap", code, "0f", layers, base);
        } else if (a.containsKey("scalar")) {
            map(node, "mathMap", code, floatLiteral(a.get("scalar")), layers, base);
        } else {
            combine(node, "mathCombine", code, layers, base);
        }
    }

    /** {@code 2 < x} is {@code x > 2}: the comparison seen from the tensor's side. */
    private static String mirrored(String cmp) {
        return switch (cmp) {
            case "<" -> ">";
            case "<=" -> ">=";
            case ">" -> "<";
            case ">=" -> "<=";
            default -> cmp;
        };
    }

    private void map(Node node, String kernel, int code, String number, Map<String, Long> layers, String base) {
        Node in = node.input(0);
        String id = host.task(node, kernel, layers, base, join(NEW_CONTEXT, operand(in, node, layers), Integer.toString(code), number,
                host.array(node, layers), host.at(node), rowStride(node), "dims", rowsAndCols(node)));
        grid(id, node);
        helpers(kernel);
    }

    private void combine(Node node, String kernel, int code, Map<String, Long> layers, String base) {
        String id = host.task(node, kernel, layers, base, join(NEW_CONTEXT, operand(node.input(0), node, layers),
                operand(node.input(1), node, layers), Integer.toString(code), host.array(node, layers), host.at(node), rowStride(node),
                "dims", rowsAndCols(node)));
        grid(id, node);
        helpers(kernel);
    }

    /** {@code where(c, a, b)}: three tensors, or a tensor and a number, or two numbers (attrs "a", "b"). */
    private void where(Node node, Map<String, Long> layers, String base) {
        Map<String, String> a = node.attrs();
        String cond = operand(node.input(0), node, layers);
        String out = join(host.array(node, layers), host.at(node), rowStride(node), "dims", rowsAndCols(node));
        String id;
        if (a.containsKey("a") && a.containsKey("b")) {
            id = host.task(node, "whereNumbers", layers, base, join(NEW_CONTEXT, cond, floatLiteral(a.get("a")), floatLiteral(a.get("b")),
                    out));
        } else if (a.containsKey("a") || a.containsKey("b")) {
            boolean numberFirst = a.containsKey("a");
            id = host.task(node, "whereNumber", layers, base, join(NEW_CONTEXT, cond, operand(node.input(1), node, layers),
                    floatLiteral(a.get(numberFirst ? "a" : "b")), numberFirst ? "1" : "0", out));
        } else {
            id = host.task(node, "where", layers, base, join(NEW_CONTEXT, cond, operand(node.input(1), node, layers),
                    operand(node.input(2), node, layers), out));
        }
        grid(id, node);
    }

    /**
     * sum, mean, max, min over one axis of a rank-1 to rank-3 tensor: the result's elements as a
     * rows x cols grid (the input's other axes), the reduced axis as a count and a step.
     */
    private void reduce(Node node, Map<String, Long> layers, String base) {
        Node in = node.input(0);
        int axis = Integer.parseInt(node.attr("dim"));
        int rank = in.type().rank();
        if (rank > 3) {
            throw new CodegenException(node.attr("reduce") + " of a rank-" + rank + " tensor is not supported by the TornadoVM backend yet");
        }
        boolean keep = "true".equals(node.attr("keepdim"));
        List<Integer> kept = new ArrayList<>();
        for (int d = 0; d < rank; d++) {
            if (d != axis) {
                kept.add(d);
            }
        }
        List<Integer> outAxes = new ArrayList<>();
        for (int d = 0; d < node.type().rank(); d++) {
            if (!(keep && d == axis)) {
                outAxes.add(d);
            }
        }
        Dim rows = Dim.of(1);
        Dim cols = Dim.of(1);
        long inRow = 0;
        long inCol = 0;
        long outRow = 0;
        long outCol = 0;
        if (!kept.isEmpty()) {
            int colAxis = kept.get(kept.size() - 1);
            cols = in.type().dim(colAxis);
            inCol = host.stride(in, colAxis);
            outCol = host.stride(node, outAxes.get(outAxes.size() - 1));
        }
        if (kept.size() >= 2) {
            int rowAxis = kept.get(kept.size() - 2);
            rows = in.type().dim(rowAxis);
            inRow = host.stride(in, rowAxis);
            outRow = host.stride(node, outAxes.get(outAxes.size() - 2));
        }
        int op = List.of("sum", "mean", "max", "min").indexOf(node.attr("reduce"));
        String input = join(host.array(in, layers), host.at(in), Long.toString(inRow), Long.toString(inCol),
                Long.toString(host.stride(in, axis)));
        boolean masked = node.inputs().size() == 2;
        String mask = "";
        if (masked) {
            Node m = node.input(1);
            mask = join(host.array(m, layers), host.at(m), Long.toString(host.stride(m, 0))) + ", ";
        }
        String id = host.task(node, masked ? "reduceMasked" : "reduce", layers, base, join(NEW_CONTEXT, input) + ", " + mask
                + join(host.array(node, layers), host.at(node), Long.toString(outRow), Long.toString(outCol), "dims", host.rows(rows),
                        host.rows(cols), host.rows(in.type().dim(axis)), Integer.toString(op)));
        host.featureGrid(id, cols, rows);
    }

    /** A number known at run time: a one-work-item kernel of its own computes it from the call's dims. */
    private void number(Node node, Map<String, Long> layers, String base) {
        String name = host.unique("number_" + (node.name().isEmpty() ? Integer.toString(node.id()) : node.name()));
        String value = RunTimeNumbers.java(node.exprs().get("value"), dim -> "rows(dims, " + host.rows(Dim.symbol(dim)) + ")", true);
        kernels.add(TornadoKernels.kernel(name, "A number known only when the model runs, computed once per call from its dims.",
                "KernelContext context, FloatArray out, int outAt, IntArray dims",
                "if (context.globalIdx == 0) {\n    out.set(outAt, " + value + ");\n}\n"));
        String id = host.task(node, name, layers, base, join(NEW_CONTEXT, host.array(node, layers), host.at(node), "dims"));
        host.featureGrid(id, Dim.of(1), Dim.of(1));
    }

    /**
     * Ids computed on the device ({@code arange(T) + 2}) are read by a kernel that cannot throw:
     * they must be proved inside the table for every length the model accepts.
     */
    void requireIdsInside(Node embedding, Param param) {
        Node ids = embedding.input(0);
        long rows = Long.parseLong(param.attrs().get("count"));
        IdRanges.Range range = IdRanges.of(ids, host::largest);
        if (range == null) {
            throw new CodegenException("the ids of embedding `" + param.name() + "` are computed from an input, and a TornadoVM kernel"
                    + " cannot check them against the table's " + rows + " rows; compute them on the host and pass them as an input");
        }
        if (!range.inside(rows)) {
            String text = embedding.span().file().text().substring(embedding.span().start(), embedding.span().end())
                    .replaceAll("\\s+", " ");
            throw new CodegenException("ids of `" + text + "` reach " + (range.low() < 0 ? range.low() : range.high())
                    + " but embedding `" + param.name() + "` has rows 0 to " + (rows - 1) + "; bound the dim or change the ids");
        }
    }

    // ---------------------------------------------------------------- operands

    /** "array, at, rowStride, colStride" of an operand broadcast to {@code node}'s rank-0 to rank-2 shape. */
    private String operand(Node input, Node node, Map<String, Long> layers) {
        int rank = node.type().rank();
        int shift = rank - input.type().rank();
        String[] strides = {"0", "0"};
        for (int axis = 0; axis < rank; axis++) {
            int inputAxis = axis - shift;
            boolean broadcast = inputAxis < 0 || input.type().shape().get(inputAxis).equals(Dim.of(1))
                    && !node.type().shape().get(axis).equals(Dim.of(1));
            strides[axis == rank - 1 ? 1 : 0] = broadcast ? "0" : Long.toString(host.stride(input, inputAxis));
        }
        return join(host.array(input, layers), host.at(input), strides[0], strides[1]);
    }

    private String rowStride(Node node) {
        return node.type().rank() == 2 ? Long.toString(host.stride(node, 0)) : "0";
    }

    private String rowsAndCols(Node node) {
        int rank = node.type().rank();
        return join(rank == 2 ? host.rows(node.type().dim(0)) : "1", rank == 0 ? "1" : host.rows(node.type().last()));
    }

    private void grid(String taskId, Node node) {
        int rank = node.type().rank();
        host.featureGrid(taskId, rank == 0 ? Dim.of(1) : node.type().last(), rank == 2 ? node.type().dim(0) : Dim.of(1));
    }

    /** mathMap and mathCombine call math(); mapInts and combineInts call whole(). */
    private void helpers(String kernel) {
        host.use(kernel.startsWith("math") ? "math" : "whole");
    }

    private static String floatLiteral(String number) {
        String text = Float.toString(Float.parseFloat(number));
        return (text.endsWith(".0") ? text.substring(0, text.length() - 2) : text) + "f";
    }

    private static String join(String... parts) {
        return String.join(", ", parts);
    }
}
