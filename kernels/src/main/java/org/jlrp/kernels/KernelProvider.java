package org.jlrp.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.LoggerFactory;

/**
 * Picks the kernel implementation once, at class initialisation: the Vector API one when the
 * {@code jdk.incubator.vector} module is in the boot layer, the scalar reference otherwise.
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code jlrp.kernels=scalar} forces the scalar kernels ({@code simd} or {@code auto}, the default, pick the
 *       SIMD ones when possible; any other value falls back to scalar);</li>
 *   <li>{@code jlrp.vector.bits=128|256|512} overrides the preferred vector width, once per JVM (the Vector API
 *       is only compiled to SIMD instructions when the width is a constant).</li>
 * </ul>
 * A bad value never fails class initialisation: the scalar kernels run and {@link #fallbackReason()} says why. Any
 * fallback other than {@code jlrp.kernels=scalar} is also logged once, at WARN, through SLF4J.
 */
public final class KernelProvider {

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String FACTORY = "org.jlrp.kernels.VectorKernelsFactory";
    private static volatile String fallbackReason; // declared before KERNELS: choose() sets it
    private static final Kernels KERNELS = choose();

    private KernelProvider() {
    }

    /** The kernels this JVM uses. */
    public static Kernels get() {
        return KERNELS;
    }

    /** The scalar reference kernels, whatever {@link #get()} returns. */
    public static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /** Whether the Vector API module is present in this JVM. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /**
     * The SIMD kernels; {@code bits} is 0 or this JVM's width ({@code -Djlrp.vector.bits}, default the preferred).
     *
     * @throws IllegalStateException when the Vector API module is absent
     */
    public static Kernels vector(int bits) {
        if (!vectorModulePresent()) {
            throw new IllegalStateException("the Vector API is not available: run the JVM with --add-modules="
                    + VECTOR_MODULE);
        }
        try {
            // Reflection keeps VectorKernels (and so jdk.incubator.vector) unloaded when the module is absent.
            Class<?> factory = Class.forName(FACTORY);
            return (Kernels) MethodHandles.lookup()
                    .findStatic(factory, "create", MethodType.methodType(Kernels.class, int.class))
                    .invoke(bits);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create the Vector API kernels: " + e, e);
        }
    }

    /** Why the scalar kernels were chosen, or null when the SIMD ones were. */
    public static String fallbackReason() {
        return fallbackReason;
    }

    private static Kernels choose() {
        KernelChoice.Decision decision;
        Kernels kernels;
        try {
            decision = KernelChoice.decide(System.getProperty(KernelChoice.KERNELS_PROPERTY),
                    System.getProperty(KernelChoice.BITS_PROPERTY), vectorModulePresent(), KernelProvider::widestBits);
            kernels = decision.vector() ? vector(decision.bits()) : ScalarKernels.INSTANCE;
        } catch (RuntimeException | LinkageError e) {
            // A failure here would fail this class's initialisation, and with it every later use of the library.
            decision = KernelChoice.Decision.scalar("the Vector API kernels failed to start: " + e);
            kernels = ScalarKernels.INSTANCE;
        }
        fallbackReason = decision.reason();
        if (decision.warn()) {
            warn(decision.reason());
        }
        return kernels;
    }

    /** The CPU's preferred vector width, read through the factory so that VectorKernels stays uninitialised. */
    private static int widestBits() {
        try {
            return (int) MethodHandles.lookup()
                    .findStatic(Class.forName(FACTORY), "widestBits", MethodType.methodType(int.class))
                    .invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot read the vector width: " + e, e);
        }
    }

    private static void warn(String reason) {
        try {
            LoggerFactory.getLogger(KernelProvider.class).warn("jlrp runs on the slower scalar kernels: {}", reason);
        } catch (RuntimeException | LinkageError e) {
            // No SLF4J on the class path (or a broken binding): the kernels still work; fallbackReason() tells.
        }
    }
}
