#!/bin/bash
# A/B of bulk graph inserts on import and batched demo-data commits (100k × 384).
# Usage: BEFORE=path/to/old/aegis-memory AFTER=.build/release/aegis-memory scripts/import-bench.sh
# (BEFORE may be the same binary: AEGIS_HNSW_BULK_THRESHOLD=0 restores single inserts.)
set -u
BEFORE=${BEFORE:-.build/release/aegis-memory}; AFTER=${AFTER:-.build/release/aegis-memory}; N=${N:-100000}
BEFORE=$(realpath "$BEFORE"); AFTER=$(realpath "$AFTER")
W=$(mktemp -d /tmp/aegis-import-bench.XXXXXX); trap 'rm -rf "$W"' EXIT; cd $W
$AFTER demo-data --data-dir $W/demo --count $N > /dev/null
$AFTER export --data-dir $W/demo --format jsonl --include-embeddings --output $W/x.jsonl
export AEGIS_EMBEDDER=hash AEGIS_HASH_DIMENSION=384
T() { local label=$1; shift; /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, %M KB peak RSS" "$@" 2>&1 | tail -2; }
uptime
T "anchor cp -r demo" cp -r $W/demo $W/copy1
T "anchor verify demo" $AFTER verify --data-dir $W/demo
T "BEFORE import (BEFORE binary, AEGIS_HNSW_BULK_THRESHOLD=0)" env AEGIS_HNSW_BULK_THRESHOLD=0 $BEFORE import --data-dir $W/imp-before --project p1 $W/x.jsonl
uptime
T "AFTER import (default: bulk threshold 32, 2 threads)" $AFTER import --data-dir $W/imp-after --project p1 $W/x.jsonl
uptime
T "verify imported (after)" $AFTER verify --data-dir $W/imp-after
T "AFTER parser only (AEGIS_HNSW_BULK_THRESHOLD=0)" env AEGIS_HNSW_BULK_THRESHOLD=0 $AFTER import --data-dir $W/imp-parser --project p1 $W/x.jsonl
uptime
T "AFTER demo-data (256 per commit)" $AFTER demo-data --data-dir $W/d-after --count $N
T "BEFORE demo-data (--commit-batch 1)" $AFTER demo-data --data-dir $W/d-before --count $N --commit-batch 1
uptime
T "anchor cp -r demo (end)" cp -r $W/demo $W/copy2
T "anchor verify demo (end)" $AFTER verify --data-dir $W/demo
$AFTER export --data-dir $W/demo --format pgsql --output $W/x.sql
T "AFTER import x.sql" $AFTER import --data-dir $W/imp-sql-after $W/x.sql
T "BEFORE import x.sql (threshold 0)" env AEGIS_HNSW_BULK_THRESHOLD=0 $BEFORE import --data-dir $W/imp-sql-before $W/x.sql
echo done
