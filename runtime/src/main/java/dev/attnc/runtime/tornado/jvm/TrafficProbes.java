package dev.attnc.runtime.tornado.jvm;

/**
 * What classes instrumented for {@link MemoryTraffic} call instead of each array access. Not part
 * of the TornadoVM API: only code rewritten at load time calls these. Each does the access, then,
 * if a recording is open, reports it with the id of its site.
 */
public final class TrafficProbes {

    private TrafficProbes() {
    }

    /** Registers an access site at load time: {@code where} is {@code Class.method:line}. */
    public static int site(String where, MemoryTraffic.Access access) {
        return TrafficRecorder.register(where, access.ordinal());
    }

    /**
     * Before a get or set of any other TornadoVM array type (a {@code HalfFloatArray}, ...): its
     * element size comes from {@link TornadoNativeArray#getElementSize()}.
     */
    public static void access(Object array, int index, int site) {
        TrafficRecorder recorder = TrafficRecorder.active;
        if (recorder != null) {
            recorder.global(array, index, array instanceof TornadoNativeArray tornado ? tornado.getElementSize() : 4, site);
        }
    }

    public static float getFloat(FloatArray array, int index, int site) {
        float value = array.get(index);
        TrafficRecorder recorder = TrafficRecorder.active;
        if (recorder != null) {
            recorder.global(array, index, 4, site);
        }
        return value;
    }

    public static void setFloat(FloatArray array, int index, float value, int site) {
        array.set(index, value);
        TrafficRecorder recorder = TrafficRecorder.active;
        if (recorder != null) {
            recorder.global(array, index, 4, site);
        }
    }

    public static int getInt(IntArray array, int index, int site) {
        int value = array.get(index);
        TrafficRecorder recorder = TrafficRecorder.active;
        if (recorder != null) {
            recorder.global(array, index, 4, site);
        }
        return value;
    }

    public static void setInt(IntArray array, int index, int value, int site) {
        array.set(index, value);
        TrafficRecorder recorder = TrafficRecorder.active;
        if (recorder != null) {
            recorder.global(array, index, 4, site);
        }
    }

    public static float loadFloat(float[] array, int index, int site) {
        float value = array[index];
        local(array, 4, site);
        return value;
    }

    public static void storeFloat(float[] array, int index, float value, int site) {
        array[index] = value;
        local(array, 4, site);
    }

    public static int loadInt(int[] array, int index, int site) {
        int value = array[index];
        local(array, 4, site);
        return value;
    }

    public static void storeInt(int[] array, int index, int value, int site) {
        array[index] = value;
        local(array, 4, site);
    }

    public static long loadLong(long[] array, int index, int site) {
        long value = array[index];
        local(array, 8, site);
        return value;
    }

    public static void storeLong(long[] array, int index, long value, int site) {
        array[index] = value;
        local(array, 8, site);
    }

    public static double loadDouble(double[] array, int index, int site) {
        double value = array[index];
        local(array, 8, site);
        return value;
    }

    public static void storeDouble(double[] array, int index, double value, int site) {
        array[index] = value;
        local(array, 8, site);
    }

    /** A {@code @Parallel} loop variable ({@code depth} 0 for the outermost) now holds {@code value}. */
    public static void loopIndex(int value, int depth) {
        TrafficRecorder recorder = TrafficRecorder.active;
        if (recorder != null) {
            recorder.loopIndex(value, depth);
        }
    }

    private static void local(Object array, int elementBytes, int site) {
        TrafficRecorder recorder = TrafficRecorder.active;
        if (recorder != null) {
            recorder.local(array, elementBytes, site);
        }
    }
}
