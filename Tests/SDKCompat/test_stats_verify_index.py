"""`stats` shows the saved HNSW index (parameters, nodes, LSN) beside a running server and after
it stops; `verify --data-dir` checks the saved graphs against the tables."""
import json
import os
import tempfile
import urllib.request

from test_maintenance_cli import KEY, _call, _run, _serve, _stop


def test_stats_and_verify_cover_the_index():
    with tempfile.TemporaryDirectory(prefix="aegis-idx-") as tmp, open(os.path.join(tmp, "log"), "ab") as log:
        data = os.path.join(tmp, "data")
        proc, url = _serve(data, 32, log)
        items = [{"content": f"index stats memory {i} topic {i % 5}", "scope": "global"} for i in range(100)]
        ids = [r["id"] for r in _call(url, "/memories/add_batch", {"items": items})["results"]]
        req = urllib.request.Request(f"{url}/memories/{ids[0]}", method="DELETE", headers={"Authorization": f"Bearer {KEY}"})
        urllib.request.urlopen(req, timeout=10).close()
        # Read-only beside the running server.
        live = json.loads(_run("stats", "--data-dir", data, "--json").stdout)
        assert "index" in live and live["index"]["parameters_source"] == "settings"
        _run("verify", "--data-dir", data)
        _stop(proc)

        s = json.loads(_run("stats", "--data-dir", data, "--json").stdout)
        idx = s["index"]
        assert idx["saved"] and idx["valid"] and idx["lsn"] == s["snapshot_lsn"] and idx["pinned"] is None
        (p,) = idx["projects"]
        assert p["graph_nodes"] == 99 and p["used_slots"] == 99 and p["m"] == 16 and p["ef_construction"] == 64
        text = _run("stats", "--data-dir", data).stdout
        assert "index: saved at LSN" in text and "99 nodes" in text, text

        _run("rebuild-index", "--data-dir", data, "--m", "12", "--ef-construction", "80")
        idx = json.loads(_run("stats", "--data-dir", data, "--json").stdout)["index"]
        assert idx["parameters_source"] == "pinned" and idx["pinned"] == {"m": 12, "ef_construction": 80}
        assert idx["projects"][0]["m"] == 12 and idx["projects"][0]["graph_deleted"] == 0
        v = _run("verify", "--data-dir", data, "--verbose").stdout
        assert "99 nodes, 99 slots match the tables" in v and "is healthy" in v, v
