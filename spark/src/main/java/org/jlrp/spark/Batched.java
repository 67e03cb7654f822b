package org.jlrp.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * A partition's rows, pulled and processed a batch at a time, lazily: Spark streams a partition through
 * {@code mapPartitions}, and holding all of it would cost memory for nothing.
 */
final class Batched<I, O> implements Iterator<O> {

    private final Iterator<I> source;
    private final int batchSize;
    private final Function<List<I>, List<O>> process;
    private Iterator<O> current = Collections.emptyIterator();

    Batched(Iterator<I> source, int batchSize, Function<List<I>, List<O>> process) {
        this.source = source;
        this.batchSize = batchSize;
        this.process = process;
    }

    @Override
    public boolean hasNext() {
        // A batch may produce nothing (every row skipped), so keep pulling until output or the end of the source.
        while (!current.hasNext() && source.hasNext()) {
            List<I> batch = new ArrayList<>(batchSize);
            while (batch.size() < batchSize && source.hasNext()) {
                batch.add(source.next());
            }
            current = process.apply(batch).iterator();
        }
        return current.hasNext();
    }

    @Override
    public O next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return current.next();
    }
}
