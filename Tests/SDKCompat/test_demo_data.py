"""`aegis-memory demo-data` writes a store that `AEGIS_EMBEDDER=hash aegis-memory serve` opens as
it is (model hash-<dim>), with its graphs loaded from the checkpoint rather than rebuilt
(docs/operations.md, "Demo data"); `stats --json` reports the memory components."""
import json
import os
import subprocess
import tempfile
import urllib.request

from test_maintenance_cli import _call, _run, _serve, _stop
from test_serve_config import BIN, _env


def _get(url, path):
    with urllib.request.urlopen(url + path, timeout=10) as r:
        return r.read().decode()


def test_demo_data_store_is_served_with_saved_graphs():
    with tempfile.TemporaryDirectory(prefix="aegis-demo-") as tmp, open(os.path.join(tmp, "log"), "ab") as log:
        data = os.path.join(tmp, "data")
        out = _run("demo-data", "--data-dir", data, "--count", "2000", "--dimension", "64").stdout
        assert "model hash-64" in out and "2000 memories indexed" in out, out

        stats = json.loads(_run("stats", "--data-dir", data, "--json").stdout)
        assert (stats["embedding_model"], stats["dimension"]) == ("hash-64", 64)
        assert stats["index"]["saved"] and stats["index"]["projects"][0]["graph_nodes"] == 2000
        mem = stats["memory_bytes"]
        assert mem["vectors_mapped"] == 2000 * 64 * 4 and mem["vectors_tail"] == 0
        assert mem["graph"] > 0 and mem["codes"] > 0 and mem["rows"] > 0
        assert mem["total"] == sum(v for k, v in mem.items() if k != "total")

        proc, url = _serve(data, 64, log)
        try:
            health = json.loads(_get(url, "/health"))
            assert health["embedding_model"] == "hash-64" and health["memories"] == 2000
            assert (health["indexes_loaded_from_checkpoint"], health["indexes_rebuilt"]) == (1, 0)
            r = _call(url, "/memories/query", {"query": "customer reported slow search results", "top_k": 5})
            assert len(r["memories"]) == 5
            assert all("slow search" in m["content"] for m in r["memories"])
            metrics = _get(url, "/metrics")
            assert f'aegis_memory_bytes{{component="vectors_mapped"}} {float(2000 * 64 * 4)}' in metrics
            assert "aegis_index_failed 0.0\n" in metrics
        finally:
            _stop(proc)


def test_demo_data_rejects_bad_input():
    with tempfile.TemporaryDirectory(prefix="aegis-demo-") as tmp:
        for args in (["--count=-1"], ["--dimension", "0"], ["--commit-batch", "0"]):
            p = _run("demo-data", "--data-dir", os.path.join(tmp, "d"), *args, check=False)
            assert p.returncode != 0 and "must be" in p.stderr, (args, p.stderr)
        p = subprocess.run([BIN, "demo-data", "--data-dir", os.path.join(tmp, "e"), "--count", "10"],
                           env=_env(AEGIS_HNSW_BULK_THREADS="zero"), capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "AEGIS_HNSW_BULK_THREADS must be an integer" in p.stderr, p.stderr
