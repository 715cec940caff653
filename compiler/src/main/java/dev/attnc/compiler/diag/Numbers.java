package dev.attnc.compiler.diag;

/** Numbers written the way a person writes them: {@code 768}, {@code 0.5}, {@code 1e-5}. */
public final class Numbers {
    private Numbers() {
    }

    public static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        String text = Double.toString(value);
        int exponent = text.indexOf('E');
        if (exponent < 0) {
            return text;
        }
        String mantissa = text.substring(0, exponent);
        if (mantissa.endsWith(".0")) {
            mantissa = mantissa.substring(0, mantissa.length() - 2);
        }
        return mantissa + "e" + text.substring(exponent + 1);
    }

    /** A count with thousands separators, {@code 1,000,000}; a count past {@code long} (saturated) as such. */
    public static String count(long value) {
        return value == Long.MAX_VALUE ? "more than 9,223,372,036,854,775,806" : String.format(java.util.Locale.ROOT, "%,d", value);
    }
}
