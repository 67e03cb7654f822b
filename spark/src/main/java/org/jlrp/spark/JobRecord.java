package org.jlrp.spark;

import java.io.Serializable;
import java.util.Comparator;

/**
 * What the job made of one input record: its output lines (one, or one per class for target {@code all}), or the
 * error that names the record.
 *
 * @param index the record's 0-based position in the input (its line, for JSON lines)
 * @param lines {@code explain --format json} result objects with the record's {@code id}; null on error
 * @param error one line naming the input, the line or row number and the problem; null on success
 */
record JobRecord(long index, String[] lines, String error) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Input order, for {@code takeOrdered} (which ships the comparator, hence serialisable). */
    static final class ByIndex implements Comparator<JobRecord>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(JobRecord a, JobRecord b) {
            return Long.compare(a.index(), b.index());
        }
    }
}
