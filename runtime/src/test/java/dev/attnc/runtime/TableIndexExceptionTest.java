package dev.attnc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The check generated code calls on an index it could not prove inside its axis. */
class TableIndexExceptionTest {

    @Test
    void anIndexInsideIsReturned() {
        assertEquals(0, TableIndexException.check(0, 16, "rel[0, i - j]", 1, "score at m.attn:3:14", "i, j", 5, 5));
        assertEquals(15, TableIndexException.check(15, 16, "rel[0, i - j]", 1, "score at m.attn:3:14", "i, j", 15, 0));
        assertEquals(3, TableIndexException.check(3, 4, "lens[2]", 0, "mask at m.attn:4:9"));
    }

    @Test
    void eachEndOfTheAxisIsOutside() {
        assertEquals("rel[0, i - j]: index 16 of axis 1 is outside [0, 16) at i = 16, j = 0 (score at m.attn:3:14)",
                assertThrows(TableIndexException.class,
                        () -> TableIndexException.check(16, 16, "rel[0, i - j]", 1, "score at m.attn:3:14", "i, j", 16, 0)).getMessage());
        assertEquals("rel[0, i - j]: index -1 of axis 1 is outside [0, 16) at i = 0, j = 1 (score at m.attn:3:14)",
                assertThrows(TableIndexException.class,
                        () -> TableIndexException.check(-1, 16, "rel[0, i - j]", 1, "score at m.attn:3:14", "i, j", 0, 1)).getMessage());
    }

    @Test
    void everyVariableCountIsNamed() {
        assertEquals("t[7]: index 7 of axis 0 is outside [0, 4) (mask at m.attn:1:1)",
                assertThrows(TableIndexException.class, () -> TableIndexException.check(7, 4, "t[7]", 0, "mask at m.attn:1:1")).getMessage());
        assertEquals("t[h]: index 4 of axis 0 is outside [0, 4) at h = 4 (mask at m.attn:1:1)",
                assertThrows(TableIndexException.class,
                        () -> TableIndexException.check(4, 4, "t[h]", 0, "mask at m.attn:1:1", "h", 4)).getMessage());
        assertEquals("t[h, i, j]: index 9 of axis 2 is outside [0, 9) at h = 1, i = 2, j = 9 (score at m.attn:1:1)",
                assertThrows(TableIndexException.class,
                        () -> TableIndexException.check(9, 9, "t[h, i, j]", 2, "score at m.attn:1:1", "h, i, j", 1, 2, 9)).getMessage());
        assertEquals("t[layer, h, i - j + T]: index 70 of axis 2 is outside [0, 64) at layer = 1, h = 0, i = 40, j = 2, T = 32"
                + " (score at m.attn:1:1)", assertThrows(TableIndexException.class,
                        () -> TableIndexException.check(70, 64, "t[layer, h, i - j + T]", 2, "score at m.attn:1:1", "layer, h, i, j, T",
                                1, 0, 40, 2, 32)).getMessage());
    }

    @Test
    void itIsAnIndexOutOfBoundsException() {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> TableIndexException.check(Integer.MIN_VALUE, 1, "t[x]", 0, "score at m.attn:1:1"));
        assertEquals("t[x]: index -2147483648 of axis 0 is outside [0, 1) (score at m.attn:1:1)", e.getMessage());
    }
}
