package org.jlrp.runtime.internal.render;

import java.math.BigInteger;

/**
 * The shortest decimal that rounds back to a float, written into the caller's {@code char[]} without allocating: the
 * characters of {@code Float.toString} on JDK 19+ and of Jackson's {@code FloatToDecimal.toString(float)}, which the
 * JSON reports wrote before ({@code 1.6}, {@code 0.0}, {@code -0.0}, {@code 1.0E-6}, {@code 3.4028235E38},
 * {@code NaN}, {@code Infinity}). A String per number was a quarter of {@code jlrp serve}'s allocation.
 *
 * <p>The algorithm is Schubfach (R. Giulietti, "The Schubfach way to render doubles", 2020) with the float
 * parameters: 63-bit approximations {@code g} of the powers of ten, overestimated by at most one unit so that
 * products carry 31 exact fraction bits, which round-to-odd keeps honest in the comparisons with the interval's
 * ends. The tables are computed here from exact integers, not copied.
 *
 * <p>Checked against Jackson 2.21.3's {@code FloatToDecimal.toString(float)} for every one of the 2^32 bit patterns
 * (FloatTextExhaustive in the runtime tests, run by hand; see docs/performance.md), and in FloatTextTest for the
 * special values, powers of two and ten, subnormals, dense ranges and 5 million random patterns.
 */
public final class FloatText {

    /** The longest text: {@code -1.23456789E-38}. */
    public static final int MAX_CHARS = 15;

    private static final int Q_MIN = -149; // exponent of the subnormals' unit
    private static final int Q_MAX = 104; // exponent of the largest float's unit
    private static final int C_MIN = 1 << 23; // the smallest normal significand
    // Below this subnormal significand the shortest decimal can have one digit; the specification then asks for the
    // closest decimal of two digits (1.4E-45, not 1.0E-45), which scaling the significand by ten finds.
    private static final int C_TINY = 8;

    // Per unit exponent q (index q - Q_MIN): k with 10^k the spacing of the candidate decimals, g ~ 10^-k 2^(62-b)
    // (b = floor(log2 10^-k)) and the shift h that leaves 31 fraction bits in the high word of the product.
    // Regular spacing (the interval is c +- 1/2 units) and irregular (a power of two: the gap below is half).
    private static final int[] K = new int[Q_MAX - Q_MIN + 1];
    private static final long[] G = new long[K.length];
    private static final int[] H = new int[K.length];
    private static final int[] K_IRREGULAR = new int[K.length];
    private static final long[] G_IRREGULAR = new long[K.length];
    private static final int[] H_IRREGULAR = new int[K.length];

