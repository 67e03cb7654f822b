#!/usr/bin/python3
"""Cross-checks jlrp's DeepLIFT, guided backprop, deconvnet, SmoothGrad and Shapley sampling against Captum.

  PYTHONPATH=CAPTUM_SOURCES /usr/bin/python3 bench/captum_check.py --model ../shared/models/seed_textcnn.h5
      [--jlrp ./jlrp] [--tokens 5,17,300,...] [--shapley-samples 2000] [--smoothgrad-samples 500]

Runs `jlrp explain --format json --embedding-relevance` for each method on one sequence, rebuilds the model as a
torch nn.Module (Conv1d, ReLU, MaxPool1d modules, so that Captum's per-module rules apply; the weights come from the
same .h5 through torch_compare.load), runs Captum 0.8's DeepLift, GuidedBackprop, Deconvolution,
NoiseTunnel(Saliency) and ShapleyValueSampling on it, and prints one line per check: the largest difference
relative to the largest value. Shapley values are also compared with the exact values from all 2^n coalitions of
the n non-padding tokens (keep n small). Prints JSON lines; exits 1 when a deterministic check is off by more than
1e-4 (DeepLIFT, guided backprop, deconvnet) or the Shapley estimates miss the exact values by more than 5 standard
errors.

Needs PyTorch (Debian's python3-torch 1.13 works) and Captum's Python sources on PYTHONPATH (Captum is not
packaged; its plotting imports need matplotlib or a stand-in module).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_compare import load, to_torch  # noqa: E402  the same .h5 reader as the LRP comparison

from captum.attr import (Deconvolution, DeepLift, GuidedBackprop, NoiseTunnel, Saliency,  # noqa: E402
                         ShapleyValueSampling)


class Copy(nn.Module):
    """A new tensor between two hooked modules: Captum 0.8's DeepLift hooks let a ReLU directly followed by a
    MaxPool1d read the pool's unmodified gradient (captum#1104, fixed upstream in #1843); a copy in between gives
    each module its own tensor, so that Captum's max-pooling rule reaches the ReLU."""

    def forward(self, x):
        return x * 1.0


class Transpose(nn.Module):
    def forward(self, x):
        return x.transpose(1, 2)


class Conv(nn.Module):
    """Keras Conv1D (valid, stride 1) on channels-first input."""

    def __init__(self, w, b):
        super().__init__()
        self.conv = nn.Conv1d(w.shape[1], w.shape[2], w.shape[0], bias=b is not None)
        with torch.no_grad():
            self.conv.weight.copy_(w.permute(2, 1, 0))
            if b is not None:
                self.conv.bias.copy_(b)

    def forward(self, x):
        return self.conv(x)


def activation(name):
    if name in ("linear", None):
        return []
    if name == "relu":
        return [nn.ReLU()]
    if name == "tanh":
        return [nn.Tanh()]
    sys.exit(f"captum_check: activation {name} is not supported")


def build(steps, length, copies=False):
    """(B, T, D) embedding output -> logits, with one module per nonlinearity (Captum hooks modules); with copies,
    a Copy before every max pool."""
    mods = [Transpose()]  # channels-first from here on
    channels_first = True
    steps_now = length
    for kind, p in steps[1:]:
        if kind == "conv1d":
            w, b, act = p
            mods.append(Conv(w, b))
            mods += activation(act)
            steps_now = steps_now - w.shape[0] + 1
        elif kind == "maxpool":
            pool, stride = p
            mods += [Copy()] if copies else []
            mods.append(nn.MaxPool1d(pool, stride))
            steps_now = (steps_now - pool) // stride + 1
        elif kind == "globalmax":
            mods += [Copy()] if copies else []
            mods.append(nn.MaxPool1d(steps_now))
            mods.append(nn.Flatten())
            channels_first = None
        elif kind == "flatten":
            if channels_first:
                mods.append(Transpose())  # Keras flattens (steps, channels) in that order
            mods.append(nn.Flatten())
            channels_first = None
        elif kind == "dense":
            w, b, act = p
            lin = nn.Linear(w.shape[0], w.shape[1], bias=b is not None)
            with torch.no_grad():
                lin.weight.copy_(w.T)
                if b is not None:
                    lin.bias.copy_(b)
            mods.append(lin)
            mods += activation(act)
        elif kind == "activation":
            mods += activation(p)
    return nn.Sequential(*mods).eval()


