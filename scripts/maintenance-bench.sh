#!/bin/bash
# Times the offline maintenance commands on a store written like production: N memories
# imported with the hashing embedder (DIM dims), 5 % expired and hard-deleted by the server's
# TTL sweep, server stopped with SIGTERM (checkpoint with graphs). Anchors in the same run:
# import, backup, verify. Usage: BIN=.build/release/aegis-memory N=100000 DIM=384 scripts/maintenance-bench.sh
# Optional: MINILM=3000 also re-embeds a hash store of that size with all-MiniLM-L6-v2 (models/).
set -euo pipefail
BIN=${BIN:-.build/release/aegis-memory}; N=${N:-100000}; DIM=${DIM:-384}
W=$(mktemp -d /tmp/aegis-maint-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
gen() {  # gen N EXPIRE_EVERY > file.jsonl
python3 - "$1" "$2" <<'PY'
import json, random, sys
n, every = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(1)
vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(5000)]
for i in range(n):
    r = {"content": " ".join(rng.choice(vocab) for _ in range(rng.randint(6, 20))) + f" #{i}", "agent_id": f"agent-{i % 8}",
         "namespace": ["default", "ops", "research"][i % 3], "scope": "global", "metadata": {"i": i}}
    if every and i % every == 0:
        r["expires_at"] = "2020-01-01T00:00:00+00:00"
    print(json.dumps(r))
PY
}
T() { local label=$1; shift; /usr/bin/time -f "$label: %e s wall, %M KB peak RSS" "$@" > "$W/out.json"; head -c 400 "$W/out.json"; echo; }
export AEGIS_EMBEDDER=hash AEGIS_HASH_DIMENSION=$DIM
gen "$N" 20 > "$W/in.jsonl"
T "anchor import" "$BIN" import --data-dir "$W/d" --project p1 "$W/in.jsonl" --json
AEGIS_TTL_SWEEP_INTERVAL_SECONDS=1 LOG_LEVEL=error "$BIN" serve --data-dir "$W/d" --port 0 > /dev/null 2>&1 & P=$!
sleep 10; kill -TERM $P; wait $P || true
"$BIN" stats --data-dir "$W/d" | head -3
echo "data dir: $(du -sm "$W/d" | cut -f1) MiB"
T "anchor backup" "$BIN" backup --data-dir "$W/d" --out "$W/bk" --json
T "anchor verify" "$BIN" verify --data-dir "$W/d"
T "compact" "$BIN" compact --data-dir "$W/d" --json
T "rebuild-index m16 ef64" "$BIN" rebuild-index --data-dir "$W/d" --m 16 --ef-construction 64 --json
T "rebuild-index m24 ef128" "$BIN" rebuild-index --data-dir "$W/d" --m 24 --ef-construction 128 --json
AEGIS_HASH_DIMENSION=$((DIM * 3 / 2)) T "reembed hash-$DIM -> hash-$((DIM * 3 / 2))" "$BIN" reembed --data-dir "$W/d" --no-keep --json
"$BIN" verify --data-dir "$W/d"
if [ -n "${MINILM:-}" ]; then
  gen "$MINILM" 0 > "$W/m.jsonl"
  "$BIN" import --data-dir "$W/m" --project p1 "$W/m.jsonl" --json > /dev/null
  AEGIS_EMBEDDER=minilm T "reembed hash-$DIM -> minilm ($MINILM)" "$BIN" reembed --data-dir "$W/m" --no-keep --json
fi
