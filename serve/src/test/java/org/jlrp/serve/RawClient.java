package org.jlrp.serve;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 keep-alive client on one blocking socket, for the load generator: it costs far less CPU per
 * request than {@code java.net.http.HttpClient}, which matters when the generator shares two cores with the server.
 */
final class RawClient implements AutoCloseable {

    record Response(int status, String body) {
    }

    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RawClient(int port) {
        this.port = port;
    }

    Response post(String path, byte[] body) throws IOException {
        send(path, body);
        return read();
    }

    /** Writes one request without waiting for its answer (several in a row: pipelining). */
    void send(String path, byte[] body) throws IOException {
        if (socket == null) {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = socket.getOutputStream();
        }
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        out.write(request);
        out.flush();
    }

    /** Reads the next answer. */
    Response read() throws IOException {
        String status = line();
        int code = Integer.parseInt(status.substring(9, 12));
        int length = -1;
        boolean close = false;
        for (String h = line(); !h.isEmpty(); h = line()) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(lower.substring(15).trim());
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        byte[] content = in.readNBytes(Math.max(0, length));
        if (content.length != length) {
            throw new EOFException("short body: " + content.length + " of " + length);
        }
        if (close) {
            close();
        }
        return new Response(code, new String(content, StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
