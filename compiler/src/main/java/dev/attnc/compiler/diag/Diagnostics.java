package dev.attnc.compiler.diag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one sink every stage reports into. Keeps diagnostics in source order, drops exact
 * repeats (a block called twice reports its own mistakes once) and stops collecting errors
 * past a limit so that binary garbage yields a readable page, not a flood.
 */
public final class Diagnostics {
    public static final int ERROR_LIMIT = 100;

    private final List<Diagnostic> items = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private int errors;
    private int dropped;

    public void error(Span span, String message) {
        add(new Diagnostic(Severity.ERROR, span, message));
    }

    public void warning(Span span, String message) {
        add(new Diagnostic(Severity.WARNING, span, message));
    }

    public void add(Diagnostic diagnostic) {
        String key = diagnostic.severity() + "@" + diagnostic.span().start() + ":" + diagnostic.span().end()
                + ":" + diagnostic.message();
        if (!seen.add(key)) {
            return;
        }
        if (diagnostic.severity() == Severity.ERROR) {
            if (errors >= ERROR_LIMIT) {
                dropped++;
                return;
            }
            errors++;
        }
        items.add(diagnostic);
    }

    public boolean hasErrors() {
        return errors > 0;
    }

    public int errorCount() {
        return errors + dropped;
    }

    public int warningCount() {
        return (int) items.stream().filter(d -> d.severity() == Severity.WARNING).count();
    }

    /** Errors past {@link #ERROR_LIMIT} that were counted but not kept. */
    public int dropped() {
        return dropped;
    }

    /** All kept diagnostics, ordered by file position. */
    public List<Diagnostic> all() {
        List<Diagnostic> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingInt((Diagnostic d) -> d.span().start())
                .thenComparingInt(d -> d.span().end()));
        return sorted;
    }

    /** Every diagnostic rendered with its source line, then a summary of what was cut. */
    public String render() {
        StringBuilder out = new StringBuilder();
        for (Diagnostic diagnostic : all()) {
            out.append(diagnostic.render()).append('\n');
        }
        if (dropped > 0) {
            out.append(Messages.tooManyErrors(dropped)).append('\n');
        }
        return out.toString();
    }
}
