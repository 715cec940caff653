package dev.attnc.compiler.cli;

import dev.attnc.runtime.tornado.TornadoSupport;
import java.util.Locale;

/** The two backends, and how a generated TornadoVM class is made to run where TornadoVM is missing. */
enum Backends {
    JVM, TORNADOVM;

    static Backends parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "jvm" -> JVM;
            case "tornadovm", "tornado" -> TORNADOVM;
            default -> throw new Main.UsageError("unknown --backend '" + name + "': use jvm or tornadovm");
        };
    }

    /** Which backend runs, in one line; {@code device} as given to {@code --device}, or null. */
    static String describe(Backends chosen, String device) {
        if (chosen == JVM) {
            return "JVM backend";
        }
        return TornadoSupport.available()
                ? "TornadoVM backend" + (device == null ? " on TornadoVM's default device" : " on device " + device)
                : "TornadoVM backend; TornadoVM is not in this JVM, so its kernels run on the JVM"
                        + (device == null ? "" : " and --device " + device + " is not used")
                        + " (start attnc with `java @$TORNADOVM_HOME/tornado-argfile` to use a GPU; see docs/tornadovm.md)";
    }

}
