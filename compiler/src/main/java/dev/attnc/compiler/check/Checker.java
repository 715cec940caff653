package dev.attnc.compiler.check;

import dev.attnc.compiler.ast.AttnFile;
import dev.attnc.compiler.ast.Expr;
import dev.attnc.compiler.ast.Name;
import dev.attnc.compiler.ast.ParamType;
import dev.attnc.compiler.ast.Stmt;
import dev.attnc.compiler.ast.TypeExpr;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.GraphBuilder;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Loop;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Param;
import dev.attnc.compiler.ir.Region;
import dev.attnc.compiler.ir.Scalar;
import dev.attnc.compiler.ir.TensorType;
import dev.attnc.runtime.weights.CheckpointMetadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The semantic check of a file: names, constants, shapes, op signatures, attention rules and
 * checkpoint names. Statements are checked in order; every problem is reported and checking
 * goes on, with a failed expression yielding {@code null} so that one mistake is reported
 * once. A model that checks clean comes out as an attention {@link dev.attnc.compiler.ir.Graph}.
 */
public final class Checker {
    static final String DEFAULT_REPEAT_INDEX = "layer";

    private final Diagnostics diagnostics;
    private final Set<Object> usedDecls = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Object> declaredForWarning = new ArrayList<>();
    private final Set<Stmt.Block> calledBlocks = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Blocks whose name was already taken: reported as duplicates, so not also as never called. */
    private final Set<Stmt.Block> duplicateBlocks = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** How deep {@link #value} calls are nested; 0 outside any expression (and in a block body). */
    private int valueDepth;

    // Per model being checked.
    private GraphBuilder graph;
    private final List<Region> scopePath = new ArrayList<>();
    private final List<Binding.RepeatIndex> repeats = new ArrayList<>();
    private final List<Stmt.Block> blockStack = new ArrayList<>();
    private final List<String> checkpointPrefixes = new ArrayList<>();
    private final Map<String, Span> checkpointNames = new LinkedHashMap<>();
    private final Map<String, Span> outputs = new LinkedHashMap<>();
    private final Map<String, Number> fileConstants = new LinkedHashMap<>();
    private final Map<String, Number> modelConstants = new LinkedHashMap<>();
    private final Map<String, Optional<Long>> runTimeDims = new LinkedHashMap<>();
    private final Map<String, Span> dimDeclarations = new LinkedHashMap<>();
    /** Whether the model being checked has an `output` line (or a `return` in its place), right or wrong. */
    private boolean outputWritten;
    /** Expressions and statements looked at in this file, blocks counted at each call: against {@link Limits#MAX_CHECK_WORK}. */
    private long work;
    /** The model's block call being expanded, when {@link #blockStack} is not empty. */
    private Span outermostCall;
    /** Characters of the block prefixes in {@link #checkpointPrefixes}, dots included. */
    private long prefixChars;
    /** The model's counts against {@link Limits}; each limit is reported once per model. */
    private ModelCounts counts;
    private Scope fileScope;
    private Scope modelScope;
    private final Modifiers modifiers;
    private final Ops ops;
    private final CheckpointMeta checkpointMeta;

    /** What the model being checked has used up of {@link Limits}. */
    private static final class ModelCounts {
        int steps;
        int inputs;
        int outputs;
        int declaredWeights;
        long weightArrays;
        long parameterFloats;
        final Set<String> reported = new HashSet<>();
    }

    /** Thrown past {@link Limits#MAX_CHECK_WORK}, after reporting it: checking the file stops. */
    private static final class CheckStopped extends RuntimeException {
        CheckStopped() {
            super(null, null, false, false);
        }
    }

    private Checker(Diagnostics diagnostics, CheckpointMetadata checkpoint) {
        this.diagnostics = diagnostics;
        this.modifiers = new Modifiers(diagnostics);
        this.ops = new Ops(this, modifiers, diagnostics);
        this.checkpointMeta = new CheckpointMeta(checkpoint, diagnostics);
    }

    /** Checks every model of a file, compiled without a checkpoint; the graphs of the models that checked clean. */
    public static List<CheckedModel> check(AttnFile file, Diagnostics diagnostics) {
        return check(file, diagnostics, null);
    }

    /**
     * Checks every model of a file against a checkpoint's metadata, which {@code meta(...)} and
     * {@code layout = checkpoint} read (null: no checkpoint, and reading it is an error).
     */
    public static List<CheckedModel> check(AttnFile file, Diagnostics diagnostics, CheckpointMetadata checkpoint) {
        return new Checker(diagnostics, checkpoint).checkFile(file);
    }

    CheckpointMeta checkpointMeta() {
        return checkpointMeta;
    }

    private List<CheckedModel> checkFile(AttnFile file) {
        try {
            return checkModels(file);
        } catch (CheckStopped stopped) {
            return List.of(); // reported where the work ran out; warnings would only be guesses now
        }
    }

    private List<CheckedModel> checkModels(AttnFile file) {
        fileScope = new Scope(null, true);
        List<Stmt.Model> models = new ArrayList<>();
        // Blocks, attention variants and models are visible throughout the file; constants in order.
        for (Stmt decl : file.decls()) {
            switch (decl) {
                case Stmt.Block block -> {
                    if (!declare(fileScope, block.name(), new Binding.Block(block, fileScope))) {
                        duplicateBlocks.add(block);
                    }
                }
                case Stmt.Attention spec -> declare(fileScope, spec.name(), new Binding.AttentionSpec(spec));
                case Stmt.Model model -> {
                    declare(fileScope, model.name(), new Binding.Model(model));
                    models.add(model);
                }
                default -> {
                }
            }
        }
        for (Stmt decl : file.decls()) {
            if (decl instanceof Stmt.Const constants) {
                constDecl(constants, fileScope);
            } else if (decl instanceof Stmt.Attention spec) {
                modifiers.checkSpecAlone(spec, fileScope);
            }
        }
        if (models.isEmpty()) {
            int end = file.source().text().isEmpty() ? 0 : 1;
            diagnostics.error(new Span(file.source(), 0, end), Messages.NO_MODEL);
        }
        List<CheckedModel> checked = new ArrayList<>();
        for (Stmt.Model model : models) {
            int errorsBefore = diagnostics.errorCount();
            graph = new GraphBuilder(model.name().text());
            checkpointNames.clear();
            outputs.clear();
            modelConstants.clear();
            modelConstants.putAll(fileConstants);
            runTimeDims.clear();
            dimDeclarations.clear();
            outputWritten = false;
            counts = new ModelCounts();
            modelScope = new Scope(fileScope, true);
            body(model.body(), modelScope, BodyKind.MODEL);
            if (!outputWritten) {
                diagnostics.error(model.name().span(), Messages.noOutput(model.name().text()));
            }
            dev.attnc.compiler.ir.Graph built = null;
            if (diagnostics.errorCount() == errorsBefore) {
                built = graph.build();
                Decoding.check(built, List.copyOf(runTimeDims.keySet()), diagnostics);
            }
            if (diagnostics.errorCount() == errorsBefore) {
                checked.add(new CheckedModel(model.name().text(), built, Map.copyOf(checkpointNames),
                        new LinkedHashMap<>(modelConstants), new LinkedHashMap<>(runTimeDims), Map.copyOf(dimDeclarations)));
            }
        }
        warnUnused(file);
        return checked;
    }

    /**
     * Unused params, inputs and blocks. A declaration counts as used when checking reaches a
     * use of it; where checking stops early, nothing is claimed: a declaration that failed (or
     * duplicated a name) already has its error, and the names of an expression that failed
     * are marked used all the same (see {@link #markReferenced}).
     */
    private void warnUnused(AttnFile file) {
        for (Object decl : declaredForWarning) {
            if (usedDecls.contains(decl)) {
                continue;
            }
            if (decl instanceof Stmt.Param param) {
                diagnostics.warning(param.name().span(), Messages.unusedParam(param.name().text()));
            } else if (decl instanceof Stmt.Input input) {
                diagnostics.warning(input.name().span(), Messages.unusedInput(input.name().text()));
            }
        }
        for (Stmt decl : file.decls()) {
            if (decl instanceof Stmt.Block block && !calledBlocks.contains(block) && !duplicateBlocks.contains(block)) {
                diagnostics.warning(block.name().span(), Messages.unusedBlock(block.name().text()));
            }
        }
    }

    // ---------------------------------------------------------------- statements

    enum BodyKind { MODEL, REPEAT, BLOCK }

    /** Checks a body; for a block, returns what its {@code return} gives. */
    private Value body(List<Stmt> stmts, Scope scope, BodyKind kind) {
        // Nested blocks and attention variants are visible in their whole body.
        for (Stmt stmt : stmts) {
            if (stmt instanceof Stmt.Block block) {
                if (!declare(scope, block.name(), new Binding.Block(block, scope))) {
                    duplicateBlocks.add(block);
                }
            } else if (stmt instanceof Stmt.Attention spec) {
                declare(scope, spec.name(), new Binding.AttentionSpec(spec));
            }
        }
        Value returned = null;
        for (int index = 0; index < stmts.size(); index++) {
            Stmt stmt = stmts.get(index);
            chargeRepeated(1, stmt.span());
            switch (stmt) {
                case Stmt.Const constants -> constDecl(constants, scope);
                case Stmt.Dim dims -> {
                    if (kind != BodyKind.MODEL) {
                        diagnostics.error(stmt.span(), Messages.misplaced("dim", "the model body"));
                    }
                    dimDecl(dims, scope); // declared all the same, so its uses do not fail as well
                }
                case Stmt.Input input -> {
                    if (kind != BodyKind.MODEL) {
                        diagnostics.error(stmt.span(), Messages.misplaced("input", "the model body"));
                    }
                    inputDecl(input, scope); // declared all the same, so its uses do not fail as well
                }
                case Stmt.Param param -> paramDecl(param, scope);
                case Stmt.Assign assign -> assign(assign, scope);
                case Stmt.Repeat repeat -> repeat(repeat, scope);
                case Stmt.Output output -> {
                    if (kind != BodyKind.BLOCK) {
                        outputWritten = true;
                    }
                    if (kind != BodyKind.MODEL) {
                        diagnostics.error(stmt.span(), Messages.misplaced("output", "the model body"));
                        for (Name name : output.names()) {
                            markReferenced(new Expr.Ref(name, name.span()), scope);
                        }
                    } else {
                        output(output, scope);
                    }
                }
                case Stmt.Return ret -> {
                    if (kind != BodyKind.BLOCK) {
                        // Meant as the model's output: one error for it, not "has no output" too.
                        diagnostics.error(stmt.span(), Messages.RETURN_OUTSIDE_BLOCK);
                        outputWritten = true;
                        returnValue(ret, scope);
                    } else {
                        if (index != stmts.size() - 1) {
                            diagnostics.error(stmts.get(index + 1).span(), Messages.AFTER_RETURN);
                        }
                        // Checked all the same: the block gives its value, and what it reads is used.
                        returned = returnValue(ret, scope);
                    }
                }
                case Stmt.Block block -> {
                    // Declared above; its body is checked at each call.
                }
                case Stmt.Attention spec -> modifiers.checkSpecAlone(spec, scope);
                case Stmt.Model model -> diagnostics.error(model.span(), Messages.misplaced("model", "the top level"));
            }
        }
        return returned;
    }

    /** Defines a name; false after reporting that the scope already has it. */
    private boolean declare(Scope scope, Name name, Binding binding) {
        Binding existing = scope.lookupLocal(name.text());
        if (existing != null && existing != binding) {
            if (existing.declared().equals(name.span())) {
                return true; // the same declaration seen again (a nested block declared in its body pass)
            }
            diagnostics.error(name.span(), Messages.duplicate(name.text(), existing.declared().line()));
            return false;
        }
        scope.define(name.text(), binding);
        return true;
    }

    private void constDecl(Stmt.Const constants, Scope scope) {
        for (Stmt.ConstItem item : constants.items()) {
            Value value = value(item.value(), scope);
            if (value == null) {
                // Define it anyway, so later uses do not report "unknown name" as well.
                scope.define(item.name().text(), new Binding.Var(null, item.name().span()));
                continue;
            }
            if (!(value instanceof Value.Num number)) {
                diagnostics.error(item.value().span(), Messages.constNotConstant(item.name().text(), describe(value)));
                scope.define(item.name().text(), new Binding.Var(null, item.name().span()));
                continue;
            }
            declare(scope, item.name(), new Binding.Constant(number, item.name().span()));
            if (scope == fileScope || scope == modelScope) {
                Number folded = number.isInt() ? (Number) number.asLong() : (Number) number.value();
                (scope == fileScope ? fileConstants : modelConstants).putIfAbsent(item.name().text(), folded);
            }
        }
    }

    private void dimDecl(Stmt.Dim dims, Scope scope) {
        for (Stmt.DimItem item : dims.items()) {
            Optional<Long> max = Optional.empty();
            if (item.max().isPresent()) {
                Long bound = wholeNumber(item.max().get(), scope, "the largest value of a dim");
                if (bound != null && bound < 1) {
                    diagnostics.error(item.max().get().span(), Messages.mustBePositive("the largest value of a dim", bound));
                } else if (bound != null && bound > Limits.MAX_ARRAY_LENGTH) {
                    diagnostics.error(item.max().get().span(), Messages.dimBoundTooLarge(bound, Limits.MAX_ARRAY_LENGTH));
                } else if (bound != null) {
                    max = Optional.of(bound);
                }
            }
            declare(scope, item.name(), new Binding.RunDim(Dim.symbol(item.name().text()), max, item.name().span()));
            runTimeDims.putIfAbsent(item.name().text(), max);
            dimDeclarations.putIfAbsent(item.name().text(), item.span());
        }
    }

    private void inputDecl(Stmt.Input input, Scope scope) {
        if (++counts.inputs > Limits.MAX_INPUTS) {
            reportOnce("inputs", input.name().span(), () -> Messages.tooManyInputs(graph.modelName(), Limits.MAX_INPUTS));
        }
        TensorType type = tensorType(input.type(), scope, true);
        if (type == null) {
            scope.define(input.name().text(), new Binding.Var(null, input.name().span()));
            return;
        }
        Node node = node(Op.INPUT, List.of(), type, Map.of("name", input.name().text()), input.span());
        graph.name(node, input.name().text());
        if (declare(scope, input.name(), new Binding.Input(new Value.Tensor(node), input))) {
            declaredForWarning.add(input);
        }
    }

    /** {@code [T, D]}: every dim a whole number, constant or run-time (when allowed). */
    TensorType tensorType(TypeExpr type, Scope scope, boolean runTimeDimsAllowed) {
        if (type.dims().size() > Limits.MAX_RANK) {
            diagnostics.error(type.span(), Messages.rankTooLarge(type.dims().size(), Limits.MAX_RANK));
            return null;
        }
        List<Dim> dims = new ArrayList<>();
        boolean ok = true;
        for (Expr dimExpr : type.dims()) {
            Dim dim = dim(dimExpr, scope);
            if (dim == null) {
                ok = false;
                continue;
            }
            if (!runTimeDimsAllowed && !dim.isConstant()) {
                diagnostics.error(dimExpr.span(), Messages.paramDimNotConstant(dim.toString()));
                ok = false;
                continue;
            }
            if (dim.constant().isPresent() && dim.constant().get() < 1) {
                diagnostics.error(dimExpr.span(), Messages.mustBePositive("a dimension", dim.constant().get()));
                ok = false;
                continue;
            }
            dims.add(dim);
        }
        return ok ? new TensorType(type.isInt() ? DType.INT : DType.FLOAT, dims) : null;
    }

    private void paramDecl(Stmt.Param param, Scope scope) {
        String template = checkpointTemplate(param);
        List<String> alternatives = alternativeTemplates(param, template);
        ParamInfo info = switch (param.type()) {
            case ParamType.Tensor tensor -> {
                TensorType type = tensorType(tensor.type(), scope, false);
                yield type == null ? null : new ParamInfo(ParamInfo.UNREGISTERED, param, ParamInfo.Kind.TENSOR, Map.of("", type),
                        Map.of(), template, new Node[1]);
            }
            case ParamType.Layer layer -> ops.layerParam(param, layer, template, scope);
        };
        if (info == null || alternatives == null) {
            // Reported; "never used" would be a second message about the same line.
            scope.define(param.name().text(), new Binding.Var(null, param.name().span()));
            return;
        }
        if (!weightsFit(param, info)) {
            scope.define(param.name().text(), new Binding.Var(null, param.name().span()));
            return;
        }
        List<Param.LoopIndex> layers = repeats.stream().map(r -> new Param.LoopIndex(r.name(), r.count())).toList();
        int id = graph.param(param.name().text(), info.kind().spelling, info.tensors(), info.attrs(),
                template == null ? "" : template, alternatives, layers, param.span());
        info = info.withId(id);
        if (template != null) {
            Span previous = checkpointNames.putIfAbsent(template, param.span());
            if (previous != null && !previous.equals(param.span())) {
                diagnostics.error(param.source().map(s -> s.span()).orElse(param.name().span()),
                        Messages.duplicateCheckpoint(template, previous.line()));
            }
        }
        if (declare(scope, param.name(), new Binding.Param(info))) {
            declaredForWarning.add(param);
        }
    }

    /**
     * Checks a param's weights against {@link Limits}: each tensor fits one Java array, and the
     * model's weights over all layers stay countable. False when a tensor is too large (the
     * param then fails); the model-wide totals are reported once and the param is kept.
     */
    private boolean weightsFit(Stmt.Param param, ParamInfo info) {
        long layers = layerCount();
        long floats = 0;
        for (TensorType tensor : info.tensors().values()) {
            long elements = Limits.elements(tensor, Map.of());
            if (elements > Limits.MAX_ARRAY_LENGTH) {
                diagnostics.error(param.name().span(),
                        Messages.weightTooLarge(param.name().text(), tensor.toString(), elements, Limits.MAX_ARRAY_LENGTH));
                return false;
            }
            floats = Limits.saturatingPlus(floats, elements);
        }
        int tensors = info.tensors().size();
        counts.declaredWeights += tensors;
        counts.weightArrays = Limits.saturatingPlus(counts.weightArrays, Limits.saturatingTimes(tensors, layers));
        counts.parameterFloats = Limits.saturatingPlus(counts.parameterFloats, Limits.saturatingTimes(floats, layers));
        String model = graph.modelName();
        if (counts.declaredWeights > Limits.MAX_DECLARED_WEIGHTS) {
            reportOnce("declared weights", param.name().span(),
                    () -> Messages.tooManyDeclaredWeights(model, Limits.MAX_DECLARED_WEIGHTS));
        }
        if (counts.weightArrays > Limits.MAX_WEIGHT_ARRAYS) {
            reportOnce("weight arrays", param.name().span(), () ->
                    Messages.tooManyWeightArrays(model, counts.weightArrays, Limits.MAX_WEIGHT_ARRAYS));
        }
        if (counts.parameterFloats > Limits.MAX_PARAMETERS) {
            reportOnce("parameters", param.name().span(), () ->
                    Messages.tooManyParameters(model, counts.parameterFloats, Limits.MAX_PARAMETERS));
        }
        return true;
    }

    /** Layers of the repeats around the statement being checked (1 outside any), saturating. */
    private long layerCount() {
        long layers = 1;
        for (Binding.RepeatIndex index : repeats) {
            layers = Limits.saturatingTimes(layers, index.count());
        }
        return layers;
    }

    /**
     * A model-wide limit, reported at the first place that passes it and not again for this
     * model. Inside a block, that place is the model's statement that called it: the block's
     * own line is the same at every call and says nothing of which call was one too many.
     */
    private void reportOnce(String limit, Span span, java.util.function.Supplier<String> message) {
        if (counts.reported.add(limit)) {
            diagnostics.error(blockStack.isEmpty() ? span : outermostCall, message.get());
        }
    }

    /** Whether a block call is being expanded: its body is checked again at every call. */
    boolean inBlock() {
        return !blockStack.isEmpty();
    }

    /** Charges work done again for a block call (see {@link #charge}); checking the file's own text once is free. */
    private void chargeRepeated(long amount, Span span) {
        if (inBlock()) {
            charge(amount, span);
        }
    }

    /**
     * Counts work that is done again for each use (a block's body, a named attention's clauses)
     * against {@link Limits#MAX_CHECK_WORK}; past it, reports at {@code span} and stops
     * checking the file.
     */
    void charge(long amount, Span span) {
        work = Limits.saturatingPlus(work, amount);
        if (work > Limits.MAX_CHECK_WORK) {
            diagnostics.error(span, Messages.checkWorkExceeded(Limits.MAX_CHECK_WORK));
            throw new CheckStopped();
        }
    }

    /**
     * The full checkpoint name of a param: the block call prefixes, then its {@code from} (or
     * its own name, after {@code index.{index}.} per enclosing repeat when it has no {@code from}).
     * Null when the template is malformed (reported).
     */
    private String checkpointTemplate(Stmt.Param param) {
        String own;
        Span span = param.source().map(s -> s.span()).orElse(param.name().span());
        if (param.source().isPresent()) {
            own = param.source().get().value();
            if (own.isEmpty()) {
                diagnostics.error(span, Messages.EMPTY_CHECKPOINT_NAME);
                return null;
            }
        } else {
            StringBuilder implicit = new StringBuilder();
            for (Binding.RepeatIndex index : repeatsSinceLastBlock()) {
                implicit.append(index.name()).append(".{").append(index.name()).append("}.");
            }
            own = implicit + param.name().text();
        }
        return checkpointTemplate(param, own, span);
    }

    /** The templates of {@code from "a" | "b" | ...} after the first; null when one is malformed (reported). */
    private List<String> alternativeTemplates(Stmt.Param param, String first) {
        List<String> templates = new ArrayList<>();
        for (dev.attnc.compiler.ast.StringLit alternative : param.alternatives()) {
            if (alternative.value().isEmpty()) {
                diagnostics.error(alternative.span(), Messages.EMPTY_CHECKPOINT_NAME);
                return null;
            }
            String template = checkpointTemplate(param, alternative.value(), alternative.span());
            if (template == null) {
                return null;
            }
            if (templates.contains(template) || template.equals(first)) {
                diagnostics.error(alternative.span(), Messages.repeatedAlternative(template));
                return null;
            }
            templates.add(template);
        }
        return templates;
    }

    private String checkpointTemplate(Stmt.Param param, String own, Span span) {
        long length = Limits.saturatingPlus(prefixChars, own.length());
        if (length > Limits.MAX_STRING_LENGTH) {
            diagnostics.error(span, Messages.checkpointTooLong(param.name().text(), (int) Math.min(length, Integer.MAX_VALUE),
                    Limits.MAX_STRING_LENGTH));
            return null;
        }
        StringBuilder full = new StringBuilder();
        for (String prefix : checkpointPrefixes) {
            if (!prefix.isEmpty()) {
                full.append(prefix).append('.');
            }
        }
        full.append(own);
        String template = full.toString();

        // Placeholders must name repeat indices in scope, and a param inside a repeat must
        // depend on every enclosing index, or all layers would read one tensor.
        Set<String> mentioned = new HashSet<>();
        int at = 0;
        while (at < template.length()) {
            char c = template.charAt(at);
            if (c == '}') {
                diagnostics.error(span, Messages.badPlaceholder(template));
                return null;
            }
            if (c != '{') {
                at++;
                continue;
            }
            int close = template.indexOf('}', at);
            if (close < 0) {
                diagnostics.error(span, Messages.badPlaceholder(template));
                return null;
            }
            String placeholder = template.substring(at + 1, close);
            if (repeats.stream().noneMatch(r -> r.name().equals(placeholder))) {
                diagnostics.error(span, Messages.unknownPlaceholder(placeholder,
                        repeats.stream().map(Binding.RepeatIndex::name).toList()));
                return null;
            }
            mentioned.add(placeholder);
            at = close + 1;
        }
        for (Binding.RepeatIndex index : repeats) {
            if (!mentioned.contains(index.name())) {
                diagnostics.error(span, Messages.checkpointIgnoresRepeat(param.name().text(), template, index.name()));
                return null;
            }
        }
        return template;
    }

    private List<Binding.RepeatIndex> repeatsSinceLastBlock() {
        // Repeats enclosing the declaration lexically: those entered since the innermost block call.
        int from = blockRepeatDepth.isEmpty() ? 0 : blockRepeatDepth.get(blockRepeatDepth.size() - 1);
        return repeats.subList(from, repeats.size());
    }

    private final List<Integer> blockRepeatDepth = new ArrayList<>();

    private void assign(Stmt.Assign assign, Scope scope) {
        Value value = value(assign.value(), scope);
        List<Name> targets = assign.targets();
        List<Value> values;
        if (value == null) {
            values = java.util.Collections.nCopies(targets.size(), null);
        } else if (targets.size() == 1) {
            if (value instanceof Value.Tuple tuple) {
                diagnostics.error(assign.value().span(), Messages.tupleToOneName(tuple.items().size()));
                value = null;
            }
            values = java.util.Collections.singletonList(value);
        } else if (value instanceof Value.Tuple tuple && tuple.items().size() == targets.size()) {
            values = tuple.items();
        } else {
            int count = value instanceof Value.Tuple tuple ? tuple.items().size() : 1;
            diagnostics.error(assign.value().span(), Messages.unpackCount(count, targets.size()));
            values = java.util.Collections.nCopies(targets.size(), null);
        }
        Set<String> seen = new HashSet<>();
        for (int index = 0; index < targets.size(); index++) {
            Name target = targets.get(index);
            if (!seen.add(target.text())) {
                diagnostics.error(target.span(), Messages.assignedTwice(target.text()));
                continue;
            }
            bindVar(target, values.get(index), scope);
        }
    }

    private void bindVar(Name target, Value value, Scope scope) {
        Scope owner = scope.assignmentTarget(target.text());
        if (owner == null) {
            Binding outer = scope.lookup(target.text());
            if (outer != null && !reassignable(outer)) {
                diagnostics.error(target.span(), Messages.cannotAssign(target.text(), describe(outer), outer.declared().line()));
                return;
            }
            scope.define(target.text(), new Binding.Var(value, target.span()));
        } else {
            Binding existing = owner.lookupLocal(target.text());
            if (!reassignable(existing)) {
                diagnostics.error(target.span(), Messages.cannotAssign(target.text(), describe(existing), existing.declared().line()));
                return;
            }
            owner.define(target.text(), new Binding.Var(value, target.span()));
        }
        if (value instanceof Value.Tensor tensor) {
            graph.name(tensor.node(), target.text());
        }
    }

    /** Values may be renamed freely, inputs included (`x = x + a`); declarations may not. */
    private static boolean reassignable(Binding binding) {
        return binding instanceof Binding.Var || binding instanceof Binding.Input;
    }

    private void repeat(Stmt.Repeat repeat, Scope scope) {
        Long count = wholeNumber(repeat.count(), scope, "a repeat count");
        if (count != null && count < 1) {
            diagnostics.error(repeat.count().span(), Messages.mustBePositive("a repeat count", count));
            count = null;
        }
        if (count != null && Limits.saturatingTimes(layerCount(), count) > Limits.MAX_LAYERS) {
            diagnostics.error(repeat.count().span(),
                    Messages.tooManyLayers(count, Limits.saturatingTimes(layerCount(), count), Limits.MAX_LAYERS));
            count = null; // the body is checked as one layer
        }
        String indexName = repeat.index().map(Name::text).orElse(DEFAULT_REPEAT_INDEX);
        Span indexSpan = repeat.index().map(Name::span).orElse(repeat.span());
        // Either mistake is reported once, at the index, and the body is checked all the same
        // (so what it defines exists afterwards, and what it uses is used).
        Binding hidden = null;
        if (repeats.stream().anyMatch(r -> r.name().equals(indexName))) {
            diagnostics.error(indexSpan, Messages.repeatIndexInUse(indexName));
        } else {
            // `repeat L as D` with a constant D (or an input, a value...; or a value named
            // `layer` and no `as`) would turn every D of the body into the index. The body keeps
            // reading the outer D (the index still serves checkpoint names), so its uses do not
            // fail one by one.
            hidden = scope.lookup(indexName);
            if (hidden != null) {
                diagnostics.error(indexSpan, Messages.repeatIndexHides(indexName, noun(hidden), hidden.declared().line()));
            }
        }
        Scope body = new Scope(scope, false);
        Binding.RepeatIndex index = new Binding.RepeatIndex(indexName, count == null ? 1 : count, indexSpan);
        if (hidden == null) {
            body.define(indexName, index);
        }
        Region region = graph.region(Region.Kind.REPEAT, "repeat " + (count == null ? "?" : count) + " as " + indexName);
        repeats.add(index);
        scopePath.add(region);
        // Values the body assigns that exist before it are carried from layer to layer: the body
        // reads them through a CARRY node, which the next layer feeds with this layer's result.
        Map<String, Node> entries = new LinkedHashMap<>();
        int firstBodyNode = graph.size();
        try {
            for (Name target : assignedIn(repeat.body())) {
                {
                    Binding outer = scope.lookup(target.text());
                    Value before = outer instanceof Binding.Var var ? var.value()
                            : outer instanceof Binding.Input input ? input.value() : null;
                    if (outer instanceof Binding.Input input) {
                        usedDecls.add(input.decl()); // the first layer reads it
                    }
                    if (before instanceof Value.Tensor tensor && !entries.containsKey(target.text())) {
                        Node entry = node(Op.CARRY, List.of(tensor.node()), tensor.type(), Map.of("name", target.text()), target.span());
                        graph.name(entry, target.text());
                        entries.put(target.text(), entry);
                        body.define(target.text(), new Binding.Var(new Value.Tensor(entry), target.span()));
                    } else if (before != null && !(before instanceof Value.Tensor)) {
                        diagnostics.error(target.span(), Messages.repeatCarriesNonTensor(target.text()));
                    }
                }
            }
            body(repeat.body(), body, BodyKind.REPEAT);
        } finally {
            repeats.remove(repeats.size() - 1);
            scopePath.remove(scopePath.size() - 1);
        }
        // What the body defined for itself ends here; remembered to explain a later use.
        for (String name : body.localNames()) {
            Binding local = body.lookupLocal(name);
            if (!(local instanceof Binding.RepeatIndex) && !entries.containsKey(name) && scope.lookup(name) == null) {
                scope.noteRepeatLocal(name, local, repeat.span());
            }
        }
        body.repeatLocals().forEach((name, local) -> {
            if (scope.lookup(name) == null) {
                scope.noteRepeatLocal(name, local.binding(), local.repeat()); // from a nested repeat
            }
        });
        List<Loop.Carry> carries = new ArrayList<>();
        for (Map.Entry<String, Node> carried : entries.entrySet()) {
            String name = carried.getKey();
            Node entry = carried.getValue();
            Binding after = body.lookupLocal(name);
            if (!(after instanceof Binding.Var var) || !(var.value() instanceof Value.Tensor exit)) {
                continue; // the assignment failed and was reported
            }
            if (!exit.type().equals(entry.type())) {
                diagnostics.error(var.declared(), Messages.repeatChangesShape(name, entry.type(), exit.type()));
                continue;
            }
            Node leaving = exit.node();
            if (leaving != entry && aliasesAcrossLayers(leaving, firstBodyNode)) {
                // `a = b` or `y = x`: the value leaving the layer lives in another carried buffer or before
                // the loop; hand the next layer a copy, so that updating every carry at once stays safe.
                scopePath.add(region);
                leaving = node(Op.COPY, List.of(leaving), leaving.type(), Map.of(), var.declared());
                scopePath.remove(scopePath.size() - 1);
                graph.name(leaving, name);
            }
            countSteps(2, var.declared()); // copied in before the first layer and out after each
            carries.add(new Loop.Carry(name, entry.id(), leaving.id()));
            bindVar(new Name(name, var.declared()), new Value.Tensor(leaving), scope);
        }
        graph.loop(new Loop(region.id(), indexName, count == null ? 1 : count, carries));
    }

    /** A carried value's storage is a carried buffer, or was made before the layer began (seen through views). */
    private static boolean aliasesAcrossLayers(Node value, int firstBodyNode) {
        Node root = value;
        while (root.op() == Op.SLICE || root.op() == Op.SELECT || root.op() == Op.HEADS || root.op() == Op.MERGE_HEADS) {
            root = root.input(0);
        }
        return root.op() == Op.CARRY || root.id() < firstBodyNode;
    }

    /** Names assigned in a body, nested repeats included, in order. */
    private static List<Name> assignedIn(List<Stmt> body) {
        List<Name> names = new ArrayList<>();
        for (Stmt stmt : body) {
            if (stmt instanceof Stmt.Assign assign) {
                names.addAll(assign.targets());
            } else if (stmt instanceof Stmt.Repeat nested) {
                names.addAll(assignedIn(nested.body()));
            }
        }
        return names;
    }

    private void output(Stmt.Output output, Scope scope) {
        for (Name name : output.names()) {
            Value value = value(new Expr.Ref(name, name.span()), scope);
            if (value == null) {
                outputs.putIfAbsent(name.text(), name.span()); // already reported; "no output" would be noise
                continue;
            }
            if (!(value instanceof Value.Tensor tensor)) {
                diagnostics.error(name.span(), Messages.outputNotTensor(name.text(), describe(value)));
                outputs.putIfAbsent(name.text(), name.span());
                continue;
            }
            Span previous = outputs.putIfAbsent(name.text(), name.span());
            if (previous != null) {
                diagnostics.error(name.span(), Messages.duplicateOutput(name.text(), previous.line()));
                continue;
            }
            if (++counts.outputs > Limits.MAX_OUTPUTS) {
                reportOnce("outputs", name.span(), () -> Messages.tooManyOutputs(graph.modelName(), Limits.MAX_OUTPUTS));
            }
            Node out = node(Op.OUTPUT, List.of(tensor.node()), tensor.type(), Map.of("name", name.text()), name.span());
            graph.name(out, name.text());
        }
    }

    private Value returnValue(Stmt.Return ret, Scope scope) {
        List<Value> values = new ArrayList<>();
        for (Expr expr : ret.values()) {
            Value value = value(expr, scope);
            if (value == null) {
                return null;
            }
            values.add(value);
        }
        return values.size() == 1 ? values.get(0) : new Value.Tuple(values);
    }

    // ---------------------------------------------------------------- expressions

    /** The value of a tensor-level expression; null after reporting an error. */
    Value value(Expr expr, Scope scope) {
        chargeRepeated(1, expr.span());
        boolean outermost = valueDepth == 0;
        valueDepth++;
        Value value;
        try {
            value = evaluate(expr, scope);
        } finally {
            valueDepth--;
        }
        if (value == null && outermost) {
            markReferenced(expr, scope);
        }
        return value;
    }

    /**
     * Marks every param and input an expression names as used, after it failed: checking
     * stops at a mistake (a call with the wrong arguments does not look at them), and
     * "never used" about a name the line plainly uses would be a second, false message.
     * Names are resolved in the scope of the expression, so a value that shadows an input
     * does not count for it. Done once per failed outermost expression, so a deep chain of
     * failures costs one walk.
     */
    private void markReferenced(Expr expr, Scope scope) {
        markReferenced(expr, scope, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private void markReferenced(Expr expr, Scope scope, Set<Stmt.Attention> variantsSeen) {
        switch (expr) {
            case Expr.Ref ref -> markUsedBinding(scope.lookup(ref.name().text()));
            case Expr.Call call -> {
                Binding callee = scope.lookup(call.callee().text());
                markUsedBinding(callee);
                if (callee instanceof Binding.AttentionSpec spec && variantsSeen.add(spec.decl())) {
                    // A named variant's clauses are checked where it is called: they read from here.
                    spec.decl().clauses().forEach(c -> markReferenced(c.value(), scope, variantsSeen));
                }
                call.args().forEach(a -> markReferenced(a.value(), scope, variantsSeen));
            }
            case Expr.Attention attention -> {
                attention.args().forEach(a -> markReferenced(a.value(), scope, variantsSeen));
                attention.clauses().forEach(c -> markReferenced(c.value(), scope, variantsSeen));
            }
            case Expr.Index index -> {
                markReferenced(index.target(), scope, variantsSeen);
                index.indices().forEach(i -> markReferenced(i, scope, variantsSeen));
            }
            case Expr.Unary unary -> markReferenced(unary.operand(), scope, variantsSeen);
            case Expr.Binary binary -> {
                markReferenced(binary.left(), scope, variantsSeen);
                markReferenced(binary.right(), scope, variantsSeen);
            }
            case Expr.ListLit list -> list.items().forEach(i -> markReferenced(i, scope, variantsSeen));
            case Expr.Number n -> {
            }
            case Expr.Bool b -> {
            }
            case Expr.Str str -> {
            }
        }
    }

    private void markUsedBinding(Binding binding) {
        if (binding instanceof Binding.Input input) {
            usedDecls.add(input.decl());
        } else if (binding instanceof Binding.Param param) {
            usedDecls.add(param.info().decl());
        }
    }

    private Value evaluate(Expr expr, Scope scope) {
        try {
            return switch (expr) {
                case Expr.Number n -> new Value.Num(n.value(), n.isInt());
                case Expr.Bool b -> new Value.Flag(b.value());
                case Expr.Str str -> {
                    diagnostics.error(str.span(), Messages.STRING_OUTSIDE_PREFIX);
                    yield null;
                }
                case Expr.Ref ref -> reference(ref.name(), scope);
                case Expr.Call call -> call(call, scope);
                case Expr.Attention attention -> ops.attention(attention.args(), null, attention.clauses(), attention.span(), scope);
                case Expr.Index index -> ops.math().select(index, scope);
                case Expr.Unary unary -> unary(unary, scope);
                case Expr.Binary binary -> binary(binary, scope);
                case Expr.ListLit list -> {
                    diagnostics.error(list.span(), Messages.LIST_OUTSIDE_SPLIT);
                    yield null;
                }
            };
        } catch (Dim.TooComplex complex) {
            diagnostics.error(expr.span(), Messages.sizeTooComplex(Dim.MAX_TERMS, Dim.MAX_DEGREE));
            return null;
        } catch (ArithmeticException overflow) {
            diagnostics.error(expr.span(), Messages.NUMBER_OVERFLOW);
            return null;
        }
    }

    /** Nodes of an expression's tree, for {@link #charge}. */
    static long size(Expr expr) {
        return 1 + switch (expr) {
            case Expr.Call call -> call.args().stream().mapToLong(a -> size(a.value())).sum();
            case Expr.Attention attention -> attention.args().stream().mapToLong(a -> size(a.value())).sum()
                    + attention.clauses().stream().mapToLong(c -> size(c.value())).sum();
            case Expr.Index index -> size(index.target()) + index.indices().stream().mapToLong(Checker::size).sum();
            case Expr.Unary unary -> size(unary.operand());
            case Expr.Binary binary -> size(binary.left()) + size(binary.right());
            case Expr.ListLit list -> list.items().stream().mapToLong(Checker::size).sum();
            case Expr.Number n -> 0;
            case Expr.Bool b -> 0;
            case Expr.Str str -> 0;
            case Expr.Ref ref -> 0;
        };
    }

    private Value reference(Name name, Scope scope) {
        Binding binding = scope.lookup(name.text());
        if (binding == null) {
            if (name.text().equals("inf")) {
                return new Value.Num(Double.POSITIVE_INFINITY, false);
            }
            if (name.text().equals("pi")) {
                return new Value.Num(Math.PI, false);
            }
            if (Ops.isBuiltin(name.text())) {
                diagnostics.error(name.span(), Messages.functionAsValue(name.text(), Ops.isUnary(name.text())));
                return null;
            }
            diagnostics.error(name.span(), unknownName(name.text(), scope, scope.visibleNames()));
            return null;
        }
        return switch (binding) {
            case Binding.Constant c -> c.value();
            case Binding.RunDim d -> new Value.Size(d.dim());
            case Binding.Input in -> {
                usedDecls.add(in.decl());
                yield in.value();
            }
            case Binding.Param p -> {
                usedDecls.add(p.info().decl());
                if (p.info().kind() != ParamInfo.Kind.TENSOR) {
                    diagnostics.error(name.span(), Messages.layerUsedAsValue(name.text(), p.info().kind().spelling));
                    yield null;
                }
                yield new Value.Tensor(paramNode(p.info(), name.span()));
            }
            case Binding.Var v -> v.value();
            case Binding.Block b -> {
                diagnostics.error(name.span(), Messages.notAValue(name.text(), "a block"));
                yield null;
            }
            case Binding.AttentionSpec a -> {
                diagnostics.error(name.span(), Messages.notAValue(name.text(), "an attention variant"));
                yield null;
            }
            case Binding.Model m -> {
                diagnostics.error(name.span(), Messages.notAValue(name.text(), "a model"));
                yield null;
            }
            case Binding.RepeatIndex r -> {
                diagnostics.error(name.span(), Messages.repeatIndexAsValue(name.text()));
                yield null;
            }
        };
    }

    /** The PARAM node of a bare tensor param, made on first use. */
    Node paramNode(ParamInfo info, Span span) {
        if (info.node()[0] == null) {
            TensorType type = info.tensors().get("");
            info.node()[0] = node(Op.PARAM, List.of(), type, Map.of("param", info.name(), "param_id", Integer.toString(info.id()),
                    "from", info.checkpoint() == null ? "" : info.checkpoint()), info.decl().span());
            graph.name(info.node()[0], info.name());
        }
        return info.node()[0];
    }

    private Value call(Expr.Call call, Scope scope) {
        String callee = call.callee().text();
        Binding binding = scope.lookup(callee);
        if (binding == null) {
            if (CheckpointMeta.isMetaFunction(callee)) {
                return checkpointMeta.call(call, scope, this);
            }
            if (Ops.isBuiltin(callee)) {
                return ops.builtin(call, scope);
            }
            List<String> candidates = new ArrayList<>(Ops.builtinNames());
            candidates.addAll(scope.visibleNames());
            candidates.add("attention"); // a keyword, but called like a function
            Scope.RepeatLocal local = scope.repeatLocal(callee);
            diagnostics.error(call.callee().span(), local != null ? unknownName(callee, scope, candidates)
                    : Messages.unknownFunction(callee, Suggest.closest(callee, candidates)));
            return null;
        }
        return switch (binding) {
            case Binding.Param p -> {
                usedDecls.add(p.info().decl());
                yield ops.applyLayer(p.info(), call, scope);
            }
            case Binding.Block b -> expandBlock(b, call, scope);
            case Binding.AttentionSpec a -> ops.attention(call.args(), a.decl(), List.of(), call.span(), scope);
            case Binding.Var v when v.value() == null -> null; // its declaration failed and was reported
            default -> {
                if (Ops.isBuiltin(callee)) {
                    // A user name shadows nothing that is called: `gelu = ...` then `gelu(x)` still means the op.
                    yield ops.builtin(call, scope);
                }
                diagnostics.error(call.callee().span(), Messages.notCallable(callee, describe(binding)));
                yield null;
            }
        };
    }

    private Value expandBlock(Binding.Block block, Expr.Call call, Scope callerScope) {
        Stmt.Block decl = block.decl();
        calledBlocks.add(decl);
        if (blockStack.contains(decl)) {
            List<String> cycle = new ArrayList<>();
            for (Stmt.Block b : blockStack.subList(blockStack.indexOf(decl), blockStack.size())) {
                cycle.add(b.name().text());
            }
            cycle.add(decl.name().text());
            diagnostics.error(call.callee().span(), Messages.blockRecursion(String.join(" -> ", cycle)));
            return null;
        }
        String prefix = "";
        List<Value> args = new ArrayList<>();
        boolean ok = true;
        for (var arg : call.args()) {
            if (arg.name().isEmpty()) {
                Value value = value(arg.value(), callerScope);
                ok &= value != null;
                args.add(value);
            } else if (!arg.name().get().text().equals("prefix")) {
                diagnostics.error(arg.name().get().span(), Messages.unknownBlockArgument(arg.name().get().text(), decl.name().text()));
                ok = false;
            } else if (arg.value() instanceof Expr.Str str) {
                prefix = str.value();
            } else {
                diagnostics.error(arg.value().span(), Messages.PREFIX_NOT_STRING);
                ok = false;
            }
        }
        if (call.args().stream().filter(a -> a.name().isEmpty()).count() != decl.params().size()) {
            diagnostics.error(call.span(), Messages.blockArity(decl.name().text(), decl.params().size(),
                    (int) call.args().stream().filter(a -> a.name().isEmpty()).count()));
            return null;
        }
        if (!ok) {
            return null;
        }
        Scope scope = new Scope(block.scope(), true);
        for (int index = 0; index < decl.params().size(); index++) {
            Stmt.BlockParam param = decl.params().get(index);
            Value arg = args.get(index);
            if (param.type().isPresent() && !bindParamType(param, arg, scope, call.args().get(index).span())) {
                ok = false;
            }
            scope.define(param.name().text(), new Binding.Var(arg, param.name().span()));
        }
        if (!ok) {
            return null;
        }
        if (blockStack.isEmpty()) {
            outermostCall = call.span();
        }
        blockStack.add(decl);
        blockRepeatDepth.add(repeats.size());
        checkpointPrefixes.add(prefix);
        long prefixLength = prefix.isEmpty() ? 0 : prefix.length() + 1;
        prefixChars += prefixLength;
        scopePath.add(graph.region(Region.Kind.BLOCK, "block " + decl.name().text()));
        // The body's statements are outermost expressions of their own (see markReferenced).
        int callerDepth = valueDepth;
        valueDepth = 0;
        try {
            Value result = body(decl.body(), scope, BodyKind.BLOCK);
            // Judged from the body, not from the error count: a mistake in the returned
            // expression also gives null, and a second call repeats errors already counted.
            if (result == null && decl.body().stream().noneMatch(stmt -> stmt instanceof Stmt.Return)) {
                diagnostics.error(decl.name().span(), Messages.blockReturnsNothing(decl.name().text()));
            }
            return result;
        } finally {
            valueDepth = callerDepth;
            blockStack.remove(blockStack.size() - 1);
            blockRepeatDepth.remove(blockRepeatDepth.size() - 1);
            checkpointPrefixes.remove(checkpointPrefixes.size() - 1);
            prefixChars -= prefixLength;
            scopePath.remove(scopePath.size() - 1);
        }
    }

    /**
     * Checks a block argument against the parameter's declared type, binding dim names the
     * block does not know yet (so {@code x : [T, D]} gives the block a {@code D}).
     */
    private boolean bindParamType(Stmt.BlockParam param, Value arg, Scope scope, Span argSpan) {
        TypeExpr type = param.type().get();
        if (!(arg instanceof Value.Tensor tensor)) {
            diagnostics.error(argSpan, Messages.blockArgNotTensor(param.name().text(), describe(arg)));
            return false;
        }
        TensorType actual = tensor.type();
        boolean wantInt = type.isInt();
        if (actual.rank() != type.dims().size() || (actual.dtype() == DType.INT) != wantInt) {
            diagnostics.error(argSpan, Messages.blockArgType(param.name().text(), typeText(type), actual));
            return false;
        }
        for (int index = 0; index < type.dims().size(); index++) {
            Expr dimExpr = type.dims().get(index);
            Dim actualDim = actual.shape().get(index);
            if (dimExpr instanceof Expr.Ref ref && scope.lookup(ref.name().text()) == null) {
                Binding bound = actualDim.constant()
                        .<Binding>map(c -> new Binding.Constant(new Value.Num(c, true), ref.span()))
                        .orElseGet(() -> new Binding.RunDim(actualDim, Optional.empty(), ref.span()));
                scope.define(ref.name().text(), bound);
                continue;
            }
            Dim expected = dim(dimExpr, scope);
            if (expected == null) {
                return false;
            }
            if (!expected.equals(actualDim)) {
                diagnostics.error(argSpan, Messages.blockArgType(param.name().text(), typeText(type), actual));
                return false;
            }
        }
        return true;
    }

    private static String typeText(TypeExpr type) {
        return type.span().file().text().substring(type.span().start(), type.span().end());
    }

    private Value unary(Expr.Unary unary, Scope scope) {
        Value operand = value(unary.operand(), scope);
        if (operand == null) {
            return null;
        }
        if (unary.op() == Expr.UnaryOp.NOT) {
            diagnostics.error(unary.span(), Messages.conditionOutsideMask("!"));
            return null;
        }
        return switch (operand) {
            case Value.Num n -> new Value.Num(-n.value(), n.isInt());
            case Value.Size s -> new Value.Size(s.dim().times(Dim.of(-1)));
            case Value.RunNum r -> new Value.RunNum(new Scalar.Unary("-", r.scalar(), Scalar.Type.FLOAT));
            case Value.Tensor t -> {
                if (!requireFloat(t, unary.operand().span(), "-")) {
                    yield null;
                }
                yield new Value.Tensor(node(Op.NEG, List.of(t.node()), t.type(), Map.of(), unary.span()));
            }
            default -> {
                diagnostics.error(unary.operand().span(), Messages.badOperand("-", describe(operand)));
                yield null;
            }
        };
    }

    private Value binary(Expr.Binary binary, Scope scope) {
        Expr.BinaryOp op = binary.op();
        if (op.isLogical()) {
            diagnostics.error(binary.span(), Messages.conditionOutsideMask(op.symbol));
            return null;
        }
        Value left = value(binary.left(), scope);
        Value right = value(binary.right(), scope);
        if (left == null || right == null) {
            return null;
        }
        if (op == Expr.BinaryOp.MATMUL) {
            return ops.matmul(left, right, binary.left().span(), binary.right().span(), binary.span());
        }
        // Comparisons of tensors (0/1 floats), powers, int tensors and run-time numbers: see TensorMath.
        if (op.isComparison() || op == Expr.BinaryOp.POW) {
            return ops.math().binary(op, left, right, binary.span(), binary.left().span(), binary.right().span());
        }
        if (left instanceof Value.Num a && right instanceof Value.Num b) {
            return foldNumbers(op, a, b, binary);
        }
        if (isWhole(left) && isWhole(right)) {
            return sizeArithmetic(op, left, right, binary);
        }
        if (left instanceof Value.Tensor || right instanceof Value.Tensor || left instanceof Value.RunNum
                || right instanceof Value.RunNum) {
            return ops.math().binary(op, left, right, binary.span(), binary.left().span(), binary.right().span());
        }
        diagnostics.error(binary.span(), Messages.badOperands(op.symbol, describe(left), describe(right)));
        return null;
    }

    private static boolean isWhole(Value value) {
        return value instanceof Value.Size || value instanceof Value.Num n && n.isInt();
    }

    private Value foldNumbers(Expr.BinaryOp op, Value.Num a, Value.Num b, Expr.Binary binary) {
        boolean ints = a.isInt() && b.isInt();
        double x = a.value();
        double y = b.value();
        switch (op) {
            case ADD:
                return ints ? new Value.Num(Math.addExact(a.asLong(), b.asLong()), true) : new Value.Num(x + y, false);
            case SUB:
                return ints ? new Value.Num(Math.subtractExact(a.asLong(), b.asLong()), true) : new Value.Num(x - y, false);
            case MUL:
                return ints ? new Value.Num(Math.multiplyExact(a.asLong(), b.asLong()), true) : new Value.Num(x * y, false);
            case DIV:
                if (y == 0) {
                    diagnostics.error(binary.span(), Messages.DIVISION_BY_ZERO);
                    return null;
                }
                if (ints && a.asLong() % b.asLong() == 0) {
                    return new Value.Num(a.asLong() / b.asLong(), true);
                }
                return new Value.Num(x / y, false);
            case MOD:
                if (!ints) {
                    diagnostics.error(binary.span(), Messages.MOD_NEEDS_WHOLE);
                    return null;
                }
                if (b.asLong() == 0) {
                    diagnostics.error(binary.span(), Messages.DIVISION_BY_ZERO);
                    return null;
                }
                return new Value.Num(Math.floorMod(a.asLong(), b.asLong()), true);
            default:
                throw new IllegalStateException(op.name());
        }
    }

    private Value sizeArithmetic(Expr.BinaryOp op, Value left, Value right, Expr.Binary binary) {
        Dim a = asDim(left);
        Dim b = asDim(right);
        return switch (op) {
            case ADD -> new Value.Size(a.plus(b));
            case SUB -> new Value.Size(a.minus(b));
            case MUL -> new Value.Size(a.times(b));
            case DIV, MOD -> {
                Optional<Long> divisor = b.constant();
                Optional<Dim> quotient = divisor.flatMap(a::dividedBy);
                if (op == Expr.BinaryOp.DIV && quotient.isPresent()) {
                    yield new Value.Size(quotient.get());
                }
                diagnostics.error(binary.span(), Messages.runTimeDivision(a.toString(), op.symbol, b.toString()));
                yield null;
            }
            default -> throw new IllegalStateException(op.name());
        };
    }

    /**
     * "unknown name", with a "did you mean" among {@code candidates}, or the reason when the
     * name was defined in a repeat body that has ended.
     */
    static String unknownName(String name, Scope scope, java.util.Collection<String> candidates) {
        Scope.RepeatLocal local = scope.repeatLocal(name);
        if (local != null) {
            return Messages.repeatLocal(name, local.binding() instanceof Binding.Var, local.repeat().line());
        }
        return Messages.unknownName(name, Suggest.closest(name, candidates));
    }

    /** What a binding is, with "the": "the constant", "the input", for "hides the constant `D`". */
    static String noun(Binding binding) {
        return switch (binding) {
            case Binding.Constant c -> "the constant";
            case Binding.RunDim d -> "the dim";
            case Binding.Input i -> "the input";
            case Binding.Param p -> "the param";
            case Binding.Var v -> "the value";
            case Binding.Block b -> "the block";
            case Binding.AttentionSpec a -> "the attention variant";
            case Binding.RepeatIndex r -> "the repeat index";
            case Binding.Model m -> "the model";
        };
    }

    static Dim asDim(Value value) {
        return value instanceof Value.Size s ? s.dim() : Dim.of(((Value.Num) value).asLong());
    }

    /** A dimension: a whole number, constant or depending on run-time dims. */
    Dim dim(Expr expr, Scope scope) {
        Value value = value(expr, scope);
        if (value == null) {
            return null;
        }
        if (!isWhole(value)) {
            diagnostics.error(expr.span(), Messages.notADimension(describe(value)));
            return null;
        }
        return asDim(value);
    }

    /** A whole number known at compile time, for counts; null after reporting. */
    Long wholeNumber(Expr expr, Scope scope, String what) {
        Value value = value(expr, scope);
        if (value == null) {
            return null;
        }
        if (value instanceof Value.Num n && n.isInt()) {
            return n.asLong();
        }
        diagnostics.error(expr.span(), Messages.notWholeConstant(what, describe(value)));
        return null;
    }

    boolean requireFloat(Value.Tensor tensor, Span span, String op) {
        if (tensor.type().dtype() != DType.FLOAT) {
            diagnostics.error(span, Messages.needsFloat(op, tensor.type()));
            return false;
        }
        return true;
    }

    Node node(Op op, List<Node> inputs, TensorType type, Map<String, String> attrs, Span span) {
        return node(op, inputs, type, attrs, Map.of(), span);
    }

    Node node(Op op, List<Node> inputs, TensorType type, Map<String, String> attrs, Map<String, Scalar> exprs, Span span) {
        countSteps(op == Op.CONCAT ? inputs.size() : 1, span); // a concat copies each part
        long elements = Limits.elements(type, runTimeDims);
        if (elements > Limits.MAX_ARRAY_LENGTH) {
            reportOnce("value size", span, () -> Messages.valueTooLarge(type.toString(), elements, Limits.MAX_ARRAY_LENGTH));
        }
        if (op == Op.ATTENTION) {
            attentionFits(inputs, attrs, span);
        }
        return graph.add(op, inputs, type, attrs, exprs, span, scopePath);
    }

    /**
     * Counts steps of the generated {@code compute} against {@link Limits#MAX_STEPS}. Past the
     * limit the graph keeps no more nodes (the model has failed; checking goes on for the
     * other mistakes, in memory that does not grow with the model).
     */
    private void countSteps(int steps, Span span) {
        counts.steps += steps;
        if (counts.steps > Limits.MAX_STEPS) {
            reportOnce("steps", span, () -> Messages.tooManySteps(graph.modelName(), Limits.MAX_STEPS));
            graph.stopKeeping();
        }
    }

    /** Head width and key/value cache against what the generated attention kernels hold in one array. */
    private void attentionFits(List<Node> inputs, Map<String, String> attrs, Span span) {
        long headWidth = Long.parseLong(attrs.get("head_dim"));
        if (headWidth > Limits.MAX_HEAD_WIDTH) {
            diagnostics.error(span, Messages.headTooWide(headWidth, Limits.MAX_HEAD_WIDTH));
        }
        if ("true".equals(attrs.get("cache"))) {
            long layers = layerCount();
            for (Node cached : inputs.subList(1, 3)) { // keys and values, each cached in one array for all layers
                long floats = Limits.saturatingTimes(layers, Limits.elements(cached.type(), runTimeDims));
                if (floats > Limits.MAX_ARRAY_LENGTH) {
                    diagnostics.error(span, Messages.cacheTooLarge(floats, Limits.MAX_ARRAY_LENGTH));
                    return;
                }
            }
        }
    }

    List<Binding.RepeatIndex> repeats() {
        return repeats;
    }

    void markUsed(Object decl) {
        usedDecls.add(decl);
    }

    /** A value described for messages: "a tensor [T, 768]", "the number 12". */
    static String describe(Object value) {
        return switch (value) {
            case Value.Num n -> "the number " + n;
            case Value.Size s -> "the run-time size " + s.dim();
            case Value.RunNum r -> "a number known at run time";
            case Value.Flag f -> "the flag " + f.value();
            case Value.Tensor t -> "a tensor " + t.type();
            case Value.Tuple t -> t.items().size() + " values";
            case Binding.Constant c -> "a constant";
            case Binding.RunDim d -> "a dim";
            case Binding.Input i -> "an input";
            case Binding.Param p -> "a param";
            case Binding.Var v -> "a value";
            case Binding.Block b -> "a block";
            case Binding.AttentionSpec a -> "an attention variant";
            case Binding.RepeatIndex r -> "a repeat index";
            case Binding.Model m -> "a model";
            default -> String.valueOf(value);
        };
    }
}
