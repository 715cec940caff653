package dev.attnc.runtime.tornado.jvm;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A data transfer a graph declared; recorded only, since the JVM shares data with the host.
 * {@code graphName} is the graph that declared it, or for {@link Kind#CONSUME_FROM_DEVICE} the
 * graph named as the source (null when none was named).
 */
record Transfer(Kind kind, int mode, String graphName, List<Object> objects) {

    enum Kind {
        TO_DEVICE, TO_HOST, CONSUME_FROM_DEVICE
    }

    static Transfer of(Kind kind, int mode, String graphName, Object[] objects) {
        if (mode != DataTransferMode.FIRST_EXECUTION && mode != DataTransferMode.EVERY_EXECUTION
                && mode != DataTransferMode.UNDER_DEMAND) {
            throw new IllegalArgumentException("unknown DataTransferMode " + mode
                    + " (FIRST_EXECUTION = 0, EVERY_EXECUTION = 1, UNDER_DEMAND = 2)");
        }
        Objects.requireNonNull(objects, "objects");
        for (Object object : objects) {
            Objects.requireNonNull(object, "a transferred object is null");
        }
        return new Transfer(kind, mode, graphName, Collections.unmodifiableList(Arrays.asList(objects.clone())));
    }

    /** Whether this transfer names {@code object} (the same object, not an equal one). */
    boolean contains(Object object) {
        return objects.stream().anyMatch(declared -> declared == object);
    }
}
