#!/bin/bash
# Part of docs/benchmarks.md ("One copy of each vector"): start-up time and resident memory of one serve.
# usage: measure.sh BIN DIR PORT LABEL  -> start, time to /ready, RSS; then clean stop
BIN=$1; D=$2; PORT=$3; L=$4
t0=$(date +%s.%N)
AEGIS_EMBEDDER=hash AEGIS_API_KEY=dev-key $BIN serve --data-dir $D --port $PORT > /tmp/m-$L.log 2>&1 &
PID=$!
until curl -sf localhost:$PORT/ready >/dev/null 2>&1; do sleep 0.05; if ! kill -0 $PID 2>/dev/null; then echo "$L: server died"; tail -5 /tmp/m-$L.log; exit 1; fi; done
t1=$(date +%s.%N)
st=$(grep -E "VmRSS|RssAnon|RssFile" /proc/$PID/status | awk '{printf "%s %d MiB  ", $1, $2/1024}')
echo "$L: ready in $(echo "$t1 - $t0" | bc) s; $st"
curl -s localhost:$PORT/ready | head -c 300; echo
if [ "${KILL:-}" = 1 ]; then kill -9 $PID; else kill -TERM $PID; fi
wait $PID 2>/dev/null
t2=$(date +%s.%N); echo "$L: stopped in $(echo "$t2 - $t1" | bc) s"
