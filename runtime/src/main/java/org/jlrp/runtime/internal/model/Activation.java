package org.jlrp.runtime.internal.model;

import java.util.Locale;
import org.jlrp.kernels.Kernels;

/**
 * Elementwise activations, inline (a Dense or Conv1D layer's activation) or as layers. The model specs name them; the
 * graph's layers apply them with the methods below. For LRP they all pass relevance
 * through unchanged; they matter only in the forward pass. Softmax is not elementwise: it is accepted only as the
 * model's final activation, which the explanation strips.
 */
public enum Activation {
    LINEAR, RELU, TANH, SIGMOID, HARD_SIGMOID, HARD_SIGMOID_KERAS3, SOFTPLUS, SOFTSIGN, ELU, SELU, EXPONENTIAL, SWISH, GELU, SOFTMAX;

    /** The lower-case name used in reports ({@code "relu"}, {@code "softmax"}, …). */
    public String displayName() {
        if (this == HARD_SIGMOID_KERAS3) {
            return "hard_sigmoid (keras 3: relu6(x+3)/6)";
        }
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this is a probability head the explanation strips (softmax or sigmoid). */
    public boolean isOutputSquashing() {
        return this == SOFTMAX || this == SIGMOID;
    }

    /** {@code out[i] = f(in[i])} for the first n values. Softmax has no elementwise form and is refused earlier. */
    public void apply(Kernels kernels, float[] in, float[] out, int n) {
        switch (this) {
            case LINEAR -> {
                if (in != out) {
                    System.arraycopy(in, 0, out, 0, n);
                }
            }
            case RELU -> kernels.relu(in, out, n);
            default -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) scalar(in[i]);
                }
            }
        }
    }

    /** {@code d[i] = f'(z[i])} for the first n values: the local derivative the gradient pass multiplies by. */
    public void derivative(Kernels kernels, float[] z, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            d[i] = (float) derivative(z[i]);
        }
    }

    /** {@code f'(x)} in double precision; ReLU's derivative at 0 is taken as 0, as TensorFlow does. */
    public double derivative(double x) {
        switch (this) {
            case LINEAR: return 1;
            case RELU: return x > 0 ? 1 : 0;
            case TANH: {
                double t = Math.tanh(x);
                return 1 - t * t;
            }
            case SIGMOID: {
                double s = 1 / (1 + Math.exp(-x));
                return s * (1 - s);
            }
            case HARD_SIGMOID: return x > -2.5 && x < 2.5 ? 0.2 : 0;
            case HARD_SIGMOID_KERAS3: return x > -3 && x < 3 ? 1.0 / 6 : 0;
            case SOFTPLUS: return 1 / (1 + Math.exp(-x));
            case SOFTSIGN: {
                double d = 1 + Math.abs(x);
                return 1 / (d * d);
            }
            case ELU: return x > 0 ? 1 : Math.exp(x);
            case SELU: return 1.0507009873554805 * (x > 0 ? 1 : 1.6732632423543772 * Math.exp(x));
            case EXPONENTIAL: return Math.exp(x);
            case SWISH: {
                double s = 1 / (1 + Math.exp(-x));
                return s + x * s * (1 - s);
            }
            case GELU: return 0.5 * (1 + erf(x / Math.sqrt(2))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
            default: throw new IllegalStateException(this + " is not elementwise");
        }
    }

    /** The function in double precision (the reference forward pass of the tests uses it too). */
    public double scalar(double x) {
        switch (this) {
            case LINEAR: return x;
            case RELU: return Math.max(x, 0);
            case TANH: return Math.tanh(x);
            case SIGMOID: return 1 / (1 + Math.exp(-x));
            case HARD_SIGMOID: return Math.max(0, Math.min(1, 0.2 * x + 0.5));
            case HARD_SIGMOID_KERAS3: return Math.min(Math.max(x + 3, 0), 6) / 6;
            case SOFTPLUS: return x > 30 ? x : Math.log1p(Math.exp(x));
            case SOFTSIGN: return x / (1 + Math.abs(x));
            case ELU: return x > 0 ? x : Math.expm1(x);
            case SELU: return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x));
            case EXPONENTIAL: return Math.exp(x);
            case SWISH: return x / (1 + Math.exp(-x));
            case GELU: return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            default: throw new IllegalStateException(this + " is not elementwise");
        }
    }

    /** Numerical Recipes' erfc approximation: fractional error below 1.2e-7, finer than float32 needs. */
    private static double erf(double x) {
        double t = 1 / (1 + 0.5 * Math.abs(x));
        double y = 1 - t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? y : -y;
    }
}