def jlrp(args, method, *extra):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([args.tokens], f)
        tokens = f.name
    cmd = [args.jlrp, "explain", "--model", args.model, "--tokens", tokens, "--method", method, "--format", "json",
           "--target", str(args.jlrp_target), *extra]
    if method not in ("shapley",):
        cmd.append("--embedding-relevance")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    os.unlink(tokens)
    return json.loads(out)["results"][0]


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-300))


def rel_runs(a, b, tokens):
    """rel() of two [T][D] maps after summing each run of equal consecutive tokens: identical inputs tie exactly in
    a max pool, and which of them the gradient is routed to is the framework's choice (TensorFlow and jlrp take the
    first; PyTorch's CPU kernel need not, and its choice can differ with the machine's vector width)."""
    a = np.asarray(a, dtype=np.float64).reshape(len(tokens), -1)
    b = np.asarray(b, dtype=np.float64).reshape(len(tokens), -1)
    starts = [t for t in range(len(tokens)) if t == 0 or tokens[t] != tokens[t - 1]]
    return rel(np.add.reduceat(a, starts, axis=0), np.add.reduceat(b, starts, axis=0))


def report(check, **fields):
    print(json.dumps({"check": check, **fields}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--jlrp", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "jlrp"))
    ap.add_argument("--tokens", default="5,17,300,42,8,99,1000,7,12,2050")
    ap.add_argument("--target", type=int, default=0)
    ap.add_argument("--shapley-samples", type=int, default=2000)
    ap.add_argument("--smoothgrad-samples", type=int, default=500)
    ap.add_argument("--noise-level", type=float, default=0.15)
    args = ap.parse_args()
    args.tokens = [int(t) for t in args.tokens.split(",")]
    torch.set_default_dtype(torch.float32)
    steps, length, _ = load(args.model)
    steps = to_torch(steps, torch.device("cpu"))
    net = build(steps, length)
    table = steps[0][1]
    failed = False
    with torch.no_grad():
        single = net(table[torch.zeros(1, length, dtype=torch.long)]).shape[1] == 1
    # a one-sigmoid model: jlrp's class 1 is the unit's logit (class 0 is its negation)
    args.jlrp_target = 1 if single else args.target

    base = jlrp(args, "gradient")
    ids = torch.tensor([base["tokens"]])
    x = table[ids]  # (1, T, D)
    target = 0 if single else args.target
    with torch.no_grad():
        logits = net(x)[0]
    report("forward", model=os.path.basename(args.model), max_rel_diff=rel(base["logits"][-1:] if single
                                                                           else base["logits"], logits.numpy()))

    # DeepLIFT (Rescale), both baselines; against Captum's max-pooling rule (with copies) and, for the record,
    # against Captum 0.8 as it runs on the plain layout
    copied = build(steps, length, copies=True)
    for baseline in ("padding", "zero"):
        r = jlrp(args, "deeplift", "--baseline", baseline)
        xb = table[torch.zeros_like(ids)] if baseline == "padding" else torch.zeros_like(x)
        for layout, model in (("copies", copied), ("plain", net)):
            attr, delta = DeepLift(model).attribute(x.clone().requires_grad_(), baselines=xb, target=target,
                                                    return_convergence_delta=True)
            d = rel_runs(attr[0].detach().numpy(), r["embedding_relevance"], r["tokens"])
            if layout == "copies":
                failed |= d > 1e-4
            report("deeplift", baseline=baseline, captum_layout=layout, max_rel_diff=d,
                   jlrp_completeness_error=r["completeness_error"], captum_convergence_delta=float(delta[0]))

    # Guided backprop and deconvnet
    for method, cls in (("guided-backprop", GuidedBackprop), ("deconvnet", Deconvolution)):
        r = jlrp(args, method)
        attr = cls(net).attribute(x.clone().requires_grad_(), target=target)
        d = rel_runs(attr[0].detach().numpy(), r["embedding_relevance"], r["tokens"])
        failed |= d > 1e-4
        report(method, max_rel_diff=d, max_abs=float(np.max(np.abs(r["embedding_relevance"]))))

    # SmoothGrad: two independent Monte Carlo estimates of the same expectation; the floor is jlrp against itself
    # with another seed.
    n = args.smoothgrad_samples
    sigma = args.noise_level * float(x.max() - x.min())
    a = jlrp(args, "smoothgrad", "--samples", str(n), "--noise-level", str(args.noise_level), "--seed", "1")
    b = jlrp(args, "smoothgrad", "--samples", str(n), "--noise-level", str(args.noise_level), "--seed", "2")
    torch.manual_seed(0)
    nt = NoiseTunnel(Saliency(net))
    attr = nt.attribute(x.clone().requires_grad_(), nt_type="smoothgrad", nt_samples=n, nt_samples_batch_size=50,
                        stdevs=sigma, target=target, abs=False)[0].detach().numpy()

    def l2(u, v):
        u = np.asarray(u).ravel()
        v = np.asarray(v).ravel()
        return float(np.linalg.norm(u - v) / np.linalg.norm(v))

    report("smoothgrad", samples=n, sigma=sigma, rel_l2_jlrp_vs_captum=l2(a["embedding_relevance"], attr),
           rel_l2_jlrp_seed1_vs_seed2=l2(a["embedding_relevance"], b["embedding_relevance"]))

    # Shapley sampling: exact values over the non-padding tokens, jlrp and Captum at high sample counts
    tokens = base["tokens"]
    players = [t for t in range(len(tokens)) if tokens[t] != 0]
    nplayers = len(players)
    coalitions = []
    for mask in range(1 << nplayers):
        c = [0] * len(tokens)
        for i, t in enumerate(players):
            if mask >> i & 1:
                c[t] = tokens[t]
        coalitions.append(c)
    with torch.no_grad():
        v = torch.cat([net(table[torch.tensor(coalitions[k:k + 256])])[:, target]
                       for k in range(0, len(coalitions), 256)]).double().numpy()
    phi = np.zeros(len(tokens))
    second = np.zeros(len(tokens))
    for i, t in enumerate(players):
        for mask in range(1 << nplayers):
            if mask >> i & 1:
                continue
            s = bin(mask).count("1")
            w = math.factorial(s) * math.factorial(nplayers - s - 1) / math.factorial(nplayers)
            dv = v[mask | 1 << i] - v[mask]
            phi[t] += w * dv
            second[t] += w * dv * dv
    sd = np.sqrt(np.maximum(second - phi ** 2, 0))
    m = args.shapley_samples
    r = jlrp(args, "shapley", "--samples", str(m))
    ours = np.array(r["relevance"])
    # a player that never changes the logit has sd 0: float32 noise of the forward passes is the floor there
    floor = 1e-6 * (abs(v[0]) + abs(v[-1]) + np.max(np.abs(phi)))
    z_ours = float(np.max(np.abs(ours - phi)[players] / np.maximum(sd[players] / math.sqrt(m), floor)))

    mask = torch.tensor([[players.index(t) + 1 if t in players else 0 for t in range(len(tokens))]])

    def forward(ids_batch):
        return net(table[ids_batch.long()])

    svs = ShapleyValueSampling(forward)
    torch.manual_seed(0)
    theirs = svs.attribute(ids, baselines=0, target=target, n_samples=m, feature_mask=mask,
                           perturbations_per_eval=64)[0].double().numpy()
    z_theirs = float(np.max(np.abs(theirs - phi)[players] / np.maximum(sd[players] / math.sqrt(m), floor)))
    failed |= z_ours > 5
    report("shapley", players=nplayers, samples=m, max_rel_diff_jlrp_vs_exact=rel(phi, ours),
           max_rel_diff_captum_vs_exact=rel(phi, theirs), max_rel_diff_jlrp_vs_captum=rel(theirs, ours),
           max_standard_errors_jlrp=z_ours, max_standard_errors_captum=z_theirs,
           jlrp_efficiency_error=r["completeness_error"], exact_sum=float(phi.sum()), logit_delta=float(v[-1] - v[0]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
