package org.jlrp.runtime.render;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import org.jlrp.runtime.internal.render.FloatText;

/**
 * What every renderer shares: they all write to a {@link Writer} (the caller picks the encoding, UTF-8 for files and
 * pipes) and never close it. JSON is compact, one document per line, and every real number is written as the
 * shortest decimal of its float32 value (the precision of the kernels), the same digits on every JDK.
 */
final class Output {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            // The byte generator otherwise escapes characters beyond the BMP as \\uD83D\\uDE00 pairs, which the
            // character generator writes as themselves: both write the same document only with this.
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    private Output() {
    }

    /** A compact JSON generator over {@code out}; closing it flushes but does not close {@code out}. */
    static JsonGenerator json(Writer out) throws IOException {
        return FACTORY.createGenerator(out);
    }

    /** The same generator writing UTF-8 bytes: no character encoder between it and {@code out}. */
    static JsonGenerator json(java.io.OutputStream out) throws IOException {
        return FACTORY.createGenerator(out);
    }

    /**
     * Writes real numbers as JSON, each the shortest decimal of its float32 value ({@code 1.6}, not
     * {@code 1.600000023841858}): the characters Jackson's {@code writeNumber(float)} wrote, but formatted into one
     * reusable buffer instead of a String per number (a quarter of what {@code jlrp serve} allocated). One per
     * document; not for sharing between threads.
     */
    static final class Numbers {

        private final char[] chars = new char[FloatText.MAX_CHARS];

        void number(JsonGenerator g, float v) throws IOException {
            if (Float.isFinite(v)) {
                g.writeNumber(chars, 0, FloatText.write(v, chars, 0));
            } else {
                g.writeNumber(v); // NaN and the infinities: Jackson's quoting rules, unchanged
            }
        }

        void number(JsonGenerator g, double v) throws IOException {
            number(g, (float) v);
        }

        void numberField(JsonGenerator g, String name, double v) throws IOException {
            g.writeFieldName(name);
            number(g, (float) v);
        }
    }

    /** A printf-capable view of {@code out}; finish with {@link #finish(PrintWriter)}. */
    static PrintWriter printer(Writer out) {
        return out instanceof PrintWriter p ? p : new PrintWriter(out);
    }

    /** Flushes, and turns the error a {@link PrintWriter} swallows back into an exception. */
    static void finish(PrintWriter p) throws IOException {
        p.flush();
        if (p.checkError()) {
            throw new IOException("could not write the report");
        }
    }
}
