package dev.attnc.runtime.tornado.jvm;

import java.util.Objects;

/**
 * A part of an array to copy back, as TornadoVM's {@code DataRange}: an offset and a size in
 * elements (0 for either means the start, or up to the end). {@link #materialize()} turns them
 * into bytes past TornadoVM's 16-byte array header, and rejects a range past the end as TornadoVM
 * does.
 */
public class DataRange {

    private final TornadoNativeArray array;
    private long offset;
    private long size;
    private long offsetBytes;
    private long sizeBytes;
    private boolean materialized;

    public DataRange(TornadoNativeArray tornadoNativeArray) {
        this.array = Objects.requireNonNull(tornadoNativeArray, "tornadoNativeArray");
    }

    public DataRange withOffset(long offset) {
        this.offset = offset;
        return this;
    }

    public DataRange withSize(long size) {
        this.size = size;
        return this;
    }

    /** The first byte to copy, counted from the start of the segment with its header. */
    public long getOffset() {
        requireMaterialized();
        return offsetBytes;
    }

    /** The bytes to copy. */
    public long getPartialSize() {
        requireMaterialized();
        return sizeBytes;
    }

    public void materialize() {
        if (offset < 0 || size < 0) {
            throw new IllegalArgumentException("negative offset " + offset + " or size " + size + " in a DataRange");
        }
        long total = array.getNumBytesOfSegment();
        sizeBytes = size == 0 ? total : size * array.getElementSize();
        offsetBytes = TornadoNativeArray.ARRAY_HEADER + offset * array.getElementSize();
        if (sizeBytes + offsetBytes > total + TornadoNativeArray.ARRAY_HEADER) {
            throw new IllegalArgumentException("a DataRange of " + size + " elements from " + offset
                    + " is larger than the array of " + array.getSize());
        }
        materialized = true;
    }

    public TornadoNativeArray getArray() {
        return array;
    }

    private void requireMaterialized() {
        if (!materialized) {
            throw new IllegalStateException("call materialize() before the getters of a DataRange");
        }
    }
}
