"""`verify --backup` runs the index checks of `verify --data-dir` on the backup's snapshot, with
the same exit codes, and writes nothing into the backup."""
import os
import tempfile

from test_maintenance_cli import _call, _run, _serve, _stop


def _files(root):
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


def test_verify_backup_checks_the_index():
    with tempfile.TemporaryDirectory(prefix="aegis-vb-") as tmp, open(os.path.join(tmp, "log"), "ab") as log:
        data = os.path.join(tmp, "data")
        proc, url = _serve(data, 32, log)
        items = [{"content": f"backup verify memory {i} topic {i % 4}", "scope": "global"} for i in range(40)]
        _call(url, "/memories/add_batch", {"items": items})
        _stop(proc)
        good = os.path.join(tmp, "good")
        _run("backup", "--data-dir", data, "--out", good)
        before = _files(good)
        v = _run("verify", "--backup", good, "--verbose").stdout
        assert "40 nodes, 40 slots match the tables" in v and "is intact" in v, v
        assert _files(good) == before  # nothing written (no LOCK, no CURRENT)

        # A store whose snapshots carry an index section that is not a graph section at all
        # (debug-writer writes a placeholder): both verify modes report it and exit 1.
        odd = os.path.join(tmp, "odd")
        _run("debug-writer", "--data-dir", odd, "--commits", "60", "--checkpoint-every", "25", "--fsync", "off",
             "--tasks", "1")
        d = _run("verify", "--data-dir", odd, check=False)
        assert d.returncode == 1 and "does not parse or its checksum fails" in d.stdout, d.stdout
        oddb = os.path.join(tmp, "odd-backup")
        _run("backup", "--data-dir", odd, "--out", oddb)
        b = _run("verify", "--backup", oddb, check=False)
        assert b.returncode == 1, b.stdout
        assert "PROBLEM  index: " in b.stdout and "does not parse or its checksum fails" in b.stdout, b.stdout
        assert "has 1 problem(s)" in b.stdout, b.stdout
