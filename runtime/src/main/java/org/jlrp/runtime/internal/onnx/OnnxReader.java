package org.jlrp.runtime.internal.onnx;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.onnx.OnnxModel.Attribute;
import org.jlrp.runtime.internal.onnx.OnnxModel.Graph;
import org.jlrp.runtime.internal.onnx.OnnxModel.Node;
import org.jlrp.runtime.internal.onnx.OnnxModel.ValueInfo;

/**
 * A dependency-free reader of the ONNX protobuf messages jlrp needs, on the wire format directly (field numbers of
 * onnx.proto): {@code ModelProto} (1 ir_version, 2 producer_name, 3 producer_version, 7 graph, 8 opset_import),
 * {@code OperatorSetIdProto} (1 domain, 2 version), {@code GraphProto} (1 node, 2 name, 5 initializer, 11 input,
 * 12 output), {@code NodeProto} (1 input, 2 output, 3 name, 4 op_type, 5 attribute, 7 domain), {@code AttributeProto}
 * (1 name, 2 f, 3 i, 4 s, 5 t, 7 floats, 8 ints, 9 strings, 20 type), {@code TensorProto} (1 dims, 2 data_type, 4 float_data,
 * 5 int32_data, 7 int64_data, 8 name, 9 raw_data, 10 double_data, 11 uint64_data, 13 external_data, 14
 * data_location), {@code ValueInfoProto} (1 name, 2 type) with {@code TypeProto.Tensor} (1 elem_type, 2 shape) and
 * {@code TensorShapeProto.Dimension} (1 dim_value, 2 dim_param). Other fields are skipped. Sizes are checked before
 * anything is allocated; external data must lie inside the model's folder.
 */
final class OnnxReader {

    private final Path file;
    private final Path folder;
    private final OnnxLimits limits;

    private OnnxReader(Path file, OnnxLimits limits) {
        this.file = file;
        Path parent = file.toAbsolutePath().getParent();
        this.folder = parent == null ? Path.of("").toAbsolutePath() : parent;
        this.limits = limits;
    }

    /** Reads a {@code .onnx} model. */
    static OnnxModel readModel(Path file, OnnxLimits limits) {
        OnnxReader reader = new OnnxReader(file, limits);
        byte[] bytes = reader.readFile(file);
        try {
            return reader.model(new Wire(bytes));
        } catch (Wire.Malformed e) {
            throw reader.error("not a valid ONNX model (" + e.getMessage() + ")");
        }
    }

    /** Reads a serialized {@code TensorProto} ({@code input_0.pb} of ONNX's backend tests). */
    static Tensor readTensor(Path file, OnnxLimits limits) {
        OnnxReader reader = new OnnxReader(file, limits);
        byte[] bytes = reader.readFile(file);
        try {
            return reader.tensor(new Wire(bytes));
        } catch (Wire.Malformed e) {
            throw reader.error("not a valid ONNX TensorProto (" + e.getMessage() + ")");
        }
    }

