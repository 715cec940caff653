package dev.attnc.runtime.tornado.jvm;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * As TornadoVM's {@code annotations.Parallel}: marks a loop whose iterations may run in parallel,
 * {@code for (@Parallel int i = 0; i < n; i++)}. On the JVM a kernel's outermost such loop is
 * spread across the CPU workers ({@link ParallelLoops}); loops inside it run in order.
 */
@Target({ ElementType.LOCAL_VARIABLE, ElementType.TYPE, ElementType.TYPE_USE, ElementType.TYPE_PARAMETER })
@Retention(RetentionPolicy.RUNTIME)
public @interface Parallel {
}
