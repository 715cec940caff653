package dev.attnc.runtime.tornado.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ArraysAndMathTest {

    @Test
    void floatArrays() {
        FloatArray a = FloatArray.fromElements(1f, 2f, 3f);
        assertEquals(3, a.getSize());
        assertEquals(12, a.getNumBytesOfSegment());
        assertEquals(28, a.getNumBytesOfSegmentWithHeader());
        assertEquals(4, a.getElementSize());
        float[] heap = a.toHeapArray();
        heap[0] = 99f;
        assertEquals(1f, a.get(0), 0f, "toHeapArray copies");
        assertArrayEquals(new float[] { 1f, 2f, 3f, 1f, 2f, 3f }, FloatArray.concat(a, a).toHeapArray());
        assertArrayEquals(new float[] { 2f, 3f }, a.slice(1, 2).toHeapArray());
        assertThrows(IllegalArgumentException.class, () -> a.slice(2, 2));
        FloatArray.initialize(a, 7f);
        assertArrayEquals(new float[] { 7f, 7f, 7f }, a.toHeapArray());
        a.clear();
        assertArrayEquals(new float[3], a.toHeapArray());
        assertThrows(IndexOutOfBoundsException.class, () -> a.get(3));
        float[] source = { 5f };
        FloatArray copy = FloatArray.fromArray(source);
        source[0] = 6f;
        assertEquals(5f, copy.get(0), 0f, "fromArray copies");
    }

    @Test
    void intArrays() {
        IntArray a = new IntArray(4);
        assertArrayEquals(new int[4], a.toHeapArray(), "zero-filled here (uninitialised in TornadoVM)");
        a.init(3);
        a.set(1, -2);
        assertArrayEquals(new int[] { 3, -2, 3, 3 }, a.toHeapArray());
        assertArrayEquals(new int[] { 3, -2 }, IntArray.fromArray(a.toHeapArray()).slice(0, 2).toHeapArray());
        assertThrows(IllegalArgumentException.class, () -> new IntArray(-1));
    }

    @Test
    void mathFollowsJavaMath() {
        assertEquals((float) Math.exp(1.5), TornadoMath.exp(1.5f), 0f);
        assertEquals(Math.tanh(0.3), TornadoMath.tanh(0.3), 0.0);
        assertEquals(2f, TornadoMath.clamp(5f, -2f, 2f), 0f);
        assertEquals((short) 3, TornadoMath.clamp((short) 3, (short) 0, (short) 4));
        assertEquals(7L, TornadoMath.max(7L, -1L));
        assertEquals(3f, TornadoMath.log2(8f), 1e-6f);
        assertEquals(0.25f, TornadoMath.fract(-1.75f), 0f);
        assertEquals(1.0, TornadoMath.sinpi(0.5), 1e-15);
        assertEquals(-2f, TornadoMath.floor(-1.5f), 0f);
        assertEquals(-1f, TornadoMath.ceil(-1.5f), 0f);
        assertEquals((float) Math.PI, TornadoMath.floatPI(), 0f);
        assertEquals(5, TornadoMath.abs(-5));
    }
}
