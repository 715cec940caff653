package dev.attnc.runtime.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TornadoSupportTest {

    @Test
    void noTornadoVmOnAPlainJvm() {
        assertFalse(TornadoSupport.available());
        String reason = TornadoSupport.unavailableReason().orElseThrow();
        assertTrue(reason.contains(TornadoSupport.API_IMPLEMENTATION_PROPERTY), reason);
    }

    @Test
    void propertiesAloneAreNotEnough() {
        String[] properties = { TornadoSupport.API_IMPLEMENTATION_PROPERTY, TornadoSupport.RUNTIME_IMPLEMENTATION_PROPERTY,
                TornadoSupport.TORNADO_IMPLEMENTATION_PROPERTY };
        try {
            for (String property : properties) {
                System.setProperty(property, "uk.ac.manchester.tornado.runtime.Missing");
            }
            assertFalse(TornadoSupport.available());
            String reason = TornadoSupport.unavailableReason().orElseThrow();
            assertTrue(reason.contains("uk.ac.manchester.tornado.api.TaskGraph is not on the class or module path"), reason);
        } finally {
            for (String property : properties) {
                System.clearProperty(property);
            }
        }
    }

    @Test
    void counterpartsKeepSimpleAndNestedNames() {
        assertEquals(Optional.of("dev.attnc.runtime.tornado.jvm.TaskGraph"),
                TornadoSupport.jvmCounterpart("uk.ac.manchester.tornado.api.TaskGraph"));
        assertEquals(Optional.of("dev.attnc.runtime.tornado.jvm.TornadoFunctions$Task15"),
                TornadoSupport.jvmCounterpart("uk.ac.manchester.tornado.api.common.TornadoFunctions$Task15"));
        assertEquals(Optional.of("dev.attnc.runtime.tornado.jvm.FloatArray"),
                TornadoSupport.jvmCounterpart("uk.ac.manchester.tornado.api.types.arrays.FloatArray"));
        assertEquals(Optional.empty(), TornadoSupport.jvmCounterpart("uk.ac.manchester.tornado.api.types.arrays.DoubleArray"));
        assertEquals(Optional.empty(),
                TornadoSupport.jvmCounterpart("uk.ac.manchester.tornado.api.common.TornadoFunctions$LibraryTask1"));
        assertEquals(Optional.of("java.lang.String"), TornadoSupport.jvmCounterpart("java.lang.String"));
    }

    @Test
    void everyCounterpartExists() throws ClassNotFoundException {
        for (String simple : ApiRemapper.COUNTERPARTS.values()) {
            Class.forName(TornadoSupport.JVM_PACKAGE + "." + simple);
        }
        for (int n = 1; n <= 20; n++) {
            assertTrue(TornadoSupport.jvmCounterpart("uk.ac.manchester.tornado.api.common.TornadoFunctions$Task" + n).isPresent());
        }
        assertThrows(ClassNotFoundException.class, () -> Class.forName("uk.ac.manchester.tornado.api.TaskGraph"),
                "the facade must not be on the test class path");
    }
}
