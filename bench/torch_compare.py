#!/usr/bin/python3
"""The jlrp workload on PyTorch: the same Keras .h5 read with h5py, the same epsilon-LRP, explicit per-layer rules.

  /usr/bin/python3 bench/torch_compare.py --model ../shared/models/seed_textcnn.h5 [--device auto|cpu|cuda]
      [--batch 64] [--threads 2] [--seconds 10] [--warmup 5] [--seed 1]
      [--rule epsilon|epsilon-plus|epsilon-alpha2-beta1]
      [--compare JLRP.json --tokens TOKENS.json]

Prints the JSON of `jlrp bench --format json` (model, jdk -> "torch X", simd -> the device, threads, batch,
input_length, seconds, explanations, explanations_per_second, latency_ms p50/p90/p99/max) for a forward pass plus an
epsilon-LRP backward pass (eps 1e-6, biases in the denominator, relevance = the predicted class's logit) to per-token
relevance, on random token ids 1..V-1, one call = one batch. --rule picks jlrp's preset of the same name: the Conv1D
layers get z+ (epsilon-plus) or alpha=2, beta=1 (epsilon-alpha2-beta1) over signed inputs, (x w)+ = x+ w+ + x- w-,
with b+ (and b-) in the denominators and stabiliser 1e-6; the Dense layers keep epsilon 1e-6.

With --compare JLRP.json --tokens TOKENS.json it also explains the sequences of TOKENS.json (a JSON array of arrays,
or a golden *.tokens.json) and checks that per-token relevance agrees with JLRP.json (`jlrp explain --format json`
of the same tokens) within 1e-4 relative to max |R| per sequence, after merging runs of equal consecutive token ids
(max-pool ties inside such runs may pick another position). Exits 1 when a sequence is off.

Supported: chain (Sequential or single-path Functional) Keras 2 models made of InputLayer, Embedding, Conv1D
(valid padding), Dropout/SpatialDropout1D, MaxPooling1D, GlobalMaxPooling1D, Flatten, Dense, Activation — the
reference workload seed_textcnn.h5. The same script runs unchanged on a CUDA machine (--device auto picks CUDA).
"""
import argparse
import json
import os
import sys
import time

import h5py
import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the numpy backend alone (--numpy)
    torch = None

EPS = 1e-6


def stab(z):
    return z + EPS * torch.where(z >= 0, torch.ones_like(z), -torch.ones_like(z))


def load(path):
    """The model as a list of (kind, params) steps, weights as float32 numpy arrays."""
    f = h5py.File(path, "r")
    cfg = json.loads(f.attrs["model_config"])
    layers = cfg["config"]["layers"] if cfg["class_name"] != "Sequential" or isinstance(cfg["config"], dict) \
        else cfg["config"]
    if isinstance(layers, dict):
        layers = layers["layers"]
    weights = f["model_weights"] if "model_weights" in f else f

    def params(name):
        group = weights[name]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        return [np.ascontiguousarray(np.array(group[n]), dtype=np.float32) for n in names]

    steps, length = [], None
    for layer in layers:
        kind, c, name = layer["class_name"], layer["config"], layer["config"]["name"]
        if kind == "InputLayer":
            length = c["batch_input_shape"][1]
        elif kind == "Embedding":
            length = length or c.get("input_length") or c["batch_input_shape"][1]
            steps.append(("embedding", params(name)[0]))
        elif kind == "Conv1D":
            if c.get("padding", "valid") != "valid" or c["strides"][0] != 1 or c["dilation_rate"][0] != 1:
                sys.exit(f"torch_compare: {name}: only valid, stride-1, undilated Conv1D is supported")
            p = params(name)
            steps.append(("conv1d", (p[0], p[1] if len(p) > 1 else None, c.get("activation", "linear"))))
        elif kind == "Dense":
            p = params(name)
            steps.append(("dense", (p[0], p[1] if len(p) > 1 else None, c.get("activation", "linear"))))
        elif kind == "MaxPooling1D":
            if c.get("padding", "valid") != "valid":
                sys.exit(f"torch_compare: {name}: only valid max pooling is supported")
            steps.append(("maxpool", (c["pool_size"][0], c["strides"][0])))
        elif kind == "GlobalMaxPooling1D":
            steps.append(("globalmax", None))
        elif kind == "Flatten":
            steps.append(("flatten", None))
        elif kind == "Activation":
            steps.append(("activation", c["activation"]))
        elif kind in ("Dropout", "SpatialDropout1D"):
            pass
        else:
            sys.exit(f"torch_compare: layer {name} ({kind}) is not supported by this script")
    # the explained output is the logit: a final softmax/sigmoid is dropped
    last = steps[-1]
    if last[0] == "activation" and last[1] in ("softmax", "sigmoid"):
        steps = steps[:-1]
    elif last[0] == "dense" and last[1][2] in ("softmax", "sigmoid"):
        steps[-1] = ("dense", (last[1][0], last[1][1], "linear"))
    return steps, length, steps[0][1].shape[0]


