#!/usr/bin/python3
"""Writes the recurrent benchmark workload as a Keras 2 HDF5 model: Embedding(20000, 100) → LSTM(64) → Dense(1,
sigmoid), input length 100, seeded random weights (Glorot-like scales, forget bias 1). With CELL, the same workload
on another cell: gru (reset gate before U_h, Keras 2's default), gru-reset-after (Keras 3's default) or simplernn.
Usage: make_lstm_model.py OUT.h5 [lstm|gru|gru-reset-after|simplernn]"""
import json
import sys

import h5py
import numpy as np

VOCAB, DIM, UNITS, LENGTH = 20000, 100, 64, 100


GATES = {"lstm": 4, "gru": 3, "gru-reset-after": 3, "simplernn": 1}


def main(out, cell="lstm"):
    gates = GATES[cell]
    rng = np.random.default_rng(14)
    emb = rng.uniform(-0.05, 0.05, (VOCAB, DIM)).astype(np.float32)
    lim = np.sqrt(6 / (DIM + gates * UNITS))
    kernel = rng.uniform(-lim, lim, (DIM, gates * UNITS)).astype(np.float32)
    q, _ = np.linalg.qr(rng.standard_normal((gates * UNITS, UNITS)))
    recurrent = q.T.astype(np.float32)  # orthogonal rows, as Keras's Orthogonal initialiser
    bias = np.zeros(gates * UNITS, np.float32)
    if cell == "lstm":
        bias[UNITS:2 * UNITS] = 1.0
    bias += rng.uniform(-0.1, 0.1, gates * UNITS).astype(np.float32)
    if cell == "gru-reset-after":  # an input bias and a recurrent bias
        bias = np.stack([bias, rng.uniform(-0.1, 0.1, gates * UNITS).astype(np.float32)])
    layer_class = {"lstm": "LSTM", "gru": "GRU", "gru-reset-after": "GRU", "simplernn": "SimpleRNN"}[cell]
    name = layer_class.lower()
    options = {"name": name, "dtype": "float32", "return_sequences": False, "return_state": False,
               "go_backwards": False, "stateful": False, "unroll": False, "time_major": False, "units": UNITS,
               "activation": "tanh", "use_bias": True, "dropout": 0.0, "recurrent_dropout": 0.0}
    if cell != "simplernn":
        options.update({"recurrent_activation": "sigmoid", "implementation": 2})
    if cell == "lstm":
        options["unit_forget_bias"] = True
    if cell.startswith("gru"):
        options["reset_after"] = cell == "gru-reset-after"
    dense = rng.uniform(-0.3, 0.3, (UNITS, 1)).astype(np.float32)
    dense_bias = np.array([0.05], np.float32)
    config = {"class_name": "Sequential", "config": {"name": "bench_lstm", "layers": [
        {"class_name": "Embedding", "config": {"name": "embedding", "batch_input_shape": [None, LENGTH],
                                               "dtype": "float32", "input_dim": VOCAB, "output_dim": DIM,
                                               "mask_zero": False, "input_length": LENGTH}},
        {"class_name": layer_class, "config": options},
        {"class_name": "Dense", "config": {"name": "dense", "dtype": "float32", "units": 1, "activation": "sigmoid",
                                           "use_bias": True}}]}}
    with h5py.File(out, "w") as f:
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2.4.0"
        f.attrs["model_config"] = json.dumps(config)
        mw = f.create_group("model_weights")
        mw.attrs["backend"] = "tensorflow"
        mw.attrs["keras_version"] = "2.4.0"
        mw.attrs["layer_names"] = np.array([b"embedding", name.encode(), b"dense"])
        for layer, weights in (("embedding", {"embeddings:0": emb}),
                               (name, {"kernel:0": kernel, "recurrent_kernel:0": recurrent, "bias:0": bias}),
                               ("dense", {"kernel:0": dense, "bias:0": dense_bias})):
            g = mw.create_group(layer)
            g.attrs["weight_names"] = np.array([f"{layer}/{n}".encode() for n in weights])
            inner = g.create_group(layer)
            for n, w in weights.items():
                inner.create_dataset(n, data=w)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or sys.argv[1].startswith("-") or sys.argv[2:] and sys.argv[2] not in GATES:
        sys.exit(__doc__)
    main(*sys.argv[1:])