    private byte[] readFile(Path path) {
        try {
            long size = Files.size(path);
            if (size > limits.maxFileBytes()) {
                throw error("the file has " + size + " bytes; the limit is " + limits.maxFileBytes());
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new JlrpException(path + ": no such file");
        } catch (IOException e) {
            throw new JlrpException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    JlrpException error(String message) {
        return new JlrpException(file + ": " + message);
    }

    // ------------------------------------------------------------------------------------------------ messages

    private OnnxModel model(Wire w) {
        long ir = 0;
        String producer = "";
        String producerVersion = "";
        Map<String, Long> opsets = new LinkedHashMap<>();
        Graph graph = null;
        while (w.next()) {
            switch (w.field()) {
                case 1 -> ir = w.int64();
                case 2 -> producer = w.string();
                case 3 -> producerVersion = w.string();
                case 7 -> graph = graph(w.message());
                case 8 -> {
                    Wire o = w.message();
                    String domain = "";
                    long version = 0;
                    while (o.next()) {
                        switch (o.field()) {
                            case 1 -> domain = o.string();
                            case 2 -> version = o.int64();
                            default -> o.skip();
                        }
                    }
                    opsets.put(domain, version);
                }
                default -> w.skip();
            }
        }
        if (graph == null) {
            throw error("not an ONNX model: it has no graph");
        }
        return new OnnxModel(ir, producer, producerVersion, Collections.unmodifiableMap(opsets), graph);
    }

    private Graph graph(Wire w) {
        String name = "";
        List<Node> nodes = new ArrayList<>();
        List<Tensor> initializers = new ArrayList<>();
        List<ValueInfo> inputs = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        while (w.next()) {
            switch (w.field()) {
                case 1 -> {
                    if (nodes.size() >= limits.maxNodes()) {
                        throw error("the graph has more than " + limits.maxNodes() + " nodes");
                    }
                    nodes.add(node(w.message()));
                }
                case 2 -> name = w.string();
                case 5 -> initializers.add(tensor(w.message()));
                case 11 -> inputs.add(valueInfo(w.message()));
                case 12 -> outputs.add(valueInfo(w.message()));
                default -> w.skip();
            }
        }
        return new Graph(name, List.copyOf(nodes), List.copyOf(initializers), List.copyOf(inputs),
                List.copyOf(outputs));
    }

    private Node node(Wire w) {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        Map<String, Attribute> attributes = new LinkedHashMap<>();
        while (w.next()) {
            switch (w.field()) {
                case 1 -> inputs.add(w.string());
                case 2 -> outputs.add(w.string());
                case 3 -> name = w.string();
                case 4 -> op = w.string();
                case 5 -> {
                    Attribute a = attribute(w.message());
                    attributes.put(a.name(), a);
                }
                case 7 -> domain = w.string();
                default -> w.skip();
            }
        }
        return new Node(name, op, domain, List.copyOf(inputs), List.copyOf(outputs),
                Collections.unmodifiableMap(attributes));
    }

    private Attribute attribute(Wire w) {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        String s = null;
        Tensor t = null;
        Wire.DoubleList floats = new Wire.DoubleList();
        Wire.LongList ints = new Wire.LongList();
        List<String> strings = new ArrayList<>();
        while (w.next()) {
            switch (w.field()) {
                case 1 -> name = w.string();
                case 2 -> f = w.float32();
                case 3 -> i = w.int64();
                case 4 -> s = w.string();
                case 5 -> t = tensor(w.message());
                case 7 -> w.floats(floats);
                case 8 -> w.int64s(ints);
                case 9 -> strings.add(w.string());
                case 20 -> type = (int) w.int64();
                default -> w.skip();
            }
        }
        double[] fd = floats.toArray();
        float[] ff = new float[fd.length];
        for (int k = 0; k < fd.length; k++) {
            ff[k] = (float) fd[k];
        }
        return new Attribute(name, type, f, i, s, t, ff, ints.toArray(), strings);
    }

    private ValueInfo valueInfo(Wire w) {
        String name = "";
        int elemType = 0;
        long[] dims = null;
        String[] params = null;
        while (w.next()) {
            if (w.field() == 1) {
                name = w.string();
            } else if (w.field() == 2) {
                Wire type = w.message();
                while (type.next()) {
                    if (type.field() != 1) { // only tensor_type
                        type.skip();
                        continue;
                    }
                    Wire tensor = type.message();
                    while (tensor.next()) {
                        if (tensor.field() == 1) {
                            elemType = (int) tensor.int64();
                        } else if (tensor.field() == 2) {
                            List<Long> values = new ArrayList<>();
                            List<String> names = new ArrayList<>();
                            Wire shape = tensor.message();
                            while (shape.next()) {
                                if (shape.field() != 1) {
                                    shape.skip();
                                    continue;
                                }
                                Wire dim = shape.message();
                                long value = -1;
                                String param = null;
                                while (dim.next()) {
                                    switch (dim.field()) {
                                        case 1 -> value = dim.int64();
                                        case 2 -> param = dim.string();
                                        default -> dim.skip();
                                    }
                                }
                                values.add(value);
                                names.add(param);
                            }
                            dims = values.stream().mapToLong(Long::longValue).toArray();
                            params = names.toArray(new String[0]);
                        } else {
                            tensor.skip();
                        }
                    }
                }
            } else {
                w.skip();
            }
        }
        return new ValueInfo(name, elemType, dims, params);
    }

    // ------------------------------------------------------------------------------------------------ tensors

    private Tensor tensor(Wire w) {
        Wire.LongList dimList = new Wire.LongList();
        int type = 0;
        String name = "";
        int[] raw = null;
        Wire.DoubleList floating = new Wire.DoubleList();
        Wire.LongList integers = new Wire.LongList();
        boolean external = false;
        Map<String, String> externalData = new LinkedHashMap<>();
        boolean unsigned64 = false;
        while (w.next()) {
            switch (w.field()) {
                case 1 -> w.int64s(dimList);
                case 2 -> type = (int) w.int64();
                case 4 -> w.floats(floating);
                case 5, 7 -> w.int64s(integers);
                case 8 -> name = w.string();
                case 9 -> raw = w.bytes();
                case 10 -> w.doubles(floating);
                case 11 -> {
                    w.int64s(integers);
                    unsigned64 = true;
                }
                case 13 -> {
                    Wire e = w.message();
                    String key = "";
                    String value = "";
                    while (e.next()) {
                        switch (e.field()) {
                            case 1 -> key = e.string();
                            case 2 -> value = e.string();
                            default -> e.skip();
                        }
                    }
                    externalData.put(key, value);
                }
                case 14 -> external = w.int64() == 1;
                default -> w.skip();
            }
        }
        String what = "tensor '" + name + "'";
        long[] dims = dimList.toArray();
        long count = 1;
        for (long d : dims) {
            if (d < 0) {
                throw error(what + " has a negative dimension " + d);
            }
            if (d > 0 && count > limits.maxTensorElements() / d) {
                throw error(what + " has more than " + limits.maxTensorElements() + " elements (the limit)");
            }
            count *= d;
        }
        if (count > limits.maxTensorElements()) {
            throw error(what + " has " + count + " elements; the limit is " + limits.maxTensorElements());
        }
        int n = (int) count;
        int width = byteWidth(type, what);
        if (external) {
            return new Tensor(name, type, dims, decode(readExternal(externalData, (long) n * width, what), 0,
                    n * width, type, n, what));
        }
        if (raw != null) {
            if ((long) raw[1] != (long) n * width) {
                throw error(what + " has " + raw[1] + " bytes of raw_data; its shape " + java.util.Arrays.toString(dims)
                        + " of " + Tensor.typeName(type) + " needs " + (long) n * width);
            }
            return new Tensor(name, type, dims, decode(w.buf, raw[0], raw[1], type, n, what));
        }
        double[] values;
        if (Tensor.isFloat(type)) {
            values = floating.toArray();
        } else {
            long[] ints = integers.toArray();
            values = new double[ints.length];
            for (int i = 0; i < ints.length; i++) {
                values[i] = type == Tensor.UINT32 ? ints[i] & 0xffffffffL
                        : unsigned64 && ints[i] < 0 ? ints[i] + 0x1p64 : ints[i];
                if (type == Tensor.INT32 || type == Tensor.INT16 || type == Tensor.INT8) {
                    values[i] = (int) ints[i];
                }
            }
        }
        if (values.length != n) {
            throw error(what + " has " + values.length + " values; its shape " + java.util.Arrays.toString(dims)
                    + " needs " + n);
        }
        return new Tensor(name, type, dims, values);
    }

    private int byteWidth(int type, String what) {
        return switch (type) {
            case Tensor.FLOAT, Tensor.INT32, Tensor.UINT32 -> 4;
            case Tensor.DOUBLE, Tensor.INT64, Tensor.UINT64 -> 8;
            case Tensor.INT8, Tensor.UINT8, Tensor.BOOL -> 1;
            case Tensor.INT16, Tensor.UINT16 -> 2;
            default -> throw error(what + " has data type " + Tensor.typeName(type)
                    + ", which jlrp does not read; supported: float32, float64 and integer types");
        };
    }

    private static double[] decode(byte[] bytes, int offset, int length, int type, int n, String what) {
        ByteBuffer b = ByteBuffer.wrap(bytes, offset, length).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (type) {
                case Tensor.FLOAT -> b.getFloat();
                case Tensor.DOUBLE -> b.getDouble();
                case Tensor.INT32 -> b.getInt();
                case Tensor.UINT32 -> b.getInt() & 0xffffffffL;
                case Tensor.INT64 -> b.getLong();
                case Tensor.UINT64 -> {
                    long v = b.getLong();
                    yield v < 0 ? v + 0x1p64 : v;
                }
                case Tensor.INT8 -> b.get();
                case Tensor.UINT8, Tensor.BOOL -> b.get() & 0xff;
                case Tensor.INT16 -> b.getShort();
                case Tensor.UINT16 -> b.getShort() & 0xffff;
                default -> throw new IllegalStateException(what + ": type " + type);
            };
        }
        return out;
    }

    /** The bytes of an external tensor: a relative path inside the model's folder, an offset and a length. */
    private byte[] readExternal(Map<String, String> entries, long expected, String what) {
        String location = entries.get("location");
        if (location == null || location.isEmpty()) {
            throw error(what + " is stored externally but names no location");
        }
        Path relative;
        try {
            relative = Path.of(location);
        } catch (RuntimeException e) {
            throw error(what + ": external data location '" + location + "' is not a valid path");
        }
        if (relative.isAbsolute() || location.startsWith("/") || location.startsWith("\\")) {
            throw error(what + ": external data location '" + location + "' is absolute; only paths relative to "
                    + "the model's folder are read");
        }
        Path target = folder.resolve(relative).normalize();
        if (!target.startsWith(folder.normalize())) {
            throw error(what + ": external data location '" + location + "' lies outside the model's folder");
        }
        long offset = parseLong(entries.getOrDefault("offset", "0"), "offset", what);
        long length = parseLong(entries.getOrDefault("length", String.valueOf(expected)), "length", what);
        if (length != expected) {
            throw error(what + ": external data length " + length + " does not match its shape (" + expected
                    + " bytes)");
        }
        try {
            Path real = target.toRealPath();
            if (!real.startsWith(folder.toRealPath())) {
                throw error(what + ": external data location '" + location + "' resolves outside the model's folder");
            }
            if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                throw error(what + ": external data location '" + location + "' is not a regular file");
            }
            long size = Files.size(real);
            if (offset < 0 || offset > size || length > size - offset) {
                throw error(what + ": external data [" + offset + ", " + (offset + length) + ") lies past the end of '"
                        + location + "' (" + size + " bytes)");
            }
            byte[] out = new byte[(int) length];
            try (RandomAccessFile in = new RandomAccessFile(real.toFile(), "r")) {
                in.seek(offset);
                in.readFully(out);
            }
            return out;
        } catch (NoSuchFileException e) {
            throw error(what + ": external data file '" + location + "' not found");
        } catch (IOException e) {
            throw error(what + ": cannot read external data '" + location + "': " + e.getMessage());
        }
    }

    private long parseLong(String text, String key, String what) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw error(what + ": external data " + key + " '" + text + "' is not an integer");
        }
    }
}
