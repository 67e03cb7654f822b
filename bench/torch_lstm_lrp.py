#!/usr/bin/python3
"""A PyTorch peer of jlrp's recurrent LRP: Embedding → LSTM → Dense (a Keras 2 Sequential .h5), batched on the CPU in
float32, with the rules of Arras et al. 2017 as jlrp applies them (ε-rule on the linear maps, bias in the
denominator, sign(0) = +1; the gates signal-take-all; relevance at the explained logit = its value; per-token
relevance = the sum over embedding dimensions). The input product x·W runs for all steps as one matrix product.
The same algorithm also runs on numpy (--numpy; the Debian PyTorch here is built on the reference BLAS, while a pip
numpy brings OpenBLAS, so `python3 torch_lstm_lrp.py bench --numpy` on such a numpy is the stronger batched peer).

  check:  torch_lstm_lrp.py check MODEL.h5 TOKENS.json JLRP.json   (jlrp explain --format json on the same tokens)
  bench:  torch_lstm_lrp.py bench MODEL.h5 [--batch 64] [--threads 2] [--seconds 10] [--eps 1e-6]
"""
import argparse
import json
import os
import time

import h5py
import numpy as np

try:
    import torch
except ImportError:  # the numpy backend alone
    torch = None


def load(path):
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        layers = config["config"]["layers"] if isinstance(config["config"], dict) else config["config"]
        weights = {}
        for name in f["model_weights"].attrs["layer_names"]:
            name = name.decode()
            g = f["model_weights"][name]
            weights[name] = [np.array(g[n.decode()]) for n in g.attrs["weight_names"]]
    kinds = {l["class_name"]: l["config"] for l in layers}
    names = {l["class_name"]: l["config"]["name"] for l in layers}
    if set(kinds) - {"Embedding", "LSTM", "Dense", "InputLayer", "Dropout"}:
        raise SystemExit("only Embedding → LSTM → Dense models: " + str(list(kinds)))
    lstm = kinds["LSTM"]
    if lstm.get("return_sequences") or lstm.get("go_backwards"):
        raise SystemExit("only return_sequences=False, go_backwards=False")
    t = lambda a: np.ascontiguousarray(a, dtype=np.float32)
    kernel, recurrent, bias = weights[names["LSTM"]]
    dense = weights[names["Dense"]]
    return {"E": t(weights[names["Embedding"]][0]), "W": t(kernel), "U": t(recurrent), "b": t(bias),
            "Wd": t(dense[0]), "bd": t(dense[1]) if len(dense) > 1 else np.zeros(dense[0].shape[1], np.float32),
            "act": lstm.get("activation", "tanh"), "ract": lstm.get("recurrent_activation", "sigmoid")}


def activation(name):
    if name == "sigmoid":
        return torch.sigmoid
    if name == "hard_sigmoid":  # Keras 2
        return lambda z: torch.clamp(0.2 * z + 0.5, 0.0, 1.0)
    if name == "tanh":
        return torch.tanh
    raise SystemExit("unsupported activation " + name)


def sign(z):
    return torch.where(z >= 0, torch.ones_like(z), -torch.ones_like(z))


def divide(r, z, eps):
    """r / (z + ε·sign(z)), 0 where r is 0."""
    q = r / (z + eps * sign(z))
    return torch.where(r == 0, torch.zeros_like(q), q)


