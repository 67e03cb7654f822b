package org.jlrp.runtime.internal.keras;

/**
 * Size limits checked before anything is allocated, so that a hostile or corrupt file is refused instead of
 * exhausting memory. The defaults fit every text CNN we know of with room to spare.
 *
 * @param maxTensorElements largest weight array, in elements (default 2^28, 1 GiB of float32)
 * @param maxWeightBytes    largest {@code model.weights.h5} inside a {@code .keras} zip (default 2 GiB − 1)
 * @param maxConfigBytes    largest config JSON (default 16 MiB)
 * @param maxZipEntries     most entries in a {@code .keras} zip (default 10,000)
 */
public record Limits(long maxTensorElements, long maxWeightBytes, long maxConfigBytes, int maxZipEntries) {

    public static final Limits DEFAULT = new Limits(1L << 28, Integer.MAX_VALUE - 8, 16L << 20, 10_000);
}
