package org.jlrp.runtime.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.io.schubfach.FloatToDecimal;
import java.util.Random;
import org.jlrp.runtime.internal.render.FloatText;
import org.junit.jupiter.api.Test;

/**
 * FloatText writes exactly the characters of Jackson's FloatToDecimal.toString(float), which the JSON reports used
 * before. (Every one of the 2^32 patterns was checked once by FloatTextExhaustive; these are the fast samples.)
 */
class FloatTextTest {

    private final char[] buf = new char[FloatText.MAX_CHARS + 8];
    private int checked;

    /** FloatText against Jackson, written at an offset between guard characters that must stay untouched. */
    private void check(float f) {
        java.util.Arrays.fill(buf, '#');
        int n = FloatText.write(f, buf, 3);
        String expected = FloatToDecimal.toString(f);
        if (n != expected.length() || !expected.contentEquals(new String(buf, 3, n))) {
            fail("bits " + Integer.toHexString(Float.floatToRawIntBits(f)) + ": Jackson " + expected
                    + ", FloatText " + new String(buf, 3, Math.max(0, Math.min(n, buf.length - 3))));
        }
        assertTrue(n <= FloatText.MAX_CHARS, expected);
        for (int i = 0; i < buf.length; i++) {
            if ((i < 3 || i >= 3 + n) && buf[i] != '#') {
                fail("wrote outside its " + n + " chars for " + expected);
            }
        }
        checked++;
    }

    private void checkBoth(float f) {
        check(f);
        check(-f);
    }

    @Test
    void specialValuesAndExamples() {
        for (float f : new float[]{0f, -0f, Float.NaN, Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffffffff),
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
                Float.MAX_VALUE, -Float.MAX_VALUE, 1f, 1.6f, 0.1f, 1e-6f, 2.9802322E-6f, 1e7f, 9999999f, 0.001f,
                9.999999E-4f}) {
            check(f);
        }
        // Pins the format itself, not only the agreement.
        assertEquals("1.6", text(1.6f));
        assertEquals("-0.0", text(-0f));
        assertEquals("1.0E-6", text(1e-6f));
        assertEquals("3.4028235E38", text(Float.MAX_VALUE));
        assertEquals("1.4E-45", text(Float.MIN_VALUE));
        assertEquals("9999999.0", text(9999999f));
        assertEquals("1.0E7", text(1e7f));
        assertEquals("0.001", text(0.001f));
        assertEquals("NaN", text(Float.NaN));
        assertEquals("-Infinity", text(Float.NEGATIVE_INFINITY));
    }

    private String text(float f) {
        return new String(buf, 0, FloatText.write(f, buf, 0));
    }

    @Test
    void powersOfTwoAndTenAndTheirNeighbours() {
        for (int e = -149; e <= 127; e++) {
            float p = Math.scalb(1f, e);
            checkBoth(p);
            checkBoth(Math.nextUp(p));
            checkBoth(Math.nextDown(p));
        }
        for (int e = -45; e <= 38; e++) {
            float p = Float.parseFloat("1e" + e);
            checkBoth(p);
            checkBoth(Math.nextUp(p));
            checkBoth(Math.nextDown(p));
        }
        assertEquals((277 + 84) * 6, checked);
    }

    @Test
    void subnormals() {
        for (int bits = 1; bits < 1000; bits++) { // the tiny ones have one-digit shortest decimals: 2 digits come out
            checkBoth(Float.intBitsToFloat(bits));
        }
        checkBoth(Float.intBitsToFloat(0x007fffff)); // the largest
        Random random = new Random(17);
        for (int i = 0; i < 200_000; i++) {
            checkBoth(Float.intBitsToFloat(1 + random.nextInt(0x007fffff)));
        }
    }

    @Test
    void fiveMillionRandomBitPatterns() {
        Random random = new Random(20261203);
        for (int i = 0; i < 5_000_000; i++) {
            check(Float.intBitsToFloat(random.nextInt()));
        }
        assertEquals(5_000_000, checked);
    }

    @Test
    void everyFloatInDenseRanges() {
        int radius = 1 << 19;
        for (float centre : new float[]{1f, 1e-6f, 0.001f, 1e7f, Float.MIN_NORMAL}) {
            int c = Float.floatToRawIntBits(centre);
            for (int bits = c - radius; bits <= c + radius; bits++) {
                check(Float.intBitsToFloat(bits));
            }
        }
        for (int bits = 0x7f7fffff - 2 * radius; bits <= 0x7f7fffff; bits++) { // up to Float.MAX_VALUE
            check(Float.intBitsToFloat(bits));
        }
        assertEquals(5 * (2 * radius + 1) + 2 * radius + 1, checked);
    }
}