def explain(m, tokens, eps):
    """Per-token relevance [B][T] for the predicted class, and the targets."""
    f, g = activation(m["ract"]), activation(m["act"])
    x = m["E"][tokens]                                   # [B,T,D]
    B, T, _ = x.shape
    H = m["U"].shape[0]
    zx = torch.matmul(x, m["W"]) + m["b"]                # [B,T,4H]: the input product for every step at once
    h = torch.zeros(T + 1, B, H)
    c = torch.zeros(T + 1, B, H)
    gates = torch.empty(T, B, 4 * H)
    zg = torch.empty(T, B, H)
    for t in range(T):
        z = zx[:, t] + h[t] @ m["U"]
        gates[t, :, :2 * H] = f(z[:, :2 * H])
        gates[t, :, 2 * H:3 * H] = g(z[:, 2 * H:3 * H])
        gates[t, :, 3 * H:] = f(z[:, 3 * H:])
        zg[t] = z[:, 2 * H:3 * H]
        i, fg, gg, o = gates[t].split(H, dim=1)
        c[t + 1] = fg * c[t] + i * gg
        h[t + 1] = o * g(c[t + 1])
    logit = h[T] @ m["Wd"] + m["bd"]                     # [B,C]
    if logit.shape[1] == 1:                              # a single sigmoid: logits [−z, z]
        positive = logit[:, 0] > 0
        target = positive.long()
        initial = torch.where(positive, logit[:, 0], -logit[:, 0])
        w = m["Wd"][:, 0] * torch.where(positive, 1.0, -1.0)[:, None]
        zout = torch.where(positive, logit[:, 0], -logit[:, 0])
    else:
        target = logit.argmax(1)
        initial = logit.gather(1, target[:, None])[:, 0]
        w = m["Wd"].T[target]
        zout = initial
    rh = h[T] * w * divide(initial, zout, eps)[:, None]  # ε-rule through the Dense unit
    rc = torch.zeros(B, H)
    Ug = m["U"][:, 2 * H:3 * H]
    s = torch.empty(T, B, H)
    for t in reversed(range(T)):
        i, fg, gg, o = gates[t].split(H, dim=1)
        r = rc + rh
        q = divide(r, c[t + 1], eps)
        rc = fg * c[t] * q
        s[t] = divide(i * gg * q, zg[t], eps)
        rh = h[t] * (s[t] @ Ug.T)
    Wg = m["W"][:, 2 * H:3 * H]
    relevance = (x * torch.matmul(s.transpose(0, 1), Wg.T)).sum(-1)  # [B,T]: the input product for all steps
    return relevance, target


def np_act(name):
    if name == "sigmoid":
        return lambda z: 1 / (1 + np.exp(-z))
    if name == "hard_sigmoid":
        return lambda z: np.clip(0.2 * z + 0.5, 0.0, 1.0)
    if name == "tanh":
        return np.tanh
    raise SystemExit("unsupported activation " + name)


def np_divide(r, z, eps):
    with np.errstate(divide="ignore", invalid="ignore"):
        q = r / (z + np.float32(eps) * np.where(z >= 0, np.float32(1), np.float32(-1)))
    return np.where(r == 0, np.float32(0), q)


def explain_numpy(m, tokens, eps):
    """explain() on numpy arrays, float32."""
    f, g = np_act(m["ract"]), np_act(m["act"])
    x = m["E"][tokens]
    B, T, _ = x.shape
    H = m["U"].shape[0]
    zx = x @ m["W"] + m["b"]
    h = np.zeros((T + 1, B, H), np.float32)
    c = np.zeros((T + 1, B, H), np.float32)
    gates = np.empty((T, B, 4 * H), np.float32)
    zg = np.empty((T, B, H), np.float32)
    for t in range(T):
        z = zx[:, t] + h[t] @ m["U"]
        gates[t, :, :2 * H] = f(z[:, :2 * H])
        gates[t, :, 2 * H:3 * H] = g(z[:, 2 * H:3 * H])
        gates[t, :, 3 * H:] = f(z[:, 3 * H:])
        zg[t] = z[:, 2 * H:3 * H]
        i, fg, gg, o = np.split(gates[t], 4, axis=1)
        c[t + 1] = fg * c[t] + i * gg
        h[t + 1] = o * g(c[t + 1])
    logit = h[T] @ m["Wd"] + m["bd"]
    if logit.shape[1] == 1:
        sgn = np.where(logit[:, 0] > 0, np.float32(1), np.float32(-1))
        target = (logit[:, 0] > 0).astype(np.int64)
        initial = sgn * logit[:, 0]
        w = m["Wd"][:, 0][None, :] * sgn[:, None]
    else:
        target = logit.argmax(1)
        initial = logit[np.arange(B), target]
        w = m["Wd"].T[target]
    rh = h[T] * w * np_divide(initial, initial, eps)[:, None]
    rc = np.zeros((B, H), np.float32)
    UgT = np.ascontiguousarray(m["U"][:, 2 * H:3 * H].T)
    s = np.empty((T, B, H), np.float32)
    for t in reversed(range(T)):
        i, fg, gg, o = np.split(gates[t], 4, axis=1)
        q = np_divide(rc + rh, c[t + 1], eps)
        rc = fg * c[t] * q
        s[t] = np_divide(i * gg * q, zg[t], eps)
        rh = h[t] * (s[t] @ UgT)
    WgT = np.ascontiguousarray(m["W"][:, 2 * H:3 * H].T)
    relevance = (x * (s.transpose(1, 0, 2) @ WgT)).sum(-1)
    return relevance, target


