package org.jlrp.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every combination of the kernel properties and the module, through the pure decision. */
class KernelChoiceTest {

    private static final IntSupplier AVX512 = () -> 512;
    private static final IntSupplier AVX2 = () -> 256;
    /** For inputs that must be decided without loading the Vector API. */
    private static final IntSupplier UNTOUCHABLE = () -> fail("the CPU's width was read");

    private static void assertScalar(KernelChoice.Decision d, String... reasonParts) {
        assertFalse(d.vector(), String.valueOf(d));
        assertEquals(0, d.bits(), String.valueOf(d));
        for (String part : reasonParts) {
            assertTrue(d.reason().contains(part), d.reason() + " should contain " + part);
        }
    }

    private static void assertSimd(KernelChoice.Decision d, int bits) {
        assertTrue(d.vector(), String.valueOf(d));
        assertEquals(bits, d.bits(), String.valueOf(d));
        assertNull(d.reason());
        assertFalse(d.warn());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "auto", "simd", "vector", "SIMD", " Vector "})
    void simdWhenTheModuleIsPresent(String kernels) {
        assertSimd(KernelChoice.decide(kernels, null, true, UNTOUCHABLE), 0);
        assertSimd(KernelChoice.decide(kernels, "", true, UNTOUCHABLE), 0);
        assertSimd(KernelChoice.decide(kernels, "256", true, AVX512), 256);
    }

    @Test
    void unsetPropertiesPickSimdAtThePreferredWidth() {
        assertSimd(KernelChoice.decide(null, null, true, UNTOUCHABLE), 0);
        assertSimd(KernelChoice.decide(null, "0", true, UNTOUCHABLE), 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "auto", "simd", "vector"})
    void absentModuleFallsBackWithTheFlagToAdd(String kernels) {
        for (String bits : new String[]{null, "256", "abc", "1024"}) {
            KernelChoice.Decision d = KernelChoice.decide(kernels, bits, false, UNTOUCHABLE);
            assertScalar(d, "--add-modules=jdk.incubator.vector");
            assertTrue(d.warn(), "a fallback nobody asked for is logged");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "SCALAR", " scalar "})
    void forcedScalarIsNotWarnedAbout(String kernels) {
        for (boolean module : new boolean[]{true, false}) {
            for (String bits : new String[]{null, "512", "abc"}) {
                KernelChoice.Decision d = KernelChoice.decide(kernels, bits, module, UNTOUCHABLE);
                assertScalar(d, "-Djlrp.kernels=scalar");
                assertTrue(d.forced());
                assertFalse(d.warn());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpu", "simd512", "scalar,simd", "0"})
    void unknownKernelsValueFallsBackNamingIt(String kernels) {
        for (boolean module : new boolean[]{true, false}) {
            KernelChoice.Decision d = KernelChoice.decide(kernels, null, module, UNTOUCHABLE);
            assertScalar(d, "-Djlrp.kernels=" + kernels, "expected scalar, simd or auto");
            assertTrue(d.warn());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "256bits", "2.5e2", "0x100", "99999999999", "-"})
    void nonNumericWidthFallsBack(String bits) {
        KernelChoice.Decision d = KernelChoice.decide(null, bits, true, UNTOUCHABLE);
        assertScalar(d, "-Djlrp.vector.bits=" + bits, "not a number");
        assertTrue(d.warn());
    }

    @ParameterizedTest
    @ValueSource(strings = {"64", "1024", "-1", "-256", "32", "384", "2048"})
    void unsupportedWidthFallsBack(String bits) {
        KernelChoice.Decision d = KernelChoice.decide("simd", bits, true, UNTOUCHABLE);
        assertScalar(d, "-Djlrp.vector.bits=" + bits, "not a supported width");
        assertTrue(d.warn());
    }

    @ParameterizedTest
    @CsvSource({"128,256,128", "256,256,256", " 256 ,512,256", "512,512,512", "128,512,128", "+256,512,256"})
    void supportedWidthUpToTheCpusIsUsed(String bits, int widest, int expected) {
        assertSimd(KernelChoice.decide("auto", bits, true, () -> widest), expected);
    }

    @Test
    void widthBeyondTheCpuFallsBack() {
        KernelChoice.Decision d = KernelChoice.decide(null, "512", true, AVX2);
        assertScalar(d, "-Djlrp.vector.bits=512", "wider than this CPU's vectors (256 bits)");
        assertTrue(d.warn());
        assertScalar(KernelChoice.decide(null, "256", true, () -> 128), "(128 bits)");
    }
}
