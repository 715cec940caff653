package example;

import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import example.models.TinyGpt;
import java.util.Map;

/** Runs the generated model once and prints the first values of its output: `mvn compile exec:exec`. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        try (TinyGpt model = TinyGpt.load(new RandomWeights(42))) {
            Tensor x = model.forward(Map.of("ids", Tensor.ints(new int[] {5, 17, 42}, 3))).get("x");
            float[] values = x.floatData();
            System.out.printf("x: shape [%d, %d], first values %.4f %.4f %.4f%n", x.shape()[0], x.shape()[1],
                    values[0], values[1], values[2]);
        }
    }
}
