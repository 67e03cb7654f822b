#!/usr/bin/python3
"""The Python peer of `jlrp serve`: torch_compare.py's explicit-rule epsilon-LRP behind Python's http.server.

  /usr/bin/python3 bench/torch_serve.py --model ../shared/models/seed_textcnn.h5 [--port 8081] [--threads 2]

Speaks the request side of `jlrp serve`'s KServe V1 explain endpoint for token-id instances:
POST /v1/models/<any name>:explain with {"instances": [[id, ...], ...]} answers 200 with
{"results": [{"sequence": i, "target": c, "logits": [...], "relevance": [...]}, ...]} (relevance for the predicted
class, epsilon 1e-6), 400 with {"error": "..."} for a body it cannot use. One thread per connection
(ThreadingHTTPServer, HTTP/1.1 keep-alive), each request explained on its own: no batching across requests.
Loopback only. For the side-by-side table in docs/performance.md (LoadTest with -Djlrp.load.peer=PORT).
"""
import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_compare import explain, load, to_torch  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    steps, length, vocab = load(args.model)
    steps = to_torch(steps, torch.device("cpu"))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, doc):
            body = json.dumps(doc, separators=(",", ":")).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n)
            if not self.path.endswith(":explain"):
                return self.answer(404, {"error": "no such endpoint: " + self.path})
            try:
                ids = json.loads(raw)["instances"]
                t = torch.tensor(ids, dtype=torch.int64)
                if t.dim() != 2 or t.shape[1] != length or int(t.min()) < 0 or int(t.max()) >= vocab:
                    raise ValueError("instances must be [n, %d] token ids in [0, %d)" % (length, vocab))
            except Exception as e:  # noqa: BLE001 - any bad body is a 400
                return self.answer(400, {"error": str(e).splitlines()[0] if str(e) else type(e).__name__})
            with torch.no_grad():
                logits, rel = explain(steps, t)
            results = [{"sequence": i, "target": int(logits[i].argmax()), "logits": logits[i].tolist(),
                        "relevance": rel[i].tolist()} for i in range(t.shape[0])]
            self.answer(200, {"results": results})

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("torch_serve: listening on 127.0.0.1:%d" % args.port, file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
