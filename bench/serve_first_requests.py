#!/usr/bin/env python3
"""A fresh jlrp serve's first requests: N explain requests one at a time from one keep-alive connection, each the
150 random token ids of bench/wrk_explain.lua's kind (seeded), with the latency of the first request and the p50
and p99 of each eighth. Start the server, wait until /v2/health/ready says 200, then run:
    python3 bench/serve_first_requests.py --port 8080 --model demo --count 4000
"""
import argparse
import http.client
import json
import random
import time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=8080)
ap.add_argument("--model", default="demo")
ap.add_argument("--count", type=int, default=4000)
ap.add_argument("--length", type=int, default=150)
ap.add_argument("--vocab", type=int, default=20001)
args = ap.parse_args()

random.seed(1)
body = json.dumps({"instances": [[random.randint(1, args.vocab - 1) for _ in range(args.length)]]})
connection = http.client.HTTPConnection("127.0.0.1", args.port)
latency = []
for _ in range(args.count):
    start = time.perf_counter()
    connection.request("POST", f"/v1/models/{args.model}:explain", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"HTTP {response.status}")
    latency.append((time.perf_counter() - start) * 1000)
print(f"first request {latency[0]:.1f} ms")
step = max(1, args.count // 8)
for begin in range(0, args.count, step):
    chunk = sorted(latency[begin:begin + step])
    print(f"requests {begin:5d}-{begin + len(chunk):5d}: p50 {chunk[len(chunk) // 2]:.3f} ms, "
          f"p99 {chunk[int(len(chunk) * 0.99)]:.3f} ms, max {chunk[-1]:.1f} ms")
