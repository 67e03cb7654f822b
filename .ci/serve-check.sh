#!/usr/bin/env bash
# `jlrp serve` with the built-in demo model on loopback: runs the curl examples of docs/serve.md (ServeDocsTest
# checks that every curl line there appears here), checks the answers, then sends SIGTERM and expects exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${JLRP_SERVE_PORT:-18080}"
base="http://127.0.0.1:$port"
log="$(mktemp)"
fail() { echo "serve-check: FAIL: $*" >&2; cat "$log" >&2; exit 1; }

./jlrp --version >/dev/null # builds the jar first, so the wait below is only the server's start
./jlrp serve --port "$port" 2>"$log" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 300); do # start and the 5 s warm-up: ready within 30 s
  curl -sf "$base/v2/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || fail "the server exited before it was ready"
  sleep 0.1
done

expect() { # expect NAME SUBSTRING OUTPUT
  case "$3" in *"$2"*) echo "ok   $1" ;; *) fail "$1: expected '$2' in: $3" ;; esac
}

out=$(curl -s $base/v2/health/ready)
expect ready '"ready":true' "$out"
out=$(curl -s $base/v1/models/demo)
expect v1-ready '{"name":"demo","ready":true}' "$out"
out=$(curl -s -X POST $base/v1/models/demo:predict -d '{"instances": ["this film was not good at all"]}')
expect v1-predict '"class":0,"label":"negative"' "$out"
out=$(curl -s -X POST $base/v1/models/demo:explain -d '{"instances": ["this film was not good at all"]}')
expect v1-explain '"words":[' "$out"
expect v1-explain-relevance '"relevance":[' "$out"
out=$(curl -s -X POST $base/v1/models/demo:explain -d '{"instances": [[5, 6, 8, 58, 83]], "parameters": {"target": "all", "rule": "epsilon-gamma-box"}}')
expect v1-explain-params '"name":"epsilon-gamma-box"' "$out"
out=$(curl -s $base/v2/models/demo)
expect v2-metadata '"inputs":[{"name":"input_ids","datatype":"INT64","shape":[-1,50]}]' "$out"
out=$(curl -s -X POST $base/v2/models/demo/infer -d '{"id": "r1", "inputs": [{"name": "input_ids", "shape": [1, 50], "datatype": "INT64", "data": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,5,6,8,58,83]}]}')
expect v2-infer '{"name":"logits","datatype":"FP32","shape":[1,2],"data":[1.6,-1.6]}' "$out"
out=$(curl -s -w '%{http_code}' -X POST $base/v1/models/demo:explain -d '{"instances": [[5, 6, 99999]]}')
expect bad-id '{"error":"sequence 0, position 49: token id 99999 is out of range [0, 112)"}' "$out"
expect bad-id-status '}
400' "$out"
head -c 2000000 /dev/zero | tr '\0' ' ' > "$log.big" # 2 MB: over the 1 MiB default body limit
out=$(curl -s -o /dev/null -w '%{http_code}' -X POST $base/v1/models/demo:explain --data-binary @"$log.big" || true)
rm -f "$log.big"
expect too-large 413 "$out"
out=$(curl -s $base/metrics)
expect metrics 'jlrp_serve_requests_total{endpoint="v1_explain",status="200"} 2' "$out"

kill -TERM "$server"
set +e
wait "$server"
status=$?
set -e
[ "$status" -eq 0 ] || fail "exit status $status after SIGTERM, expected 0"
# The launcher's stderr filter may write the last line just after the JVM exits.
for _ in $(seq 20); do grep -q '^jlrp: stopped$' "$log" && break; sleep 0.1; done
grep -q '^jlrp: stopped$' "$log" || fail "no 'jlrp: stopped' after SIGTERM"
echo "ok   SIGTERM: drained, exit 0"
