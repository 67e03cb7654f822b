package org.jlrp.runtime.render;

import com.fasterxml.jackson.core.io.schubfach.FloatToDecimal;
import java.util.concurrent.atomic.AtomicLong;
import org.jlrp.runtime.internal.render.FloatText;

/**
 * FloatText against Jackson's FloatToDecimal.toString for every one of the 2^32 float bit patterns. Not a test (it
 * takes minutes); run by hand, e.g. with the test class path:
 * {@code java -cp runtime/target/classes:runtime/target/test-classes:JACKSON_CORE_JAR
 * org.jlrp.runtime.render.FloatTextExhaustive [threads]}. Exits 1 on the first few mismatches, printed.
 */
public final class FloatTextExhaustive {

    private FloatTextExhaustive() {
    }

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        final long total = 1L << 32;
        final long chunk = 1L << 24; // 256 chunks, handed out in turn
        AtomicLong next = new AtomicLong();
        AtomicLong checked = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        long start = System.nanoTime();
        Thread[] workers = new Thread[threads];
        for (int w = 0; w < threads; w++) {
            workers[w] = new Thread(() -> {
                char[] buf = new char[FloatText.MAX_CHARS];
                long from;
                while ((from = next.getAndAdd(chunk)) < total) {
                    for (long b = from; b < from + chunk; b++) {
                        float f = Float.intBitsToFloat((int) b);
                        int n = FloatText.write(f, buf, 0);
                        String expected = FloatToDecimal.toString(f);
                        boolean same = n == expected.length();
                        for (int i = 0; same && i < n; i++) {
                            same = buf[i] == expected.charAt(i);
                        }
                        if (!same && mismatches.incrementAndGet() <= 20) {
                            System.out.printf("MISMATCH bits=%08x jackson=%s floattext=%s%n", (int) b, expected,
                                    new String(buf, 0, n));
                        }
                    }
                    long done = checked.addAndGet(chunk);
                    if (done % (1L << 28) == 0) {
                        System.out.printf("%d/16 of all patterns, %.0f s%n", done >>> 28,
                                (System.nanoTime() - start) / 1e9);
                    }
                }
            });
            workers[w].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        System.out.printf("checked %d bit patterns (all 2^32) in %.0f s on %d threads: %d mismatches%n",
                checked.get(), (System.nanoTime() - start) / 1e9, threads, mismatches.get());
        System.exit(mismatches.get() == 0 ? 0 : 1);
    }
}