def to_torch(m):
    return {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in m.items()}


def check(args):
    m = load(args.model)
    if not args.numpy:
        m = to_torch(m)
    tokens = json.load(open(args.tokens))
    tokens = tokens["tokens"] if isinstance(tokens, dict) else tokens
    if args.numpy:
        ours, target = explain_numpy(m, np.array(tokens), args.eps)
    else:
        with torch.no_grad():
            ours, target = explain(m, torch.tensor(tokens), args.eps)
            ours = ours.double().numpy()
    theirs = json.load(open(args.jlrp))["results"]
    worst = 0.0
    for k, result in enumerate(theirs):
        ref = np.array(result["relevance"], dtype=np.float64)
        assert result["target"] == int(target[k]), (k, result["target"], int(target[k]))
        error = np.abs(np.asarray(ours[k], np.float64) - ref).max() / max(np.abs(ref).max(), 1e-30)
        worst = max(worst, error)
        print(f"sequence {k}: max |Δ| / max |R| = {error:.2e}")
    print(f"worst {worst:.2e}")
    if worst > 1e-4:
        raise SystemExit("relevance differs from jlrp's by more than 1e-4 of max |R|")


def bench(args):
    m = load(args.model)
    rng = np.random.default_rng(1)
    V, T = m["E"].shape[0], args.length
    batches = [rng.integers(1, V, (args.batch, T)) for _ in range(8)]
    if args.numpy:
        run = explain_numpy  # threads: OPENBLAS_NUM_THREADS
    else:
        torch.set_num_threads(args.threads)
        m = to_torch(m)
        batches = [torch.from_numpy(b) for b in batches]

        def run(m, tokens, eps):
            with torch.no_grad():
                return explain(m, tokens, eps)
    end = time.time() + args.warmup
    while time.time() < end:
        run(m, batches[0], args.eps)
    n, k = 0, 0
    cpu0, t0 = time.process_time(), time.time()
    while time.time() - t0 < args.seconds:
        run(m, batches[k % len(batches)], args.eps)
        n += args.batch
        k += 1
    wall, cpu = time.time() - t0, time.process_time() - cpu0
    version = "numpy " + np.__version__ if args.numpy else "torch " + torch.__version__
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "OpenBLAS default") if args.numpy else args.threads
    print(json.dumps({"peer": version, "threads": threads, "batch": args.batch,
                      "length": T, "seconds": round(wall, 3), "explanations": n,
                      "explanations_per_second": round(n / wall, 1), "cpu_seconds": round(cpu, 2),
                      "explanations_per_cpu_second": round(n / cpu, 1)}))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check")
    c.add_argument("model")
    c.add_argument("tokens")
    c.add_argument("jlrp")
    c.add_argument("--eps", type=float, default=1e-6)
    c.add_argument("--numpy", action="store_true")
    b = sub.add_parser("bench")
    b.add_argument("model")
    b.add_argument("--batch", type=int, default=64)
    b.add_argument("--threads", type=int, default=2)
    b.add_argument("--seconds", type=float, default=10)
    b.add_argument("--warmup", type=float, default=3)
    b.add_argument("--length", type=int, default=100)
    b.add_argument("--eps", type=float, default=1e-6)
    b.add_argument("--numpy", action="store_true")
    args = p.parse_args()
    check(args) if args.command == "check" else bench(args)
