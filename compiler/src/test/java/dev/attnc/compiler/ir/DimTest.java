package dev.attnc.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Symbolic dims: constants fold, run-time dims stay apart, equality is algebraic. */
class DimTest {
    private static final Dim T = Dim.symbol("T");
    private static final Dim S = Dim.symbol("S");

    @Test
    void constantsFold() {
        assertEquals(Dim.of(768), Dim.of(3).times(Dim.of(256)));
        assertEquals(Optional.of(64L), Dim.of(768).dividedBy(12).flatMap(Dim::constant));
        assertEquals(Optional.empty(), Dim.of(768).dividedBy(7));
    }

    @Test
    void runTimeDimsAreDistinct() {
        assertNotEquals(T, S);
        assertEquals(T.plus(S), S.plus(T));
        assertEquals(T, T.plus(S).minus(S));
        assertEquals("S + T", T.plus(S).toString());
        assertEquals("2*T + 1", T.times(Dim.of(2)).plus(Dim.of(1)).toString());
        assertEquals("T*T", T.times(T).toString());
        assertEquals("-T", T.times(Dim.of(-1)).toString());
        assertEquals("0", T.minus(T).toString());
    }

    @Test
    void symbolicDivisionOnlyWhenExact() {
        assertEquals(Optional.of(T), T.times(Dim.of(4)).dividedBy(4));
        assertEquals(Optional.empty(), T.dividedBy(2));
        assertEquals(List.of("S", "T"), T.times(S).plus(Dim.of(3)).symbols());
        assertTrue(Dim.of(5).isConstant());
    }

    @Test
    void overflowIsAnExceptionTheCheckerReports() {
        Dim big = Dim.of(Long.MAX_VALUE / 2);
        try {
            big.times(Dim.of(4));
        } catch (ArithmeticException expected) {
            return;
        }
        throw new AssertionError("overflow should be detected");
    }
}
