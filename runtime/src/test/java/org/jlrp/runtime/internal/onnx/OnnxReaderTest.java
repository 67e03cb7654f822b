package org.jlrp.runtime.internal.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlrp.runtime.JlrpException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wire-format reader on hand-built messages: external data, limits, malformed files, refused ops. */
class OnnxReaderTest {

    @TempDir
    Path dir;

    /** A minimal protobuf writer for the tests. */
    static final class Msg {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Msg varint(int field, long v) {
            tag(field, 0);
            raw(v);
            return this;
        }

        Msg bytes(int field, byte[] b) {
            tag(field, 2);
            raw(b.length);
            out.writeBytes(b);
            return this;
        }

        Msg str(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Msg msg(int field, Msg m) {
            return bytes(field, m.out.toByteArray());
        }

        private void tag(int field, int type) {
            raw((long) field << 3 | type);
        }

        private void raw(long v) {
            while ((v & ~0x7fL) != 0) {
                out.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    private static byte[] floatsLe(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private static Msg externalTensor(String location, int elements) {
        return new Msg().varint(1, elements).varint(2, Tensor.FLOAT).str(8, "w")
                .msg(13, new Msg().str(1, "location").str(2, location)).varint(14, 1);
    }

    private Path model(Msg graph) throws IOException {
        Path file = dir.resolve("m.onnx");
        Files.write(file, new Msg().varint(1, 7).str(2, "test").msg(7, graph)
                .msg(8, new Msg().str(1, "").varint(2, 13)).toBytes());
        return file;
    }

    @Test
    void readsRawAndExternalTensors() throws IOException {
        Files.write(dir.resolve("w.bin"), floatsLe(1.5f, -2f, 3f));
        Msg graph = new Msg().msg(5, new Msg().varint(1, 3).varint(2, Tensor.FLOAT).str(8, "raw")
                .bytes(9, floatsLe(4f, 5f, 6f))).msg(5, externalTensor("w.bin", 3));
        OnnxModel m = OnnxReader.readModel(model(graph), OnnxLimits.DEFAULT);
        assertEquals(13, m.opset());
        assertEquals("test", m.producerName());
        assertArrayEquals(new double[] {4, 5, 6}, m.graph().initializers().get(0).values());
        assertArrayEquals(new double[] {1.5, -2, 3}, m.graph().initializers().get(1).values());
    }

    @Test
    void refusesExternalDataOutsideTheFolder() throws IOException {
        Path inner = Files.createDirectory(dir.resolve("inner"));
        Files.write(dir.resolve("w.bin"), floatsLe(1, 2, 3));
        for (String location : new String[] {"../w.bin", "/etc/passwd", "missing.bin"}) {
            Path file = inner.resolve("m.onnx");
            Files.write(file, new Msg().msg(7, new Msg().msg(5, externalTensor(location, 3))).toBytes());
            JlrpException e = assertThrows(JlrpException.class, () -> OnnxReader.readModel(file, OnnxLimits.DEFAULT));
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void checksSizesBeforeAllocating() throws IOException {
        Msg graph = new Msg().msg(5, new Msg().varint(1, 1L << 20).varint(1, 1L << 20).varint(2, Tensor.FLOAT)
                .bytes(9, new byte[4]));
        Path file = model(graph);
        JlrpException e = assertThrows(JlrpException.class, () -> OnnxReader.readModel(file, OnnxLimits.DEFAULT));
        assertTrue(e.getMessage().contains("elements"), e.getMessage());
    }

    @Test
    void malformedAndTruncatedFilesGiveOneLine() throws IOException {
        Path file = dir.resolve("bad.onnx");
        byte[] good = new Msg().msg(7, new Msg().str(2, "g")).toBytes();
        Files.write(file, java.util.Arrays.copyOf(good, good.length - 1));
        JlrpException e = assertThrows(JlrpException.class, () -> OnnxImporter.load(file));
        assertTrue(e.getMessage().startsWith(file + ": not a valid ONNX model"), e.getMessage());
    }

    @Test
    void unsupportedOpIsNamedWithItsNode() throws IOException {
        Msg input = new Msg().str(1, "ids").msg(2, new Msg().msg(1, new Msg().varint(1, Tensor.INT64)
                .msg(2, new Msg().msg(1, new Msg().str(2, "batch")).msg(1, new Msg().varint(1, 10)))));
        Msg graph = new Msg().msg(1, new Msg().str(1, "ids").str(2, "y").str(3, "my_einsum").str(4, "Einsum"))
                .msg(11, input).msg(12, new Msg().str(1, "y"));
        Path file = model(graph);
        JlrpException e = assertThrows(JlrpException.class, () -> OnnxImporter.load(file));
        assertTrue(e.getMessage().contains("Einsum node 'my_einsum'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
