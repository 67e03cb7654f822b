#!/usr/bin/python3
"""Writes the recurrent benchmark workload as a Keras 2 HDF5 model: Embedding(20000, 100) → LSTM(64) → Dense(1,
sigmoid), input length 100, seeded random weights (Glorot-like scales, forget bias 1). Usage: make_lstm_model.py OUT.h5"""
import json
import sys

import h5py
import numpy as np

VOCAB, DIM, UNITS, LENGTH = 20000, 100, 64, 100


def main(out):
    rng = np.random.default_rng(14)
    emb = rng.uniform(-0.05, 0.05, (VOCAB, DIM)).astype(np.float32)
    lim = np.sqrt(6 / (DIM + 4 * UNITS))
    kernel = rng.uniform(-lim, lim, (DIM, 4 * UNITS)).astype(np.float32)
    q, _ = np.linalg.qr(rng.standard_normal((4 * UNITS, UNITS)))
    recurrent = q.T.astype(np.float32)  # orthogonal rows, as Keras's Orthogonal initialiser
    bias = np.zeros(4 * UNITS, np.float32)
    bias[UNITS:2 * UNITS] = 1.0
    bias += rng.uniform(-0.1, 0.1, 4 * UNITS).astype(np.float32)
    dense = rng.uniform(-0.3, 0.3, (UNITS, 1)).astype(np.float32)
    dense_bias = np.array([0.05], np.float32)
    config = {"class_name": "Sequential", "config": {"name": "bench_lstm", "layers": [
        {"class_name": "Embedding", "config": {"name": "embedding", "batch_input_shape": [None, LENGTH],
                                               "dtype": "float32", "input_dim": VOCAB, "output_dim": DIM,
                                               "mask_zero": False, "input_length": LENGTH}},
        {"class_name": "LSTM", "config": {"name": "lstm", "dtype": "float32", "return_sequences": False,
                                          "return_state": False, "go_backwards": False, "stateful": False,
                                          "unroll": False, "time_major": False, "units": UNITS, "activation": "tanh",
                                          "recurrent_activation": "sigmoid", "use_bias": True,
                                          "unit_forget_bias": True, "dropout": 0.0, "recurrent_dropout": 0.0,
                                          "implementation": 2}},
        {"class_name": "Dense", "config": {"name": "dense", "dtype": "float32", "units": 1, "activation": "sigmoid",
                                           "use_bias": True}}]}}
    with h5py.File(out, "w") as f:
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2.4.0"
        f.attrs["model_config"] = json.dumps(config)
        mw = f.create_group("model_weights")
        mw.attrs["backend"] = "tensorflow"
        mw.attrs["keras_version"] = "2.4.0"
        mw.attrs["layer_names"] = np.array([b"embedding", b"lstm", b"dense"])
        for layer, weights in (("embedding", {"embeddings:0": emb}),
                               ("lstm", {"kernel:0": kernel, "recurrent_kernel:0": recurrent, "bias:0": bias}),
                               ("dense", {"kernel:0": dense, "bias:0": dense_bias})):
            g = mw.create_group(layer)
            g.attrs["weight_names"] = np.array([f"{layer}/{n}".encode() for n in weights])
            inner = g.create_group(layer)
            for n, w in weights.items():
                inner.create_dataset(n, data=w)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    main(sys.argv[1])
