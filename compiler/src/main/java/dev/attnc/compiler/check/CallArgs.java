package dev.attnc.compiler.check;

import dev.attnc.compiler.ast.Arg;
import dev.attnc.compiler.ast.Expr;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.diag.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The arguments of a call sorted into positional and named, against a signature. */
record CallArgs(List<Expr> positional, Map<String, Arg> named) {

    /**
     * Binds {@code args} to a signature: between {@code min} and {@code max} positional
     * arguments (max -1 for any number), then only the named ones listed. Null after reporting.
     */
    static CallArgs bind(String function, List<Arg> args, Span callSpan, int min, int max, List<String> names,
            Diagnostics diagnostics) {
        List<Expr> positional = new ArrayList<>();
        Map<String, Arg> named = new LinkedHashMap<>();
        boolean ok = true;
        for (Arg arg : args) {
            if (arg.name().isEmpty()) {
                if (!named.isEmpty()) {
                    diagnostics.error(arg.span(), Messages.POSITIONAL_AFTER_NAMED);
                    ok = false;
                }
                positional.add(arg.value());
                continue;
            }
            String name = arg.name().get().text();
            if (!names.contains(name)) {
                diagnostics.error(arg.name().get().span(), Messages.unknownArgument(name, function, names));
                ok = false;
            } else if (named.putIfAbsent(name, arg) != null) {
                diagnostics.error(arg.name().get().span(), Messages.duplicateArgument(name));
                ok = false;
            }
        }
        if (positional.size() < min || max >= 0 && positional.size() > max) {
            diagnostics.error(callSpan, Messages.arity(function, min, max, positional.size()));
            ok = false;
        }
        return ok ? new CallArgs(List.copyOf(positional), named) : null;
    }

    Arg get(String name) {
        return named.get(name);
    }

    boolean has(String name) {
        return named.containsKey(name);
    }
}
