package dev.attnc.compiler.ir;

/** Element types: activations and weights are float32; token ids and lengths are int32. */
public enum DType {
    FLOAT("float"),
    INT("int");

    private final String spelling;

    DType(String spelling) {
        this.spelling = spelling;
    }

    public String spelling() {
        return spelling;
    }
}