    private static final int[] POW10 = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
            1_000_000_000};
    private static final char[] NAN = "NaN".toCharArray();
    private static final char[] INFINITY = "Infinity".toCharArray();

    static {
        for (int q = Q_MIN; q <= Q_MAX; q++) {
            int i = q - Q_MIN;
            BigInteger num = q >= 0 ? BigInteger.ONE.shiftLeft(q) : BigInteger.ONE;
            BigInteger den = q >= 0 ? BigInteger.ONE : BigInteger.ONE.shiftLeft(-q);
            K[i] = floorLog10(num, den); // 10^k <= 2^q
            G[i] = g(K[i]);
            H[i] = q + log2Pow10(-K[i]) + 33;
            // 10^k <= (3/4) 2^q: the interval (c - 1/4, c + 1/2) 2^q is 3/4 as wide.
            K_IRREGULAR[i] = floorLog10(num.multiply(BigInteger.valueOf(3)), den.shiftLeft(2));
            G_IRREGULAR[i] = g(K_IRREGULAR[i]);
            H_IRREGULAR[i] = q + log2Pow10(-K_IRREGULAR[i]) + 33;
        }
    }

    private FloatText() {
    }

    /**
     * Writes {@code v} at {@code buf[off]} (room for {@link #MAX_CHARS} needed) and returns the number of chars.
     */
    public static int write(float v, char[] buf, int off) {
        int bits = Float.floatToRawIntBits(v);
        int t = bits & (C_MIN - 1);
        int biased = (bits >>> 23) & 0xff;
        if (biased == 0xff) {
            if (t != 0) {
                return copy(NAN, buf, off);
            }
            int p = off;
            if (bits < 0) {
                buf[p++] = '-';
            }
            return p - off + copy(INFINITY, buf, p);
        }
        int p = off;
        if (bits < 0) {
            buf[p++] = '-';
        }
        if (biased == 0 && t == 0) {
            buf[p] = '0';
            buf[p + 1] = '.';
            buf[p + 2] = '0';
            return p + 3 - off;
        }
        if (biased != 0) {
            return p - off + decimal(biased - 150, t | C_MIN, 0, buf, p);
        }
        return p - off + (t < C_TINY ? decimal(Q_MIN, 10 * t, -1, buf, p) : decimal(Q_MIN, t, 0, buf, p));
    }

    /** v = c 2^q, v > 0; the result is (the chosen digits) 10^(k + dk). */
    private static int decimal(int q, int c, int dk, char[] buf, int p) {
        int i = q - Q_MIN;
        int cb = c << 2;
        int cbr = cb + 2;
        int cbl;
        int k;
        long g;
        int h;
        if (c != C_MIN || q == Q_MIN) {
            cbl = cb - 2;
            k = K[i];
            g = G[i];
            h = H[i];
        } else {
            cbl = cb - 1;
            k = K_IRREGULAR[i];
            g = G_IRREGULAR[i];
            h = H_IRREGULAR[i];
        }
        // 4 v 10^-k and the interval's ends, rounded to odd: compared with multiples of 4 they order exactly.
        int vb = roundToOdd(g, (long) cb << h);
        int vbl = roundToOdd(g, (long) cbl << h);
        int vbr = roundToOdd(g, (long) cbr << h);
        int out = c & 1; // an odd significand's interval excludes its ends (round half to even)
        int s = vb >> 2;
        if (s >= 100) {
            // One digit fewer: the interval is narrower than 10^(k+1), so at most one of these two lies in it.
            int sp10 = 10 * (s / 10);
            int tp10 = sp10 + 10;
            boolean upin = vbl + out <= sp10 << 2;
            boolean wpin = (tp10 << 2) + out <= vbr;
            if (upin != wpin) {
                return chars(upin ? sp10 : tp10, k + dk, buf, p);
            }
        }
        // The interval is at least 10^k wide: s or s + 1 lies in it; when both do, the closer (ties to even).
        int u = s + 1;
        boolean uin = vbl + out <= s << 2;
        boolean win = (u << 2) + out <= vbr;
        if (uin != win) {
            return chars(uin ? s : u, k + dk, buf, p);
        }
        int cmp = vb - ((s + u) << 1);
        return chars(cmp < 0 || cmp == 0 && (s & 1) == 0 ? s : u, k + dk, buf, p);
    }

    /** floor(g cp / 2^95), with its lowest bit set when the fraction is not zero. */
    private static int roundToOdd(long g, long cp) {
        long x = Math.multiplyHigh(g, cp); // both below 2^63: the unsigned high word; 31 fraction bits
        return (int) ((x >>> 31) | (((x & 0x7fff_ffffL) + 0x7fff_ffffL) >>> 31));
    }

    /** f 10^e in the format of {@code Float.toString}: plain for 10^-3 <= v < 10^7, else d.dddEn. */
    private static int chars(int f, int e, char[] buf, int p) {
        while (f % 10 == 0) {
            f /= 10;
            e++;
        }
        int len = digits(f);
        int x = len - 1 + e; // v = d.ddd 10^x
        int start = p;
        if (0 <= x && x < 7) {
            int whole = x + 1;
            if (len <= whole) {
                p = put(f, len, buf, p);
                for (int z = len; z < whole; z++) {
                    buf[p++] = '0';
                }
                buf[p++] = '.';
                buf[p++] = '0';
            } else {
                int scale = POW10[len - whole];
                p = put(f / scale, whole, buf, p);
                buf[p++] = '.';
                p = put(f % scale, len - whole, buf, p);
            }
        } else if (-3 <= x && x < 0) {
            buf[p++] = '0';
            buf[p++] = '.';
            for (int z = -1; z > x; z--) {
                buf[p++] = '0';
            }
            p = put(f, len, buf, p);
        } else {
            int scale = POW10[len - 1];
            buf[p++] = (char) ('0' + f / scale);
            buf[p++] = '.';
            if (len == 1) {
                buf[p++] = '0';
            } else {
                p = put(f % scale, len - 1, buf, p);
            }
            buf[p++] = 'E';
            if (x < 0) {
                buf[p++] = '-';
                x = -x;
            }
            if (x >= 10) {
                buf[p++] = (char) ('0' + x / 10);
            }
            buf[p++] = (char) ('0' + x % 10);
        }
        return p - start;
    }

    /** The {@code n} low decimal digits of {@code v}, leading zeros included; returns the position after them. */
    private static int put(int v, int n, char[] buf, int p) {
        for (int j = p + n - 1; j >= p; j--) {
            buf[j] = (char) ('0' + v % 10);
            v /= 10;
        }
        return p + n;
    }

    private static int digits(int v) {
        int n = 1;
        while (n < 10 && v >= POW10[n]) {
            n++;
        }
        return n;
    }

    private static int copy(char[] text, char[] buf, int off) {
        System.arraycopy(text, 0, buf, off, text.length);
        return text.length;
    }

    /** floor(log10(num / den)) for positive integers. */
    private static int floorLog10(BigInteger num, BigInteger den) {
        int k = num.toString().length() - den.toString().length();
        while (comparePow10(num, den, k) < 0) {
            k--;
        }
        while (comparePow10(num, den, k + 1) >= 0) {
            k++;
        }
        return k;
    }

    /** The sign of num / den - 10^k. */
    private static int comparePow10(BigInteger num, BigInteger den, int k) {
        return k >= 0 ? num.compareTo(den.multiply(BigInteger.TEN.pow(k)))
                : num.multiply(BigInteger.TEN.pow(-k)).compareTo(den);
    }

    /** floor(log2(10^e)). */
    private static int log2Pow10(int e) {
        // 10^e is a power of two only for e = 0, so for e > 0 the ceiling of log2(10^e) is its bit length.
        return e >= 0 ? BigInteger.TEN.pow(e).bitLength() - 1 : -BigInteger.TEN.pow(-e).bitLength();
    }

    /** floor(10^-k 2^(62-b)) + 1, b = floor(log2 10^-k): in (2^62, 2^63), above the exact value by at most 1. */
    private static long g(int k) {
        int shift = 62 - log2Pow10(-k);
        BigInteger scaled;
        if (k <= 0) {
            BigInteger p = BigInteger.TEN.pow(-k);
            scaled = shift >= 0 ? p.shiftLeft(shift) : p.shiftRight(-shift);
        } else {
            scaled = BigInteger.ONE.shiftLeft(shift).divide(BigInteger.TEN.pow(k));
        }
        BigInteger g = scaled.add(BigInteger.ONE);
        if (g.bitLength() != 63) {
            throw new AssertionError("g(" + k + ") is not 63 bits");
        }
        return g.longValue();
    }
}
