package org.jlrp.cli;

import java.io.PrintStream;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.JlrpException;

/** {@code jlrp bench}: not yet built (see the throughput issue); refuses clearly instead of pretending. */
final class BenchCommand {

    private final PrintStream out;
    private final PrintStream err;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) throws ParseException {
        throw new JlrpException("bench is not available in this build yet");
    }
}
