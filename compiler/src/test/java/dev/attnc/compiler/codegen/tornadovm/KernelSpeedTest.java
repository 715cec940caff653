package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link KernelSpeedRunner} at small sizes on the JVM launcher: its harnesses build, the former
 * and current attention kernels run, and they agree (so the baseline of the PoCL figures in
 * docs/tornadovm.md computes the same attention). Times here mean nothing.
 */
class KernelSpeedTest {

    @Test
    void formerAndCurrentAttentionAgree() {
        List<KernelSpeedRunner.Row> table = KernelSpeedRunner.measure(List.of(40), 1, false);
        KernelSpeedRunner.print(table, 1);
        KernelSpeedRunner.Row attention = table.get(0);
        assertTrue(attention.difference() < 1e-5, "former and current attention differ by " + attention.difference() + " of the scale");
    }
}
