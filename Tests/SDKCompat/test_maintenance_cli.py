"""`aegis-memory compact`, `rebuild-index` and `reembed` as an operator runs them: against a data
directory written by a real `serve` (hashing embedder), with --json summaries and exit codes;
reembed killed (SIGKILL) at random moments never leaves a mixed store."""
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

from conftest import _free_port
from test_serve_config import BIN, _env, _wait_ready

KEY = "dev-key"


def _call(url, path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def _serve(data, dim, log):
    port = _free_port()
    proc = subprocess.Popen([BIN, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data],
                            env=_env(AEGIS_EMBEDDER="hash", AEGIS_HASH_DIMENSION=str(dim), LOG_LEVEL="warning",
                                     RATE_LIMIT_PER_MINUTE="100000", RATE_LIMIT_PER_HOUR="1000000"),
                            stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    _wait_ready(url, proc)
    return proc, url


def _stop(proc):
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0


def _run(*args, dim=None, check=True):
    env = _env(AEGIS_EMBEDDER="hash", AEGIS_HASH_DIMENSION=str(dim)) if dim else _env()
    p = subprocess.run([BIN, *args], env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert p.returncode == 0, f"{args}: exit {p.returncode}: {p.stderr}{p.stdout}"
    return p


def _model(data):
    s = json.loads(_run("stats", "--data-dir", data, "--json").stdout)
    return s["embedding_model"], s["dimension"]


def _export(data):
    out = _run("export", "--data-dir", data, "--format", "jsonl", "--include-embeddings").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_compact_rebuild_index_reembed():
    with tempfile.TemporaryDirectory(prefix="aegis-maint-") as tmp, open(os.path.join(tmp, "log"), "ab") as log:
        data = os.path.join(tmp, "data")
        proc, url = _serve(data, 32, log)
        ids = []
        for b in range(4):
            items = [{"content": f"maintenance memory {b}-{i} about topic {i % 7}", "scope": "global"} for i in range(100)]
            ids += [r["id"] for r in _call(url, "/memories/add_batch", {"items": items})["results"]]
        req = urllib.request.Request(f"{url}/memories/{ids[5]}", method="DELETE", headers={"Authorization": f"Bearer {KEY}"})
        urllib.request.urlopen(req, timeout=10).close()
        # Offline commands refuse while the server holds the lock.
        busy = _run("compact", "--data-dir", data, check=False)
        assert busy.returncode == 1 and "lock" in busy.stderr.lower(), busy.stderr
        _stop(proc)

        c = json.loads(_run("compact", "--data-dir", data, "--json").stdout)
        assert c["memories"] == 399 and c["bytes_before"] > 0 and c["bytes_after"] > 0
        assert os.listdir(os.path.join(data, "snapshots")) == [f"snap-{c['lsn']:016x}.snap"]
        r = json.loads(_run("rebuild-index", "--data-dir", data, "--m", "24", "--ef-construction", "96", "--json").stdout)
        assert r["memories"] == 399 and all(p["m"] == 24 and p["ef_construction"] == 96 for p in r["projects"])
        assert _run("rebuild-index", "--data-dir", data, "--m", "1", check=False).returncode != 0
        _run("verify", "--data-dir", data)
        before = {m["id"]: m for m in _export(data)}
        assert len(before) == 399 and all(len(m["embedding"]) == 32 for m in before.values())

        # SIGKILL reembed at random moments: the store is entirely old or entirely new.
        timed = os.path.join(tmp, "timed")
        shutil.copytree(data, timed)
        t0 = time.time()
        _run("reembed", "--data-dir", timed, "--no-keep", dim=64)
        duration = time.time() - t0
        assert _model(timed) == ("hash-64", 64)
        rng = random.Random(7)
        outcomes = set()
        for trial in range(5):
            copy = os.path.join(tmp, f"kill{trial}")
            shutil.copytree(data, copy)
            env = _env(AEGIS_EMBEDDER="hash", AEGIS_HASH_DIMENSION="64")
            p = subprocess.Popen([BIN, "reembed", "--data-dir", copy, "--no-keep", "--batch", "50"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, duration))
            p.kill()
            p.wait()
            model, dim = _model(copy)
            outcomes.add(model)
            rows = _export(copy)
            assert {m["id"] for m in rows} == set(before)
            assert all(len(m["embedding"]) == dim for m in rows)
            if model == "hash-32":
                assert all(m["embedding"] == before[m["id"]]["embedding"] for m in rows)
            _run("verify", "--data-dir", copy)
            shutil.rmtree(copy, ignore_errors=True)
        assert outcomes <= {"hash-32", "hash-64"}

        # The real run: --json summary, old store kept, new server queries, old embedder refused.
        out = json.loads(_run("reembed", "--data-dir", data, "--json", "--batch", "64", dim=64).stdout)
        assert out["previous_model"] == "hash-32" and out["model"] == "hash-64" and out["memories"] == 399
        assert os.path.isdir(out["kept_old_store"])
        assert _model(data) == ("hash-64", 64)
        after = {m["id"]: m for m in _export(data)}
        assert set(after) == set(before)
        for i, m in after.items():
            assert len(m["embedding"]) == 64
            assert {k: v for k, v in m.items() if k != "embedding"} == {k: v for k, v in before[i].items() if k != "embedding"}
        again = _run("reembed", "--data-dir", data, dim=64, check=False)
        assert again.returncode == 1 and "already uses" in again.stderr
        old = subprocess.run([BIN, "serve", "--port", "0", "--data-dir", data],
                             env=_env(AEGIS_EMBEDDER="hash", AEGIS_HASH_DIMENSION="32"), capture_output=True, text=True, timeout=120)
        assert old.returncode != 0 and "reembed" in (old.stderr + old.stdout)
        proc, url = _serve(data, 64, log)
        hits = _call(url, "/memories/query", {"query": "maintenance memory 2-17 about topic 3", "top_k": 1})["memories"]
        assert hits and hits[0]["content"] == "maintenance memory 2-17 about topic 3"
        _stop(proc)
        assert _model(out["kept_old_store"]) == ("hash-32", 32)
