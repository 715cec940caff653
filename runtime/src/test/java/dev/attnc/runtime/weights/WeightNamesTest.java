package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a checkpoint under the .attn file's names: a prefix rule and a mapping file. */
class WeightNamesTest {
    @TempDir
    Path dir;

    private static String renamed(WeightNames names, String name) {
        return names.rename(name).map(WeightNames.Renamed::name).orElse(name);
    }

    @Test
    void prefixAddsRemovesOrSwaps() {
        WeightNames add = WeightNames.none().withPrefix("transformer.");
        assertEquals("transformer.h.0.ln_1.weight", renamed(add, "h.0.ln_1.weight"));
        assertEquals("transformer.h.0.ln_1.weight", renamed(WeightNames.none().withPrefix("=transformer."), "h.0.ln_1.weight"));
        WeightNames remove = WeightNames.none().withPrefix("model.=");
        assertEquals("layers.3.mlp.up.weight", renamed(remove, "model.layers.3.mlp.up.weight"));
        assertEquals("lm_head.weight", renamed(remove, "lm_head.weight"), "a name without the prefix is read as it is");
        assertEquals("transformer.h.1", renamed(WeightNames.none().withPrefix("model.=transformer."), "model.h.1"));
        WeightException same = assertThrows(WeightException.class, () -> WeightNames.none().withPrefix("a.=a."));
        assertTrue(same.getMessage().contains("changes no name"), same.getMessage());
    }

    @Test
    void fileRulesWithLayerPlaceholdersComeBeforeThePrefix() {
        WeightNames names = WeightNames.parse("gpt2.map", """
                # .attn name              = checkpoint name
                wte.weight                 = transformer.wte.weight   # the token embedding
                h.{n}.attn.c_attn.weight   = transformer.h.{n}.attn.qkv.weight

                blocks.{a}.{b}.w           = x.{b}.{a}
                """).withPrefix("=base.");
        assertEquals(Optional.of(new WeightNames.Renamed("transformer.wte.weight", "gpt2.map:2")), names.rename("wte.weight"));
        assertEquals(Optional.of(new WeightNames.Renamed("transformer.h.11.attn.qkv.weight", "gpt2.map:3")),
                names.rename("h.11.attn.c_attn.weight"));
        assertEquals("x.4.2", renamed(names, "blocks.2.4.w"));
        assertEquals(Optional.of(new WeightNames.Renamed("base.h.x.attn.c_attn.weight", "--weights-prefix =base.")),
                names.rename("h.x.attn.c_attn.weight"), "{n} matches digits only; the prefix takes the rest");
        assertEquals("h.11.attn.c_attn.weight", names.attnName("transformer.h.11.attn.qkv.weight"));
        assertEquals("ln_f.weight", names.attnName("base.ln_f.weight"));
    }

    @Test
    void malformedLinesNameTheFileAndLine() {
        assertEquals("m.map:2: expected ATTN_NAME = CHECKPOINT_NAME, found: a b",
                assertThrows(WeightException.class, () -> WeightNames.parse("m.map", "x = y\na b\n")).getMessage());
        assertEquals("m.map:1: {k} is not in h.{n}.w, so it has no value",
                assertThrows(WeightException.class, () -> WeightNames.parse("m.map", "h.{n}.w = g.{k}.w")).getMessage());
        assertEquals("m.map:2: h.{m}.w is already mapped on line 1, so this rule would never apply",
                assertThrows(WeightException.class, () -> WeightNames.parse("m.map", "h.{n}.w = a.{n}\nh.{m}.w = b.{m}")).getMessage());
        assertEquals("m.map:1: a placeholder is a name in braces, such as {n}: h.{1}.w",
                assertThrows(WeightException.class, () -> WeightNames.parse("m.map", "h.{1}.w = a")).getMessage());
    }

    @Test
    void aMappingFileLargerThanTheLimitIsRefusedBeforeItIsRead() throws IOException {
        Path big = dir.resolve("big.map");
        Files.write(big, new byte[WeightNames.MAX_FILE_BYTES + 1]);
        assertTrue(assertThrows(WeightException.class, () -> WeightNames.read(big)).getMessage().startsWith("big.map: longer than"));
        assertTrue(assertThrows(WeightException.class, () -> WeightNames.read(dir)).getMessage().contains("is a directory"));
    }

    @Test
    void aCheckpointIsReadUnderTheMappedNames() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        float[] wte = new float[6];
        for (int i = 0; i < wte.length; i++) {
            wte[i] = (float) random.nextGaussian();
        }
        Path file = dir.resolve("ckpt.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("transformer.wte.weight", Tensor.floats(wte, 3, 2));
        Safetensors.write(file, tensors);
        try (WeightSource source = new RenamedWeights(Safetensors.open(file), WeightNames.none().withPrefix("transformer."))) {
            assertTrue(source.contains("wte.weight"));
            assertFalse(source.contains("transformer.wte.weight"));
            assertArrayEquals(wte, source.floats("wte.weight", new int[] {3, 2}, Init.LINEAR));
            assertEquals(java.util.Set.of("wte.weight"), source.names());
            WeightException wrong = assertThrows(WeightException.class, () -> source.floats("wte.weight", new int[] {2, 3}, Init.LINEAR));
            assertEquals("wte.weight (transformer.wte.weight by --weights-prefix =transformer.): transformer.wte.weight:"
                    + " expected [2, 3], found [3, 2] in ckpt.safetensors", wrong.getMessage());
        }
    }
}
