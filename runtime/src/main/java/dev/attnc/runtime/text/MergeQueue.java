package dev.attnc.runtime.text;

import java.util.Arrays;

/**
 * A min-heap of merge candidates in primitive arrays: a 64-bit priority (smallest first) and one
 * int of payload each. The tokenizers put the merge's rank or score in the high 32 bits and the
 * position of its left symbol in the low ones, so equal priorities go leftmost first.
 */
final class MergeQueue {
    private long[] keys;
    private long[] values;
    private int size;

    MergeQueue(int capacity) {
        keys = new long[Math.max(4, capacity)];
        values = new long[keys.length];
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        size = 0;
    }

    void push(long key, long value) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) {
                break;
            }
            keys[i] = keys[parent];
            values[i] = values[parent];
            i = parent;
        }
        keys[i] = key;
        values[i] = value;
    }

    /** The smallest key (the queue must not be empty). */
    long topKey() {
        return keys[0];
    }

    /** The payload of the smallest key. */
    long topValue() {
        return values[0];
    }

    void pop() {
        size--;
        if (size == 0) {
            return;
        }
        long key = keys[size];
        long value = values[size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && keys[child + 1] < keys[child]) {
                child++;
            }
            if (keys[child] >= key) {
                break;
            }
            keys[i] = keys[child];
            values[i] = values[child];
            i = child;
        }
        keys[i] = key;
        values[i] = value;
    }
}
