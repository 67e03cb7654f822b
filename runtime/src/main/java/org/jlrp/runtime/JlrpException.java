package org.jlrp.runtime;

/**
 * Every way a model file or an input can be wrong ends in this exception. Its message is one line meant for the
 * user: it names the file, layer or attribute at fault and the offending value.
 */
public class JlrpException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public JlrpException(String message) {
        super(oneLine(message));
    }

    public JlrpException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    private static String oneLine(String message) {
        return message == null ? "unknown error" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
