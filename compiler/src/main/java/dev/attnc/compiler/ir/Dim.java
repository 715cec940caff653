package dev.attnc.compiler.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A dimension size: a polynomial with integer coefficients over run-time dims, such as
 * {@code 768}, {@code T} or {@code T + S}. Constants fold; two dims are equal when their
 * polynomials are, so {@code 3 * 256} and {@code 768} agree, and {@code T} and {@code S} never do.
 */
public final class Dim {
    /**
     * Terms of one dim, and run-time dims multiplied in one term: sizes such as {@code T + S}
     * or {@code 2 * T * S} have a few. Past these a size is refused ({@link TooComplex}), so
     * that {@code (T + S + U) * (T + S + U) * ...} cannot multiply out into millions of terms.
     */
    public static final int MAX_TERMS = 64;
    public static final int MAX_DEGREE = 8;

    /** A size past {@link #MAX_TERMS} or {@link #MAX_DEGREE}; an ArithmeticException, like an overflow. */
    public static final class TooComplex extends ArithmeticException {
        public TooComplex() {
            super("a size with more than " + MAX_TERMS + " terms or more than " + MAX_DEGREE + " run-time dims in a product");
        }
    }

    /** Monomial (sorted run-time dim names joined by '*'; "" for the constant term) to coefficient. */
    private final TreeMap<String, Long> terms;

    private Dim(TreeMap<String, Long> terms) {
        terms.values().removeIf(c -> c == 0);
        if (terms.size() > MAX_TERMS) {
            throw new TooComplex();
        }
        this.terms = terms;
    }

    public static Dim of(long value) {
        TreeMap<String, Long> terms = new TreeMap<>();
        terms.put("", value);
        return new Dim(terms);
    }

    public static Dim symbol(String name) {
        TreeMap<String, Long> terms = new TreeMap<>();
        terms.put(name, 1L);
        return new Dim(terms);
    }

    /** Monomial ("" for the constant term, else dim names joined by '*') to coefficient. */
    public Map<String, Long> terms() {
        return java.util.Collections.unmodifiableMap(terms);
    }

    public boolean isConstant() {
        return terms.isEmpty() || terms.size() == 1 && terms.containsKey("");
    }

    /** The value of a constant dim; empty for one that depends on run-time dims. */
    public Optional<Long> constant() {
        return isConstant() ? Optional.of(terms.getOrDefault("", 0L)) : Optional.empty();
    }

    public Dim plus(Dim other) {
        TreeMap<String, Long> sum = new TreeMap<>(terms);
        other.terms.forEach((k, v) -> sum.merge(k, v, Math::addExact));
        return new Dim(sum);
    }

    public Dim minus(Dim other) {
        return plus(other.times(Dim.of(-1)));
    }

    public Dim times(Dim other) {
        if ((long) terms.size() * other.terms.size() > (long) MAX_TERMS * MAX_TERMS) {
            throw new TooComplex();
        }
        TreeMap<String, Long> product = new TreeMap<>();
        for (Map.Entry<String, Long> a : terms.entrySet()) {
            for (Map.Entry<String, Long> b : other.terms.entrySet()) {
                product.merge(multiply(a.getKey(), b.getKey()), Math.multiplyExact(a.getValue(), b.getValue()), Math::addExact);
            }
        }
        return new Dim(product);
    }

    /** This dim divided by a whole number, when every coefficient divides; empty otherwise. */
    public Optional<Dim> dividedBy(long divisor) {
        if (divisor == 0) {
            return Optional.empty();
        }
        TreeMap<String, Long> quotient = new TreeMap<>();
        for (Map.Entry<String, Long> term : terms.entrySet()) {
            if (term.getValue() % divisor != 0) {
                return Optional.empty();
            }
            quotient.put(term.getKey(), term.getValue() / divisor);
        }
        return Optional.of(new Dim(quotient));
    }

    /** The run-time dims this one depends on. */
    public List<String> symbols() {
        List<String> names = new ArrayList<>();
        for (String monomial : terms.keySet()) {
            if (!monomial.isEmpty()) {
                for (String name : monomial.split("\\*")) {
                    if (!names.contains(name)) {
                        names.add(name);
                    }
                }
            }
        }
        return names;
    }

    private static String multiply(String a, String b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        List<String> factors = new ArrayList<>(List.of(a.split("\\*")));
        Collections.addAll(factors, b.split("\\*"));
        if (factors.size() > MAX_DEGREE) {
            throw new TooComplex();
        }
        Collections.sort(factors);
        return String.join("*", factors);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dim other && terms.equals(other.terms);
    }

    @Override
    public int hashCode() {
        return terms.hashCode();
    }

    /** Written as in source: {@code 768}, {@code T}, {@code 2*T + 1}. */
    @Override
    public String toString() {
        return render(java.util.function.Function.identity());
    }

    /** As {@link #toString}, each symbol written as {@code symbol} gives it (generated code's names for dims). */
    public String render(java.util.function.Function<String, String> symbol) {
        if (terms.isEmpty()) {
            return "0";
        }
        StringBuilder out = new StringBuilder();
        // Symbolic terms first, the constant last: "T + 1", not "1 + T".
        List<Map.Entry<String, Long>> ordered = new ArrayList<>(terms.entrySet());
        ordered.sort((x, y) -> x.getKey().isEmpty() ? 1 : y.getKey().isEmpty() ? -1 : x.getKey().compareTo(y.getKey()));
        for (Map.Entry<String, Long> term : ordered) {
            long coefficient = term.getValue();
            String monomial = term.getKey();
            if (out.length() > 0) {
                out.append(coefficient < 0 ? " - " : " + ");
                coefficient = Math.abs(coefficient);
            } else if (coefficient < 0 && !monomial.isEmpty()) {
                out.append('-');
                coefficient = -coefficient;
            }
            if (monomial.isEmpty()) {
                out.append(coefficient);
            } else {
                if (coefficient != 1) {
                    out.append(coefficient).append('*');
                }
                out.append(java.util.Arrays.stream(monomial.split("\\*")).map(symbol).collect(java.util.stream.Collectors.joining("*")));
            }
        }
        return out.toString();
    }
}
