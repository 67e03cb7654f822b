package org.jlrp.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The queue's time bound estimate: one stretched batch does not move it, a lasting change of speed does. */
class SequenceTimeTest {

    @Test
    void oneBatchStretchedByAPauseLeavesTheEstimate() {
        Batcher.SequenceTime time = new Batcher.SequenceTime();
        assertEquals(0, time.nanos());
        time.record(40_000);
        assertEquals(40_000, time.nanos());
        for (int i = 0; i < 7; i++) {
            time.record(40_000);
        }
        time.record(7_000_000); // a 7 ms GC pause over a batch of one: a moving average would jump 35-fold
        assertEquals(40_000, time.nanos());
    }

    @Test
    void aLastingChangeOfSpeedMovesTheEstimateOnceItHasLastedHalfTheWindow() {
        Batcher.SequenceTime time = new Batcher.SequenceTime();
        for (int i = 0; i < Batcher.SequenceTime.BATCHES; i++) {
            time.record(40_000);
        }
        int half = Batcher.SequenceTime.BATCHES / 2;
        for (int i = 0; i < half; i++) {
            time.record(2_000_000);
            assertEquals(40_000, time.nanos(), "after " + (i + 1) + " slow batches");
        }
        time.record(2_000_000);
        assertEquals(2_000_000, time.nanos());
        for (int i = 0; i <= half; i++) { // and back once the slow batches are the minority
            time.record(50_000);
        }
        assertEquals(50_000, time.nanos());
    }
}
