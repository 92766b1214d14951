"""`make test-schema`: schemathesis against a real `aegis-memory serve`, checked by docs/openapi.yaml.

Starts the server the SDK suite starts (Tests/SDKCompat/conftest.py: loopback, temporary data
directory, hashing embedder, rate limits out of the way), runs schemathesis with a fixed seed and
a per-operation example budget (all phases: examples, coverage, fuzzing, stateful via the
document's links), then reads the server's own `aegis_http_requests_total` counter to report
which status codes each route answered. Exit status: schemathesis's (non-zero on any failure),
or 1 when the server logged nothing answerable (it crashed).

Checks: every schemathesis check except `negative_data_rejection` (the server coerces like
Pydantic's lax mode, as 1.2 did: `"5"`, `5.0` and `true` are accepted for integer fields and
`false` for a number; docs/api.md, "Validation") and `object_level_authorization` (needs a second
project's key; IsolationTests covers it). `POST /mcp` is excluded from the run: it is JSON-RPC, whose
result shape depends on the method (OpenAPI cannot describe it); Tests/MCP checks it with the official
MCP client (docs/mcp.md). Negative examples are still generated and sent: they
must never produce a 5xx or a response the document does not describe.

Environment: AEGIS_BIN (default .build/debug/aegis-memory), SCHEMA_SEED, SCHEMA_MAX_EXAMPLES,
SCHEMATHESIS (the CLI, default: next to this interpreter), SCHEMA_WORKERS.
"""
import os
import re
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Tests", "SDKCompat"))
from conftest import Server  # noqa: E402  (the one server launcher of the Python suites)

SEED = int(os.environ.get("SCHEMA_SEED", "20261204"))
MAX_EXAMPLES = int(os.environ.get("SCHEMA_MAX_EXAMPLES", "60"))
WORKERS = os.environ.get("SCHEMA_WORKERS", "2")
CLI = os.environ.get("SCHEMATHESIS", os.path.join(os.path.dirname(sys.executable), "schemathesis"))
EXCLUDED_CHECKS = "negative_data_rejection,object_level_authorization"
TIMEOUT_SECONDS = 600


def status_codes(url):
    """{endpoint: {status: count}} from the server's aegis_http_requests_total."""
    with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r'aegis_http_requests_total\{(.*)\} ([0-9.e+]+)$', line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        counts = out.setdefault(f'{labels.get("method")} {labels.get("endpoint")}', {})
        counts[labels.get("status")] = counts.get(labels.get("status"), 0) + int(float(m.group(2)))
    return out


def main():
    server = Server()
    server.start()
    started = time.time()
    cmd = [CLI, "run", os.path.join(ROOT, "docs", "openapi.yaml"),
           "--url", server.url,
           "--header", "Authorization: Bearer dev-key",
           "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES),
           "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS,
           "--exclude-path", "/mcp",
           "--workers", WORKERS, "--generation-database", "none",
           "--request-timeout", "30", "--no-color"]
    print("$ " + " ".join(c if " " not in c else repr(c) for c in cmd), flush=True)
    output = []
    try:
        proc = subprocess.Popen(cmd, cwd=server.tmp.name, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            output.append(line)
            sys.stdout.write(line)
        rc = proc.wait(timeout=TIMEOUT_SECONDS)
        alive = server.proc.poll() is None
        codes = status_codes(server.url) if alive else {}
    finally:
        code = server.stop()
        server.log.close()
    seconds = time.time() - started
    text = "".join(output)
    generated = re.search(r"(\d+) generated", text)

    print("\nstatus codes answered per route (server metrics):")
    reached = set()
    for key in sorted(codes):
        reached.update(codes[key])
        print(f"  {key:48} " + ", ".join(f"{s}×{n}" for s, n in sorted(codes[key].items())))
    print(f"status codes reached: {', '.join(sorted(reached))}")
    failed = rc != 0 or not alive or code != 0 or any(s.startswith("5") for s in reached)
    if not alive or code != 0:
        with open(os.path.join(server.tmp.name, "server.log"), errors="replace") as f:
            print("server log (tail):\n" + "".join(f.readlines()[-40:]))
    verdict = "FAIL" if failed else "PASS"
    print(f"schema conformance: {verdict} — {generated.group(1) if generated else '?'} test cases, seed {SEED}, "
          f"max-examples {MAX_EXAMPLES}, schemathesis exit {rc}, server exit {code}, {seconds:.0f} s")
    server.tmp.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
