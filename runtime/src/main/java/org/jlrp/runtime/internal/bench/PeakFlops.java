package org.jlrp.runtime.internal.bench;

import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.JlrpException;

/**
 * The machine's matrix-multiply peak as jlrp's own kernels reach it: the Conv1D forward kernel at width 1 (a plain
 * {@code [STEPS][IN] × [IN][FILTERS]} product, register-blocked like every convolution jlrp runs) on operands that
 * stay in each core's L2, on every thread at once. The fraction of this figure an explanation reaches says how much
 * of the hardware the whole pass uses; the JMH {@code KernelBench.peakMatrixMultiply} measures the same product.
 */
public final class PeakFlops {

    /** Sizes chosen so that operands (96 KB) sit in L2 and the 4-step × 48-filter register blocks divide evenly. */
    public static final int STEPS = 128;
    public static final int IN = 128;
    public static final int FILTERS = 96;

    private PeakFlops() {
    }

    /** Multiply-adds of one product. */
    public static long multiplyAdds() {
        return (long) STEPS * IN * FILTERS;
    }

    /** GFLOP/s (2 per multiply-add) of {@code threads} threads running the product back to back for {@code seconds}. */
    public static double measure(Kernels kernels, int threads, double seconds) {
        if (threads < 1 || !(seconds > 0)) {
            throw new JlrpException("peak measurement needs threads >= 1 and seconds > 0");
        }
        AtomicLong products = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        Thread[] all = new Thread[threads];
        long[] elapsed = new long[threads];
        for (int i = 0; i < threads; i++) {
            int id = i;
            all[i] = new Thread(() -> {
                Random random = new Random(id);
                float[] x = gaussian(random, STEPS * IN);
                float[] w = gaussian(random, IN * FILTERS);
                float[] z = new float[STEPS * FILTERS];
                for (int warm = 0; warm < 2_000; warm++) { // C2 compiles the kernel before the clock starts
                    kernels.conv1dForward(x, STEPS, IN, w, 1, FILTERS, null, 1, 1, 0, z, STEPS);
                }
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long begin = System.nanoTime();
                long deadline = begin + (long) (seconds * 1e9);
                long count = 0;
                long now;
                do {
                    kernels.conv1dForward(x, STEPS, IN, w, 1, FILTERS, null, 1, 1, 0, z, STEPS);
                    count++;
                    now = System.nanoTime();
                } while (now < deadline);
                elapsed[id] = now - begin;
                products.addAndGet(count);
            }, "jlrp-peak-" + i);
            all[i].start();
        }
        start.countDown();
        long longest = 0;
        try {
            for (int i = 0; i < threads; i++) {
                all[i].join();
                longest = Math.max(longest, elapsed[i]);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JlrpException("peak measurement interrupted");
        }
        return 2.0 * multiplyAdds() * products.get() / longest;
    }

    private static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
