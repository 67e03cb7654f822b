package org.jlrp.runtime.text;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.JlrpException;

/**
 * Reads token-id sequences from JSON: an array of arrays of integers, or an object whose {@code tokens} field is one
 * (the golden {@code *.tokens.json} files). Streamed, so a large file is never held as a tree.
 */
public final class TokenFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenFile() {
    }

    public static List<int[]> read(Path file) {
        try (InputStream in = Files.newInputStream(file); JsonParser p = JSON.getFactory().createParser(in)) {
            JsonToken first = p.nextToken();
            if (first == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    if (field.equals("tokens")) {
                        return readSequences(p, file);
                    }
                    p.skipChildren();
                }
                throw new JlrpException(file + ": the JSON object has no 'tokens' array");
            }
            if (first != JsonToken.START_ARRAY) {
                throw new JlrpException(file + ": expected a JSON array of token-id arrays");
            }
            return readSequences(p, file);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new JlrpException(file + ": invalid JSON" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()) + " (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new JlrpException(file + ": cannot read token ids (" + e.getMessage() + ")", e);
        }
    }

    private static List<int[]> readSequences(JsonParser p, Path file) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new JlrpException(file + ": 'tokens' is not an array of token-id arrays");
        }
        List<int[]> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            int sequence = out.size();
            if (t != JsonToken.START_ARRAY) {
                throw new JlrpException(file + ": sequence " + sequence + " is not an array of token ids");
            }
            List<Integer> ids = new ArrayList<>();
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.VALUE_NUMBER_INT) {
                    throw new JlrpException(file + ": sequence " + sequence + ", position " + ids.size()
                            + ": '" + p.getText() + "' is not an integer token id");
                }
                long v = p.getLongValue();
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw new JlrpException(file + ": sequence " + sequence + ", position " + ids.size()
                            + ": token id " + p.getText() + " is out of range");
                }
                ids.add((int) v);
            }
            if (ids.isEmpty()) {
                throw new JlrpException(file + ": sequence " + sequence + " is empty");
            }
            out.add(ids.stream().mapToInt(Integer::intValue).toArray());
        }
        if (out.isEmpty()) {
            throw new JlrpException(file + ": no sequences");
        }
        return out;
    }
}
