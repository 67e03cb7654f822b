package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.List;
import org.jlrp.kernels.Kernels;

/**
 * Concatenate along the channel axis of sequences, the unit axis of vectors, or the step axis of sequences. Forward it
 * copies each input into its slice; backward it hands each slice's relevance to the input it came from.
 */
final class ConcatenateLayer extends Layer {

    /** Number of rows the slices interleave over: the steps for a channel-axis concatenation, 1 otherwise. */
    final int rows;
    /** Per input: floats per row. */
    final int[] widths;
    final int outWidth;

    ConcatenateLayer(String name, List<Layer> inputs, Shape shape, int rows, int[] widths) {
        super(name, "Concatenate", inputs, shape);
        this.rows = rows;
        this.widths = widths.clone();
        int sum = 0;
        for (int w : widths) {
            sum += w;
        }
        this.outWidth = sum;
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
        float[] out = ws.values[valueSlot];
        int offset = 0;
        for (int i = 0; i < inputs.size(); i++) {
            float[] in = ws.values[inputs.get(i).valueSlot];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(in, r * widths[i], out, r * outWidth + offset, widths[i]);
            }
            offset += widths[i];
        }
    }

    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
        float[] r = ws.relevance[relevanceSlot];
        int offset = 0;
        for (int i = 0; i < inputs.size(); i++) {
            float[] rIn = ws.relevance[inputs.get(i).relevanceSlot];
            for (int row = 0; row < rows; row++) {
                int from = row * outWidth + offset;
                int to = row * widths[i];
                for (int j = 0; j < widths[i]; j++) {
                    rIn[to + j] += r[from + j];
                }
            }
            offset += widths[i];
        }
    }
}
