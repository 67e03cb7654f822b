package org.jlrp.runtime.internal.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jlrp.runtime.internal.onnx.OnnxModel.Node;

/**
 * Folds the constant computations exporters emit around shapes ({@code Shape → Gather → Unsqueeze → Concat →
 * Reshape}) and around weights ({@code Cast}, {@code Transpose} of an initializer). The dynamic batch size is the
 * value {@link OnnxImporter#BATCH}; a computation that would need its value returns null (deferred).
 */
final class ConstFolding {

    private ConstFolding() {
    }

    /** The node's first output, or null when it depends on the batch size. */
    static Tensor fold(Node node, List<Tensor> in, long opset) {
        Tensor x = in.get(0);
        switch (node.opType()) {
            case "Identity", "Dropout" -> {
                return x;
            }
            case "Cast" -> {
                int to = (int) node.i("to", Tensor.FLOAT);
                double[] v = x.values().clone();
                if (Tensor.isInteger(to)) {
                    for (int i = 0; i < v.length; i++) {
                        v[i] = v[i] == OnnxImporter.BATCH ? v[i] : (long) v[i];
                    }
                } else if (to == Tensor.FLOAT) {
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) v[i];
                    }
                } else if (to != Tensor.DOUBLE) {
                    throw new IllegalArgumentException("Cast to " + Tensor.typeName(to) + " is not supported");
                }
                return new Tensor(x.name(), to, x.dims(), v);
            }
            case "Gather" -> {
                return gather(x, in.get(1), (int) node.i("axis", 0));
            }
            case "Unsqueeze" -> {
                long[] axes = node.ints("axes") != null ? node.ints("axes") : in.get(1).longs();
                int rank = x.rank() + axes.length;
                boolean[] inserted = new boolean[rank];
                for (long a : axes) {
                    inserted[(int) (a < 0 ? a + rank : a)] = true;
                }
                long[] dims = new long[rank];
                for (int i = 0, j = 0; i < rank; i++) {
                    dims[i] = inserted[i] ? 1 : x.dims()[j++];
                }
                return new Tensor(x.name(), x.dataType(), dims, x.values());
            }
            case "Squeeze" -> {
                long[] axes = node.ints("axes") != null ? node.ints("axes")
                        : in.size() > 1 && in.get(1) != null ? in.get(1).longs() : null;
                List<Long> dims = new ArrayList<>();
                for (int i = 0; i < x.rank(); i++) {
                    boolean drop = axes == null ? x.dims()[i] == 1 : contains(axes, i, x.rank());
                    if (!drop) {
                        dims.add(x.dims()[i]);
                    }
                }
                return new Tensor(x.name(), x.dataType(), dims.stream().mapToLong(Long::longValue).toArray(),
                        x.values());
            }
            case "Concat" -> {
                int axis = (int) node.i("axis", 0);
                if (axis < 0) {
                    axis += x.rank();
                }
                if (axis != 0 || x.rank() != 1) {
                    throw new IllegalArgumentException("Concat of constants is supported for 1-D constants");
                }
                List<Double> out = new ArrayList<>();
                for (Tensor t : in) {
                    for (double d : t.values()) {
                        out.add(d);
                    }
                }
                double[] v = out.stream().mapToDouble(Double::doubleValue).toArray();
                return new Tensor("", x.dataType(), new long[] {v.length}, v);
            }
            case "Reshape" -> {
                long[] shape = in.get(1).longs();
                long known = 1;
                int unknown = -1;
                long[] dims = new long[shape.length];
                for (int i = 0; i < shape.length; i++) {
                    dims[i] = shape[i] == 0 ? x.dims()[i] : shape[i];
                    if (dims[i] == -1) {
                        unknown = i;
                    } else {
                        known *= dims[i];
                    }
                }
                if (unknown >= 0) {
                    dims[unknown] = x.size() / Math.max(known, 1);
                }
                return new Tensor(x.name(), x.dataType(), dims, x.values());
            }
            case "ConstantOfShape" -> {
                double[] shape = x.values();
                long n = 1;
                for (double d : shape) {
                    if (d == OnnxImporter.BATCH) {
                        return null;
                    }
                    n *= (long) d;
                }
                if (n > 1 << 24) {
                    throw new IllegalArgumentException("ConstantOfShape of " + n + " elements");
                }
                var value = node.attribute("value");
                double fill = value != null && value.t() != null && value.t().size() > 0 ? value.t().values()[0] : 0;
                int type = value != null && value.t() != null ? value.t().dataType() : Tensor.FLOAT;
                double[] v = new double[(int) n];
                Arrays.fill(v, fill);
                return new Tensor("", type, x.longs(), v);
            }
            case "Slice" -> {
                return slice(node, in, opset);
            }
            case "Transpose" -> {
                long[] perm = node.ints("perm");
                if (x.rank() == 2 && (perm == null || perm[0] == 1)) {
                    int r = (int) x.dim(0);
                    int c = (int) x.dim(1);
                    double[] v = new double[x.values().length];
                    for (int i = 0; i < r; i++) {
                        for (int j = 0; j < c; j++) {
                            v[j * r + i] = x.values()[i * c + j];
                        }
                    }
                    return new Tensor(x.name(), x.dataType(), new long[] {c, r}, v);
                }
                if (perm != null && isIdentity(perm)) {
                    return x;
                }
                throw new IllegalArgumentException("Transpose of a rank-" + x.rank() + " constant is not supported");
            }
            case "Add", "Sub", "Mul", "Div" -> {
                return arithmetic(node.opType(), x, in.get(1));
            }
            default -> throw new IllegalArgumentException(node.opType() + " on constants is not supported");
        }
    }

    private static boolean isIdentity(long[] perm) {
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] != i) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(long[] axes, int axis, int rank) {
        for (long a : axes) {
            if ((a < 0 ? a + rank : a) == axis) {
                return true;
            }
        }
        return false;
    }

    private static Tensor gather(Tensor data, Tensor indices, int axis) {
        if (axis < 0) {
            axis += data.rank();
        }
        if (axis != 0) {
            throw new IllegalArgumentException("Gather of a constant along axis " + axis + " is not supported");
        }
        long rows = data.rank() == 0 ? 1 : data.dim(0);
        long rowSize = data.rank() == 0 ? 1 : data.size() / Math.max(rows, 1);
        long[] idx = indices.longs();
        double[] out = new double[(int) (idx.length * rowSize)];
        for (int i = 0; i < idx.length; i++) {
            long r = idx[i] < 0 ? idx[i] + rows : idx[i];
            if (r < 0 || r >= rows) {
                throw new IllegalArgumentException("Gather index " + idx[i] + " is out of range [0, " + rows + ")");
            }
            System.arraycopy(data.values(), (int) (r * rowSize), out, (int) (i * rowSize), (int) rowSize);
        }
        long[] dims = new long[indices.rank() + Math.max(data.rank() - 1, 0)];
        System.arraycopy(indices.dims(), 0, dims, 0, indices.rank());
        for (int i = 1; i < data.rank(); i++) {
            dims[indices.rank() + i - 1] = data.dims()[i];
        }
        return new Tensor("", data.dataType(), dims, out);
    }

    private static Tensor slice(Node node, List<Tensor> in, long opset) {
        Tensor x = in.get(0);
        if (x.rank() != 1) {
            throw new IllegalArgumentException("Slice of a rank-" + x.rank() + " constant is not supported");
        }
        long start;
        long end;
        long step = 1;
        if (opset < 10) {
            start = node.ints("starts")[0];
            end = node.ints("ends")[0];
        } else {
            start = in.get(1).longs()[0];
            end = in.get(2).longs()[0];
            if (in.size() > 4 && in.get(4) != null) {
                step = in.get(4).longs()[0];
            }
        }
        if (step != 1) {
            throw new IllegalArgumentException("Slice with steps " + step + " of a constant is not supported");
        }
        long n = x.size();
        start = Math.max(0, Math.min(n, start < 0 ? start + n : start));
        end = Math.max(0, Math.min(n, end < 0 ? end + n : end));
        double[] v = Arrays.copyOfRange(x.values(), (int) start, (int) Math.max(start, end));
        return new Tensor("", x.dataType(), new long[] {v.length}, v);
    }

    private static Tensor arithmetic(String op, Tensor a, Tensor b) {
        Tensor big = a.size() >= b.size() ? a : b;
        if (a.size() != b.size() && Math.min(a.size(), b.size()) != 1) {
            throw new IllegalArgumentException(op + " of constants " + a + " and " + b + " (only same-shape or scalar "
                    + "broadcast is folded)");
        }
        double[] v = new double[big.values().length];
        boolean integer = Tensor.isInteger(a.dataType());
        for (int i = 0; i < v.length; i++) {
            double x = a.values()[a.size() == 1 ? 0 : i];
            double y = b.values()[b.size() == 1 ? 0 : i];
            if (x == OnnxImporter.BATCH || y == OnnxImporter.BATCH) {
                throw new IllegalArgumentException(op + " of the dynamic batch size is not supported");
            }
            v[i] = switch (op) {
                case "Add" -> x + y;
                case "Sub" -> x - y;
                case "Mul" -> x * y;
                default -> integer ? (double) ((long) x / (long) y) : x / y;
            };
            if (a.dataType() == Tensor.FLOAT) {
                v[i] = (float) v[i];
            }
        }
        return new Tensor("", a.dataType(), big.dims(), v);
    }
}
