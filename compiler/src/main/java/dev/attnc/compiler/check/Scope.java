package dev.attnc.compiler.check;

import dev.attnc.compiler.diag.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names visible at a point. Lookup walks outwards. Assignment walks outwards only as far as
 * the nearest isolated scope (a model or block body), so a block never changes its caller's
 * values, while a repeat body carries its updates to the next layer.
 */
final class Scope {
    private final Scope parent;
    private final boolean isolated;
    private final Map<String, Binding> names = new LinkedHashMap<>();
    /** Names a finished repeat body here defined for itself only, with where they were defined. */
    private final Map<String, RepeatLocal> repeatLocals = new LinkedHashMap<>();

    /** A name a repeat body defined for itself: its binding there, and the repeat statement. */
    record RepeatLocal(Binding binding, Span repeat) {
    }

    Scope(Scope parent, boolean isolated) {
        this.parent = parent;
        this.isolated = isolated;
    }

    Binding lookup(String name) {
        for (Scope scope = this; scope != null; scope = scope.parent) {
            Binding binding = scope.names.get(name);
            if (binding != null) {
                return binding;
            }
        }
        return null;
    }

    Binding lookupLocal(String name) {
        return names.get(name);
    }

    /** The scope an assignment to {@code name} updates, or null if it defines a new local. */
    Scope assignmentTarget(String name) {
        for (Scope scope = this; scope != null; scope = scope.parent) {
            if (scope.names.containsKey(name)) {
                return scope;
            }
            if (scope.isolated) {
                return null;
            }
        }
        return null;
    }

    void define(String name, Binding binding) {
        names.put(name, binding);
    }

    /** The names defined in this scope itself, in order. */
    List<String> localNames() {
        return List.copyOf(names.keySet());
    }

    /** Notes that a repeat body nested here defined {@code name} for itself only. */
    void noteRepeatLocal(String name, Binding binding, Span repeat) {
        repeatLocals.putIfAbsent(name, new RepeatLocal(binding, repeat));
    }

    /** The names finished repeat bodies noted in this scope itself. */
    Map<String, RepeatLocal> repeatLocals() {
        return repeatLocals;
    }

    /**
     * What a finished repeat body visible from here defined as {@code name} for itself only,
     * or null: to explain an unknown name used after the repeat.
     */
    RepeatLocal repeatLocal(String name) {
        for (Scope scope = this; scope != null; scope = scope.parent) {
            RepeatLocal local = scope.repeatLocals.get(name);
            if (local != null) {
                return local;
            }
        }
        return null;
    }

    /** Every name visible here, nearest first: for "did you mean" hints. */
    List<String> visibleNames() {
        List<String> all = new ArrayList<>();
        for (Scope scope = this; scope != null; scope = scope.parent) {
            all.addAll(scope.names.keySet());
        }
        return all;
    }
}
