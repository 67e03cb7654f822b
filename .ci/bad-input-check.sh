#!/usr/bin/env bash
# Bad files and inputs through the real launcher: each run must end within 10 s with exit 0 or 2, and an exit 2 must
# print exactly one line on stderr. Files are made here from ../shared models (never committed).
set -uo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
seed=../shared/models/seed_textcnn.h5
keras=../shared/models/darshbir19_movie_cnn.keras

: > "$work/empty.h5"
echo "not a model" > "$work/text.h5"
head -c 3000 "$seed" > "$work/truncated.h5"
head -c 200000 "$keras" > "$work/truncated.keras"
python3 - "$seed" "$work/flipped.h5" <<'PY'
import sys, random
data = bytearray(open(sys.argv[1], 'rb').read())
random.seed(5)
for _ in range(40):
    data[random.randrange(0, 4096)] ^= 1 << random.randrange(8)
open(sys.argv[2], 'wb').write(data)
PY
mkdir "$work/dir.h5"
echo '[[1, 2, 3]]' > "$work/ok.json"
echo '[[1, -2, 3]]' > "$work/negative.json"
echo '[[1, 2, 99999999]]' > "$work/range.json"
echo '[["a", 2]]' > "$work/string.json"
echo '[]' > "$work/none.json"
echo '{' > "$work/broken.json"

runs=(
  "info --model $work/empty.h5"
  "info --model $work/text.h5"
  "info --model $work/truncated.h5"
  "info --model $work/truncated.keras"
  "info --model $work/flipped.h5"
  "info --model $work/dir.h5"
  "info --model $work/missing.h5"
  "info --model ../shared/models/dl4j_embedding_lstm_tensorflow_2.h5"
  "explain --model $work/truncated.h5 --tokens $work/ok.json"
  "explain --model $seed --tokens $work/negative.json"
  "explain --model $seed --tokens $work/range.json"
  "explain --model $seed --tokens $work/string.json"
  "explain --model $seed --tokens $work/none.json"
  "explain --model $seed --tokens $work/broken.json"
  "explain --model $seed --tokens $work/ok.json --target 17"
  "explain --model $seed --tokens $work/ok.json --eps nan"
  "explain --model $seed --tokens $work/ok.json --threads 0"
  "explain --text"
  "bogus"
)
failed=0
for args in "${runs[@]}"; do
  timeout 10 ./jlrp $args >"$work/out" 2>"$work/err"
  code=$?
  lines=$(wc -l < "$work/err")
  if [ "$code" -ne 0 ] && { [ "$code" -ne 2 ] || [ "$lines" -ne 1 ]; }; then
    echo "FAIL: jlrp $args -> exit $code, $lines stderr lines:"; sed 's/^/    /' "$work/err"
    failed=$((failed + 1))
  fi
done
echo "bad-input check: ${#runs[@]} runs, $failed failures"
[ "$failed" -eq 0 ]
