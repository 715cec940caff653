package dev.attnc.compiler.check;

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

    /** Every name visible here, nearest first: for "did you mean" hints. */
    List<String> visibleNames() {
        List<String> all = new ArrayList<>();
        for (Scope scope = this; scope != null; scope = scope.parent) {
            all.addAll(scope.names.keySet());
        }
        return all;
    }
}
