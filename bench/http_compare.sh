#!/usr/bin/env bash
# Netty (serve/'s transport) against Jetty 12 core and Undertow on the same KServe :explain I/O, without the
# explanation (org.jlrp.bench.HttpServerComparison; docs/serve.md "Why Netty"). Builds nothing: run
#   mvn -B -q -DskipTests package
# first. For each server: start it, wait until it answers, warm up, then wrk at 1 and at 64 connections, printing
# requests/s, p50, p99 and the server's CPU time during the measured run (/proc/PID/stat), per request. Then the
# jar weight each server adds. Run it on an idle machine: wrk and the server share its cores.
#
# Usage: bench/http_compare.sh [netty] [jetty] [undertow]       (default: all three)
# Environment: DURATION (s, default 8), WARMUP (s, default 3), CONNS (default "1 64"), PORT (default 18080),
#              JAVA (default java), JVM_OPTS (default "-Xms256m -Xmx256m").
set -euo pipefail

cd "$(dirname "$0")/.."
JAR=bench/target/benchmarks.jar
CLASSPATH_TXT=bench/target/classpath.txt
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-"1 64"}
PORT=${PORT:-18080}
JAVA=${JAVA:-java}
JVM_OPTS=${JVM_OPTS:-"-Xms256m -Xmx256m"}
URL="http://127.0.0.1:$PORT/v1/models/demo:explain"
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(netty jetty undertow)

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "http_compare: $tool is not installed" >&2; exit 1; }
done
[ -f "$JAR" ] || { echo "http_compare: $JAR is missing: run mvn -B -q -DskipTests package first" >&2; exit 1; }

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The request: {"instances": [[150 token ids]]}, about 1 KB, as a KServe V1 client sends it.
body=$(awk 'BEGIN { printf "{\"instances\": [["; for (i = 0; i < 150; i++) printf "%s%d", (i ? ", " : ""), (i * 7919) % 20000 + 1; printf "]]}" }')
printf '%s' "$body" > "$work/body.json"
cat > "$work/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
EOF

hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime; comm is "(java)", no spaces
to_us() { # wrk's "1.23ms" / "456.00us" / "1.01s" -> microseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1000; else if (v ~ /m$/) f = 60e6; else f = 1e6; printf "%.0f", n * f }'
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)); load:$(uptime | sed 's/.*load average://')"
echo "java: $("$JAVA" -version 2>&1 | head -1); JVM_OPTS=$JVM_OPTS; wrk -t1, ${WARMUP}s warm-up then ${DURATION}s measured"
echo "request: $(wc -c < "$work/body.json") bytes of JSON, POST $URL"
echo
printf '%-9s %5s %10s %9s %9s %8s %12s %7s\n' server conns requests/s p50_us p99_us cpu_s cpu_us/req non2xx
for server in "${servers[@]}"; do
  "$JAVA" $JVM_OPTS -cp "$JAR" org.jlrp.bench.HttpServerComparison "$server" "$PORT" > "$work/$server.log" 2>&1 &
  pid=$!
  for _ in $(seq 150); do
    read -r code size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' -X POST \
      -H 'Content-Type: application/json' --data-binary "@$work/body.json" "$URL" || true)
    [ "$code" = 200 ] && break
    kill -0 "$pid" 2>/dev/null || { echo "http_compare: $server exited:" >&2; cat "$work/$server.log" >&2; exit 1; }
    sleep 0.2
  done
  [ "$code" = 200 ] || { echo "http_compare: $server does not answer 200 on $URL" >&2; exit 1; }
  for c in $CONNS; do
    wrk -t1 -c"$c" -d"${WARMUP}s" -s "$work/post.lua" "$URL" > /dev/null
    before=$(cpu_ticks "$pid")
    wrk -t1 -c"$c" -d"${DURATION}s" --latency -s "$work/post.lua" "$URL" > "$work/wrk.txt"
    after=$(cpu_ticks "$pid")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.txt")
    total=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
    p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt")")
    p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")")
    bad=$(awk '/Non-2xx/ { print $NF }' "$work/wrk.txt"); bad=${bad:-0}
    errors=$(awk '/Socket errors/' "$work/wrk.txt")
    printf '%-9s %5s %10s %9s %9s %8.2f %12.1f %7s\n' "$server" "$c" "$rps" "$p50" "$p99" \
      "$(echo "($after - $before) / $hz" | bc -l)" "$(echo "($after - $before) * 1000000 / $hz / $total" | bc -l)" "$bad"
    [ -z "$errors" ] || echo "          wrk: $errors"
  done
  kill "$pid"; wait "$pid" || true; pid=""
  # The server's own count: ids = 150 x requests says every request was parsed whole.
  echo "          ($(tail -1 "$work/$server.log"); answer $size bytes)"
done

echo
echo "dependency weight (runtime jars each server adds; Jackson is common to all and not counted):"
[ -f "$CLASSPATH_TXT" ] || { echo "  $CLASSPATH_TXT is missing (mvn package writes it)"; exit 0; }
weigh() { # name, regex on the jar path
  tr ':' '\n' < "$CLASSPATH_TXT" | grep -E "$2" | {
    n=0; bytes=0; names=""
    while read -r jar; do n=$((n + 1)); bytes=$((bytes + $(stat -c %s "$jar"))); names="$names $(basename "$jar" .jar)"; done
    printf '  %-9s %2d jars %6d KiB:%s\n' "$1" "$n" $((bytes / 1024)) "$names"
  }
}
weigh netty '/io/netty/'
weigh jetty '/org/eclipse/jetty/'
weigh undertow '/(io/undertow|org/jboss|org/wildfly|io/smallrye)/'
