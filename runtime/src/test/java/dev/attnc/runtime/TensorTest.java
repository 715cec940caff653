package dev.attnc.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void floatTensorWrapsItsData() {
        float[] data = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.floats(data, 2, 3);
        assertSame(data, t.floatData());
        assertEquals(DType.F32, t.dtype());
        assertEquals(2, t.rank());
        assertEquals(2, t.dim(0));
        assertEquals(3, t.dim(1));
        assertEquals(3, t.dim(-1));
        assertEquals(6, t.size());
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertEquals("[2, 3]", t.shapeString());
    }

    @Test
    void shapeIsCopiedInAndOut() {
        int[] shape = {2, 3};
        Tensor t = Tensor.floats(new float[6], shape);
        shape[0] = 99;
        t.shape()[1] = 99;
        assertArrayEquals(new int[] {2, 3}, t.shape());
    }

    @Test
    void intTensor() {
        int[] data = {7, 8, 9, 10};
        Tensor t = Tensor.ints(data, 4);
        assertSame(data, t.intData());
        assertEquals(DType.I32, t.dtype());
        assertEquals("int[4]", t.shapeString());
    }

    @Test
    void scalarHasRankZeroAndOneElement() {
        Tensor t = Tensor.floats(new float[] {3.5f});
        assertEquals(0, t.rank());
        assertEquals(1, t.size());
        assertEquals("[]", t.shapeString());
        assertEquals("int[]", Tensor.ints(new int[] {1}).shapeString());
    }

    @Test
    void emptyDimMeansNoElements() {
        Tensor t = Tensor.floats(new float[0], 0, 768);
        assertEquals(0, t.size());
        assertEquals("[0, 768]", t.shapeString());
    }

    @Test
    void lengthMustMatchShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.floats(new float[5], 2, 3));
        assertEquals("data has 5 elements, but shape [2, 3] needs 6", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.ints(new int[3], 2, 2));
        assertEquals("data has 3 elements, but shape int[2, 2] needs 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.floats(new float[2]));
        assertEquals("data has 2 elements, but shape [] needs 1", e.getMessage());
    }

    @Test
    void dimsMustNotBeNegative() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.floats(new float[2], 2, -1));
        assertEquals("shape [2, -1] has a negative dim", e.getMessage());
    }

    @Test
    void hugeShapeIsALengthMismatchNotAnOverflow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.floats(new float[1], 65536, 65536, 65536, 65536, 65536));
        assertEquals("data has 1 elements, but shape [65536, 65536, 65536, 65536, 65536] needs "
                + Long.MAX_VALUE, e.getMessage());
    }

    @Test
    void sizeOf() {
        assertEquals(1, Tensor.sizeOf());
        assertEquals(6, Tensor.sizeOf(2, 3));
        assertEquals(0, Tensor.sizeOf(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, 0));
        assertEquals(Long.MAX_VALUE, Tensor.sizeOf(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE));
    }

    @Test
    void dimOutOfRange() {
        Tensor t = Tensor.floats(new float[6], 2, 3);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.dim(2));
        assertEquals("axis 2 is out of range for [2, 3] (rank 2)", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> t.dim(-3));
    }

    @Test
    void wrongDataAccessorSaysWhichToUse() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tensor.ints(new int[4], 4).floatData());
        assertEquals("floatData() called on an int32 tensor int[4]; use intData()", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> Tensor.floats(new float[4], 2, 2).intData());
        assertEquals("intData() called on a float32 tensor [2, 2]; use floatData()", e.getMessage());
    }

    @Test
    void equalityIsByDtypeShapeAndValues() {
        Tensor a = Tensor.floats(new float[] {1, 2, 3, 4}, 2, 2);
        assertEquals(a, Tensor.floats(new float[] {1, 2, 3, 4}, 2, 2));
        assertEquals(a.hashCode(), Tensor.floats(new float[] {1, 2, 3, 4}, 2, 2).hashCode());
        assertNotEquals(a, Tensor.floats(new float[] {1, 2, 3, 4}, 4));
        assertNotEquals(a, Tensor.floats(new float[] {1, 2, 3, 5}, 2, 2));
        assertNotEquals(a, Tensor.ints(new int[] {1, 2, 3, 4}, 2, 2));
        assertEquals(Tensor.floats(new float[] {Float.NaN}), Tensor.floats(new float[] {Float.NaN}));
    }

    @Test
    void toStringShowsDtypeShapeAndTheFirstValues() {
        assertEquals("F32[2, 3] {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}", Tensor.floats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).toString());
        assertEquals("I32[10] {0, 1, 2, 3, 4, 5, 6, 7, ... (2 more)}",
                Tensor.ints(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10).toString());
        assertEquals("F32[] {2.5}", Tensor.floats(new float[] {2.5f}).toString());
        assertEquals("F32[0] {}", Tensor.floats(new float[0], 0).toString());
    }
}
