#!/bin/bash
# Scale benchmark (docs/benchmarks.md, "Scale"): for each n in SIZES, a demo-data store of n
# memories served with the hashing embedder; prints ONE table.
#   SIZES="10000 100000" scripts/scale-bench.sh        (default SIZES="10000 100000 1000000")
# BIN: the server (default .build/release/aegis-memory); BENCH: HTTPBench (default
# Benchmarks/.build/release/HTTPBench); WORK: scratch directory (default a new /tmp dir, removed).
# Build first: swift build -c release --product aegis-memory && (cd Benchmarks && swift build -c release --product HTTPBench)
# Per n: demo-data time; store bytes (du); VmRSS / RssAnon once /ready; /ready time after a clean
# stop (SIGTERM, restart); /ready time after kill -9 with 10,000 acknowledged adds after the last
# checkpoint (and the memory count before/after: none may be lost); HTTPBench --mix 80,15 with 4
# connections for MIXED_SECONDS (15) s (1,000 memories preloaded for its votes), query-only p50, VmRSS /
# RssAnon after it; mixed ops/s relative to the smallest n.
set -euo pipefail
SIZES=${SIZES:-"10000 100000 1000000"}
MIXED_SECONDS=${MIXED_SECONDS:-15}
BIN=$(realpath "${BIN:-.build/release/aegis-memory}")
BENCH=$(realpath "${BENCH:-Benchmarks/.build/release/HTTPBench}")
OWN_WORK=0
if [ -z "${WORK:-}" ]; then WORK=$(mktemp -d /tmp/aegis-scale-bench.XXXXXX); OWN_WORK=1; fi
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill -9 "$SERVER_PID" 2>/dev/null || true; fi
    if [ "$OWN_WORK" = 1 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
export AEGIS_EMBEDDER=hash AEGIS_HASH_DIMENSION=384 LOG_LEVEL=error
export RATE_LIMIT_PER_MINUTE=1000000000 RATE_LIMIT_PER_HOUR=1000000000

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# start D PORT [env...]: starts serve, sets SERVER_PID, waits for /ready 200; ELAPSED = seconds it took.
ELAPSED=""
start() {
    local d=$1 port=$2; shift 2
    local t0; t0=$(now)
    env "$@" "$BIN" serve --host 127.0.0.1 --port "$port" --data-dir "$d" >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready")" = 200 ]; do
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited; see $WORK/server.log" >&2; exit 1; }
        sleep 0.05
    done
    ELAPSED=$(secs "$t0" "$(now)")
}
stop() { kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""; }
memories() { curl -s "http://127.0.0.1:$1/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["memories"])'; }
# 10,000 acknowledged adds (100 add_batch requests of 100; each returns after its fsync).
add10k() {
    python3 - "$1" <<'EOF'
import json, sys, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/memories/add_batch"
for b in range(100):
    items = [{"content": f"scale bench acknowledged add {b}-{i} about the deploy queue", "scope": "global"} for i in range(100)]
    req = urllib.request.Request(url, data=json.dumps({"items": items}).encode(), method="POST",
                                 headers={"Authorization": "Bearer dev-key", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        assert r.status == 200 and len(json.load(r)["results"]) == 100
EOF
}

rows=()
base_ops=""
echo "scale-bench: $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), SIZES=\"$SIZES\", work $WORK" >&2
for n in $SIZES; do
    d="$WORK/store-$n"
    rm -rf "$d"
    t0=$(now)
    "$BIN" demo-data --data-dir "$d" --count "$n" >&2
    demo=$(secs "$t0" "$(now)")
    bytes=$(du -sb "$d" | cut -f1)
    port=$(free_port)

    start "$d" "$port"; first=$ELAPSED
    rss=$(status_kb "$SERVER_PID" VmRSS); anon=$(status_kb "$SERVER_PID" RssAnon)
    stop
    start "$d" "$port"; clean=$ELAPSED

    # kill -9 after 10,000 acknowledged adds that no checkpoint covers.
    stop
    start "$d" "$port" AEGIS_CHECKPOINT_INTERVAL_SECONDS=0
    add10k "$port"
    before=$(memories "$port")
    kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    start "$d" "$port"; crash=$ELAPSED
    after=$(memories "$port")
    stop
    lost=$((before - after))

    out=$("$BENCH" --server "$BIN" --data-dir "$d" --memories 1000 --clients 4 --requests 2000 --seconds "$MIXED_SECONDS" \
          --phases query,mixed --mix 80,15 --rss 1)
    echo "$out" >&2
    qp50=$(echo "$out" | awk '$1 == "query" && $2 == "POST" { print $5 }')
    ops=$(echo "$out" | awk '$1 == "mixed" { print $3 }')
    rss2=$(echo "$out" | awk '$1 == "rss" && $2 == "after" { print $5 }')
    anon2=$(echo "$out" | awk '$1 == "rss" && $2 == "after" { print $8 }')
    [ -z "$base_ops" ] && base_ops=$ops
    ratio=$(awk -v a="$ops" -v b="$base_ops" 'BEGIN { printf "%.2f", a / b }')
    rows+=("| $n | $demo s | $(mib $((bytes / 1024))) MiB | $(mib "$rss") / $(mib "$anon") MiB | $first s | $clean s | $crash s | $before → $after ($lost lost) | $ops | $(mib "$rss2") / $(mib "$anon2") MiB | $qp50 ms | $ratio |")
    if [ "$OWN_WORK" = 1 ]; then rm -rf "$d"; fi
done

echo "| n | demo-data | store on disk | VmRSS / RssAnon at start | first /ready | /ready after clean stop | /ready after kill -9 (+10k adds) | memories before → after kill -9 | mixed 80/15/5 ops/s (4 conn, ${MIXED_SECONDS} s) | VmRSS / RssAnon after mixed | query p50 | mixed vs smallest n |"
echo "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"
for r in "${rows[@]}"; do echo "$r"; done