def to_torch(steps, device):
    def t(v):
        if isinstance(v, np.ndarray):
            return torch.tensor(v, device=device)
        if isinstance(v, tuple):
            return tuple(t(e) for e in v)
        return v
    return [(kind, t(p)) for kind, p in steps]


def activate(z, name):
    if name in ("linear", None):
        return z
    if name == "relu":
        return torch.relu(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    sys.exit(f"torch_compare: activation {name} is not supported")


def transposed_conv(s, wt, like):
    """c[t+k] += s[t] @ wt[:, :, k]: the transposed Conv1D as one matmul per tap. Debian's CPU build has no fast
    conv_transpose1d (it falls back to slow_conv_transpose2d, measured 3x the rest of the pass together)."""
    c = torch.zeros_like(like)                             # (B, T, C_in)
    out_steps = s.shape[1]
    for k in range(wt.shape[2]):
        c[:, k:k + out_steps, :] += s @ wt[:, :, k]        # (B, T', F) @ (F, C_in)
    return c


def signed_part(xin, wt, b, r, positive):
    """Relevance of the z+ (positive=True) or z- part of a Conv1D: (x w)+ = x+ w+ + x- w-, (x w)- = x+ w- + x- w+."""
    xp, xn = xin.clamp(min=0), xin.clamp(max=0)
    wp, wn = wt.clamp(min=0), wt.clamp(max=0)
    w1, w2 = (wp, wn) if positive else (wn, wp)
    z = F.conv1d(xp.transpose(1, 2), w1) + F.conv1d(xn.transpose(1, 2), w2)   # (B, F, T')
    if b is not None:
        z = z + (b.clamp(min=0) if positive else b.clamp(max=0))[None, :, None]
    s = (r.transpose(1, 2) / stab(z)).transpose(1, 2)
    return xp * transposed_conv(s, w1, xin) + xn * transposed_conv(s, w2, xin)


def explain(steps, ids, rule="epsilon"):
    """Forward, then epsilon-LRP for the predicted class. ids: (B, T) int64. Returns (logits, per-token R)."""
    with torch.no_grad():
        return explain_torch(steps, ids, rule)


def explain_torch(steps, ids, rule):
    x = None
    tape = []  # what each step's relevance pass needs
    for kind, p in steps:
        if kind == "embedding":
            x = p[ids]                                   # (B, T, D), channels-last as Keras
            emb = x
        elif kind == "conv1d":
            w, b, act = p                                # Keras kernel (W, C_in, F)
            wt = w.permute(2, 1, 0).contiguous()        # torch (F, C_in, W)
            z = F.conv1d(x.transpose(1, 2), wt, b)       # (B, F, T')
            tape.append(("conv1d", x, wt, z, b))
            x = activate(z, act).transpose(1, 2)         # (B, T', F)
        elif kind == "maxpool":
            pool, stride = p
            out, idx = F.max_pool1d(x.transpose(1, 2), pool, stride, return_indices=True)  # first max on ties
            tape.append(("maxpool", x.shape, idx))
            x = out.transpose(1, 2)
        elif kind == "globalmax":
            out, idx = x.max(dim=1, keepdim=True)
            tape.append(("globalmax", x.shape, idx))
            x = out[:, 0, :]
        elif kind == "flatten":
            tape.append(("flatten", x.shape))
            x = x.reshape(x.shape[0], -1)
        elif kind == "dense":
            w, b, act = p
            z = x @ w + (b if b is not None else 0)
            tape.append(("dense", x, w, z, b))
            x = activate(z, act)
        elif kind == "activation":
            x = activate(x, p)
    logits = x
    target = logits.argmax(dim=1)
    r = torch.zeros_like(logits)
    r.scatter_(1, target[:, None], logits.gather(1, target[:, None]))
    for entry in reversed(tape):
        kind = entry[0]
        if kind == "dense":
            _, xin, w, z, _ = entry
            r = xin * ((r / stab(z)) @ w.T)
        elif kind == "flatten":
            r = r.reshape(entry[1])
        elif kind == "maxpool":
            shape, idx = entry[1], entry[2]
            routed = torch.zeros(shape[0], shape[2], shape[1], dtype=r.dtype, device=r.device)
            routed.scatter_add_(2, idx, r.transpose(1, 2))
            r = routed.transpose(1, 2)
        elif kind == "globalmax":
            shape, idx = entry[1], entry[2]
            routed = torch.zeros(shape, dtype=r.dtype, device=r.device)
            routed.scatter_add_(1, idx, r[:, None, :])
            r = routed
        elif kind == "conv1d":
            _, xin, wt, z, b = entry
            if rule == "epsilon-plus":
                r = signed_part(xin, wt, b, r, True)
            elif rule == "epsilon-alpha2-beta1":
                r = 2 * signed_part(xin, wt, b, r, True) - signed_part(xin, wt, b, r, False)
            else:
                s = (r.transpose(1, 2) / stab(z)).transpose(1, 2)  # (B, T', F)
                r = xin * transposed_conv(s, wt, xin)
    return logits, r.sum(dim=2)


def np_stab(z):
    # copysign differs from the sign(0) = +1 rule only at z = -0.0; it is 5x faster than np.where here
    return z + np.copysign(np.float32(EPS), z)


def np_activate(z, name):
    if name in ("linear", None):
        return z
    if name == "relu":
        return np.maximum(z, np.float32(0))
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return np.float32(1) / (np.float32(1) + np.exp(-z))
    sys.exit(f"torch_compare: activation {name} is not supported")


def im2col(x, width):
    """(B, T, C) -> (B, T', width*C): the valid Conv1D's windows, tap-major like Keras's kernel (W, C, F)."""
    out_steps = x.shape[1] - width + 1
    return np.concatenate([x[:, k:k + out_steps, :] for k in range(width)], axis=2)


def col2im(c, width, like):
    """The transposed im2col: window gradients summed back onto the steps they came from."""
    out, channels, out_steps = np.zeros_like(like), like.shape[2], c.shape[1]
    for k in range(width):
        out[:, k:k + out_steps, :] += c[:, :, k * channels:(k + 1) * channels]
    return out


def np_signed_part(cols, w, b, r, positive, like):
    """numpy twin of signed_part: the z+ or z- part of a Conv1D as im2col matrix products."""
    cp, cn = np.maximum(cols, np.float32(0)), np.minimum(cols, np.float32(0))
    wp, wn = np.maximum(w, np.float32(0)), np.minimum(w, np.float32(0))
    w1, w2 = (wp, wn) if positive else (wn, wp)
    z = cp @ w1 + cn @ w2
    if b is not None:
        z = z + (np.maximum(b, np.float32(0)) if positive else np.minimum(b, np.float32(0)))
    s = r / np_stab(z)
    return col2im(cp * (s @ w1.T) + cn * (s @ w2.T), w.shape[0] // like.shape[2], like)


def first_max(windows, out):
    """The winners (B, n, pool, F) as a mask, the first maximum of each window on ties (repeated tokens tie exactly).
    A loop over the pool's few offsets: argmax over that strided axis is 10x slower."""
    winners = np.empty(windows.shape, dtype=bool)
    taken = np.zeros(out.shape, dtype=bool)
    for k in range(windows.shape[2]):
        np.logical_and(windows[:, :, k, :] == out, ~taken, out=winners[:, :, k, :])
        taken |= winners[:, :, k, :]
    return winners


def explain_numpy(steps, ids, rule="epsilon"):
    """explain() on numpy arrays in float32: the same rules, Conv1D as im2col matrix products (OpenBLAS)."""
    x = None
    tape = []
    for kind, p in steps:
        if kind == "embedding":
            x = np.take(p, ids, axis=0)                             # (B, T, D)
        elif kind == "conv1d":
            w, b, act = p                                           # Keras kernel (W, C_in, F)
            wm = w.reshape(-1, w.shape[2])                          # (W*C_in, F), tap-major
            cols = im2col(x, w.shape[0])                            # (B, T', W*C_in)
            z = cols @ wm
            if b is not None:
                z = z + b
            tape.append(("conv1d", x, cols, wm, z, b))
            x = np_activate(z, act)                                 # (B, T', F)
        elif kind == "maxpool":
            pool, stride = p
            if stride != pool:
                sys.exit("torch_compare --numpy: only non-overlapping max pooling (strides == pool_size)")
            n = (x.shape[1] - pool) // stride + 1
            windows = x[:, :n * pool, :].reshape(x.shape[0], n, pool, x.shape[2])
            out = windows.max(axis=2)
            tape.append(("maxpool", x.shape, first_max(windows, out), n, pool))
            x = out
        elif kind == "globalmax":
            idx = x.argmax(axis=1)[:, None, :]
            tape.append(("globalmax", x.shape, idx))
            x = np.take_along_axis(x, idx, axis=1)[:, 0, :]
        elif kind == "flatten":
            tape.append(("flatten", x.shape))
            x = x.reshape(x.shape[0], -1)
        elif kind == "dense":
            w, b, act = p
            z = x @ w
            if b is not None:
                z = z + b
            tape.append(("dense", x, w, z))
            x = np_activate(z, act)
        elif kind == "activation":
            x = np_activate(x, p)
    logits = x
    target = logits.argmax(axis=1)
    r = np.zeros_like(logits)
    rows = np.arange(len(target))
    r[rows, target] = logits[rows, target]
    for entry in reversed(tape):
        kind = entry[0]
        if kind == "dense":
            _, xin, w, z = entry
            r = xin * ((r / np_stab(z)) @ w.T)
        elif kind == "flatten":
            r = r.reshape(entry[1])
        elif kind == "maxpool":
            shape, winners, n, pool = entry[1:]
            routed = winners * r[:, :, None, :]
            full = np.zeros(shape, dtype=r.dtype)
            full[:, :n * pool, :] = routed.reshape(shape[0], n * pool, shape[2])
            r = full
        elif kind == "globalmax":
            shape, idx = entry[1], entry[2]
            routed = np.zeros(shape, dtype=r.dtype)
            np.put_along_axis(routed, idx, r[:, None, :], axis=1)
            r = routed
        elif kind == "conv1d":
            _, xin, cols, wm, z, b = entry
            if rule == "epsilon-plus":
                r = np_signed_part(cols, wm, b, r, True, xin)
            elif rule == "epsilon-alpha2-beta1":
                r = 2 * np_signed_part(cols, wm, b, r, True, xin) - np_signed_part(cols, wm, b, r, False, xin)
            else:
                s = r / np_stab(z)                                  # (B, T', F)
                r = xin * col2im(s @ wm.T, wm.shape[0] // xin.shape[2], xin)
    return logits, r.sum(axis=2)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def bench(steps, length, vocab, device, args):
    """One call = one batch explained; device None means the numpy backend."""
    pool = np.random.default_rng(args.seed).integers(1, vocab, (max(4096, args.batch), length))
    if device is not None:
        pool = torch.from_numpy(pool).to(device)
    nxt = 0
    latencies, calls = [], 0

    def call():
        nonlocal nxt
        if nxt + args.batch > pool.shape[0]:
            nxt = 0
        if device is None:
            explain_numpy(steps, pool[nxt:nxt + args.batch], args.rule)
        else:
            explain(steps, pool[nxt:nxt + args.batch], args.rule)
            sync(device)
        nxt += args.batch

    end = time.perf_counter() + args.warmup
    while time.perf_counter() < end:
        call()
    cpu0 = time.process_time()
    start = time.perf_counter()
    end = start + args.seconds
    now = start
    while now < end:
        before = now
        call()
        now = time.perf_counter()
        latencies.append(now - before)
        calls += 1
    seconds = now - start
    cpu = time.process_time() - cpu0
    lat = np.sort(np.array(latencies)) * 1e3

    def pct(p):
        return float(lat[max(0, int(np.ceil(p * len(lat))) - 1)])

    if device is None:
        version, simd = "numpy " + np.__version__, "numpy"
        threads = os.environ.get("OPENBLAS_NUM_THREADS", "OpenBLAS default")
    else:
        version, simd = "torch " + torch.__version__, device.type if device.type != "cpu" else "torch-cpu"
        threads = torch.get_num_threads()
    return {"model": args.model, "jdk": version, "simd": simd,
            "threads": threads, "batch": args.batch, "input_length": length,
            "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), "explanations": calls * args.batch,
            "explanations_per_second": round(calls * args.batch / seconds, 1),
            "latency_ms": {"p50": round(pct(0.5), 4), "p90": round(pct(0.9), 4), "p99": round(pct(0.99), 4),
                           "max": round(float(lat[-1]), 4)},
            "calls": calls, "warmup": args.warmup, "seed": args.seed, "rule": args.rule}


def runs(tokens, rel):
    out, prev = [], None
    for t, r in zip(tokens, rel):
        if out and t == prev:
            out[-1] += r
        else:
            out.append(r)
        prev = t
    return out


def compare(steps, device, args):
    tokens = json.load(open(args.tokens))
    if isinstance(tokens, dict):
        tokens = tokens["tokens"]
    mine = json.load(open(args.compare))["results"]
    if device is None:
        _, rel = explain_numpy(steps, np.array(tokens, dtype=np.int64), args.rule)
        rel, name = rel.astype(np.float64), "numpy"
    else:
        ids = torch.tensor(tokens, dtype=torch.int64, device=device)
        _, rel = explain(steps, ids, args.rule)
        rel, name = rel.double().cpu().numpy(), "torch " + device.type
    worst, bad = 0.0, 0
    for i, result in enumerate(mine):
        theirs = rel[i]
        scale = max(abs(v) for v in result["relevance"]) or 1.0
        a, b = runs(tokens[i], result["relevance"]), runs(tokens[i], list(theirs))
        err = max(abs(x - y) for x, y in zip(a, b)) / scale
        worst = max(worst, err)
        if err > 1e-4:
            bad += 1
            print(f"  sequence {i}: relative error {err:.2e}", file=sys.stderr)
    print(f"{'ok' if not bad else 'FAIL'}: {len(mine)} sequences, worst relative error {worst:.2e} "
          f"({name} vs jlrp)", file=sys.stderr)
    return bad == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--compare")
    ap.add_argument("--tokens")
    ap.add_argument("--rule", default="epsilon", choices=["epsilon", "epsilon-plus", "epsilon-alpha2-beta1"])
    ap.add_argument("--no-bench", action="store_true", help="only the --compare check")
    ap.add_argument("--numpy", action="store_true",
                    help="numpy instead of PyTorch (threads: set OPENBLAS_NUM_THREADS)")
    args = ap.parse_args()
    steps, length, vocab = load(args.model)
    if args.numpy:
        device = None
    else:
        if torch is None:
            sys.exit("torch_compare: PyTorch is not installed (--numpy runs without it)")
        if args.threads:
            torch.set_num_threads(args.threads)
        device = torch.device("cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
                              else "cpu")
        steps = to_torch(steps, device)
    ok = True
    if args.compare:
        if not args.tokens:
            sys.exit("torch_compare: --compare needs --tokens")
        ok = compare(steps, device, args)
    if not args.no_bench:
        print(json.dumps(bench(steps, length, vocab, device, args)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
