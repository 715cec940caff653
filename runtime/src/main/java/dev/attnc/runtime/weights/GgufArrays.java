package dev.attnc.runtime.weights;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * Unmodifiable list views of the numeric arrays of GGUF metadata, kept as primitive arrays (a
 * vocabulary's 150,000 scores take 600 KB, not the 2.4 MB of boxed Doubles) and boxed one
 * element at a time as {@link CheckpointMetadata} promises: integers as Long, reals as Double.
 */
final class GgufArrays {

    private GgufArrays() {}

    /** Signed or unsigned 8-, 16- or 32-bit integers, as Long. */
    static List<Object> ints(int[] values, boolean unsigned32) {
        return new View(values.length) {
            @Override
            public Object get(int index) {
                int v = values[check(index)];
                return unsigned32 ? Integer.toUnsignedLong(v) : (long) v;
            }
        };
    }

    static List<Object> longs(long[] values) {
        return new View(values.length) {
            @Override
            public Object get(int index) {
                return values[check(index)];
            }
        };
    }

    static List<Object> floats(float[] values) {
        return new View(values.length) {
            @Override
            public Object get(int index) {
                return (double) values[check(index)];
            }
        };
    }

    static List<Object> doubles(double[] values) {
        return new View(values.length) {
            @Override
            public Object get(int index) {
                return values[check(index)];
            }
        };
    }

    static List<Object> booleans(boolean[] values) {
        return new View(values.length) {
            @Override
            public Object get(int index) {
                return values[check(index)];
            }
        };
    }

    private abstract static class View extends AbstractList<Object> implements RandomAccess {
        private final int size;

        View(int size) {
            this.size = size;
        }

        int check(int index) {
            if (index < 0 || index >= size) {
                throw new IndexOutOfBoundsException("index " + index + " of " + size);
            }
            return index;
        }

        @Override
        public int size() {
            return size;
        }
    }
}
