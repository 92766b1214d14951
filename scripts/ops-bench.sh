#!/usr/bin/env bash
# Operations benchmark (docs/benchmarks.md "## Operations"): backup, restore and pgsql export
# of N memories (default 100,000 × 384 dims), each timed with /usr/bin/time (wall seconds, peak
# RSS), against the anchor `cp -r` of the same data directory measured in the same run.
#   make ops-bench            # or: BIN=.build/release/aegis-memory N=100000 scripts/ops-bench.sh
set -euo pipefail
BIN="${BIN:-.build/release/aegis-memory}"
N="${N:-100000}"; DIM="${DIM:-384}"
T="$(mktemp -d /tmp/aegis-opsbench-XXXXXX)"; trap 'rm -rf "$T"' EXIT
"$BIN" demo-data --data-dir "$T/d" --count "$N" --dimension "$DIM" >/dev/null
bytes=$(du -sb "$T/d" | cut -f1)
measure() { # label, command…
  local label="$1"; shift
  /usr/bin/time -o "$T/time.txt" -f "%e %M" "$@" >/dev/null 2>"$T/stderr.txt" || { cat "$T/stderr.txt" >&2; return 1; }
  local out; out=$(tail -1 "$T/time.txt")
  local secs=${out% *} rss=${out#* }
  local mbs; mbs=$(awk -v b="$bytes" -v s="$secs" 'BEGIN{ if (s>0) printf "%.0f", b/1048576/s; else print "inf" }')
  printf "%-28s %8.2f s  %8s MB/s  peak RSS %6.1f MiB\n" "$label" "$secs" "$mbs" "$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')"
}
echo "data directory: $N memories x $DIM dims, $((bytes / 1048576)) MiB ($bytes bytes)"
sync
measure "anchor: cp -r data dir" cp -r "$T/d" "$T/copy"
measure "backup" "$BIN" backup --data-dir "$T/d" --out "$T/b"
measure "verify --backup" "$BIN" verify --backup "$T/b"
measure "restore (incl. reopen)" "$BIN" restore --from "$T/b" --data-dir "$T/r"
measure "export --format pgsql" "$BIN" export --data-dir "$T/d" --format pgsql --output "$T/x.sql"
measure "export --format jsonl" "$BIN" export --data-dir "$T/d" --format jsonl --include-embeddings --output "$T/x.jsonl"
echo "pgsql file: $(( $(stat -c %s "$T/x.sql") / 1048576 )) MiB"
